/**
 * Text from VMs is data: a /report whose name holds ESC sequences (clear screen, window title, a fake
 * "ALL VMS DONE" line) reaches `metadata status` on a real terminal (pty) with no raw ESC, and --json
 * keeps a safe value.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {request} from 'node:http'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {tempDir} from '../../helpers/metadata.js'
import {REPO} from '../../helpers/cli.js'
import {ensureBuilt, runCli, startServe, type ServeProcess} from '../../helpers/metadata-serve.js'

const PTY_RUN = fileURLToPath(new URL('../../helpers/pty-run.py', import.meta.url))

function post(url: string, from: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)},
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('VM text through metadata status (built CLI, real terminal)', () => {
  const t = tempDir('netops-vmtext-')
  let serve: ServeProcess | undefined

  before(async () => {
    ensureBuilt()
    const inventory = t.write('vms.yaml', stringify({instances: [{id: 'vm-evil', ip: '127.1.7.1', hostname: 'vm-evil'}]}))
    serve = await startServe([
      '--inventory',
      inventory,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--phone-home',
      '--cloudstack-password-port',
      'off',
    ])
  })
  after(async () => {
    await serve?.stop()
    t.cleanup()
  })

  test('a /report with ESC sequences shows no raw ESC under a TTY; --json holds the stripped name', async () => {
    const name = '\x1b[2J\x1b[H\x1b]0;owned\x07\x1b[32mALL VMS DONE\x1b[0m\r\n\x9b2J'
    assert.equal(await post(`${serve!.url}/report`, '127.1.7.1', JSON.stringify({name, event_type: 'start', origin: '\x1b]2;x\x07'})), 200)

    const argv = [process.execPath, `${REPO}/bin/run.js`, 'metadata', 'status', '--admin', serve!.admin!]
    const spec = {argv, waitFor: '', keys: [], timeoutS: 30}
    const r = spawnSync('python3', [PTY_RUN, JSON.stringify(spec)], {
      encoding: 'utf8',
      timeout: 40_000,
      env: {...process.env, NO_COLOR: '1'},
    })
    assert.equal(r.status, 0, `python3 pty driver failed: ${r.stderr}`)
    const out = JSON.parse(r.stdout) as {output: string; exitCode: number | null}
    assert.equal(out.exitCode, 0, out.output)
    assert.ok(!out.output.includes('\x1b'), `raw ESC on the terminal: ${JSON.stringify(out.output)}`)
    assert.ok(!/[\x9b\x9d]/.test(out.output), 'no 8-bit CSI/OSC')
    assert.match(out.output, /^vm-evil\s+127\.1\.7\.1\s+booting\s+ALL VMS DONE start\s/m)

    const j = await runCli(['metadata', 'status', '--admin', serve!.admin!, '--json'])
    assert.equal(j.status, 0, j.stderr)
    const v = JSON.parse(j.stdout) as {instances: Array<{id: string; lastStep: string}>}
    assert.equal(v.instances.find((i) => i.id === 'vm-evil')?.lastStep, 'ALL VMS DONE start')
  })
})
