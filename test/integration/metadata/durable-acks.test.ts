import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ensureBuilt, startServe} from '../../helpers/metadata-serve.js'

/**
 * Durable acknowledgements through the built CLI: a burst of phone-homes from 400 VMs (each from its own
 * 127.x address, a new connection each, as cloud-init), the server SIGKILLed half-way through; after a
 * restart on the same data dir every VM that got its 200 is done (cloud-init never retries after a 200).
 */

const VMS = 400
const ipOf = (i: number) => `127.0.${40 + Math.floor(i / 200)}.${10 + (i % 200)}`

function inventoryYaml(): string {
  const lines = ['instances:']
  for (let i = 0; i < VMS; i++) lines.push(`  - {id: vm-${i}, ip: ${ipOf(i)}, hostname: h-${i}}`)
  return lines.join('\n') + '\n'
}

/** POST a phone-home from the VM's address; resolves with the status, or 0 when the connection failed. */
function phoneHome(base: string, i: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${base}/phone-home/vm-${i}`,
      {method: 'POST', localAddress: ipOf(i), agent: false, headers: {'content-type': 'application/x-www-form-urlencoded'}},
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      },
    )
    req.setTimeout(10_000, () => req.destroy())
    req.on('error', () => resolve(0))
    req.end(`instance_id=vm-${i}&hostname=h-${i}`)
  })
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let d = ''
      res.on('data', (c: Buffer) => (d += c.toString()))
      res.on('end', () => resolve(JSON.parse(d)))
    })
      .on('error', reject)
      .end()
  })
}

describe('metadata serve: durable phone-home acknowledgements', () => {
  let dir: string
  let inventory: string
  before(() => {
    ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'netops-durable-'))
    inventory = join(dir, 'vms.yaml')
    writeFileSync(inventory, inventoryYaml())
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('kill -9 in the middle of a 400-VM phone-home burst loses no acknowledged VM', async () => {
    const data = join(dir, 'data')
    const args = [
      ...['--listen', '127.0.0.1:0', '--inventory', inventory, '--no-watch', '--phone-home'],
      ...['--data-dir', data, '--cloudstack-password-port', 'off'],
    ]
    const s = await startServe([...args, '--admin-listen', 'off'])
    const exited = new Promise((r) => s.child.on('exit', r))
    const acked: number[] = []
    let killed = false
    const queue = Array.from({length: VMS}, (_, i) => i)
    const next = async (): Promise<void> => {
      const i = queue.shift()
      if (i === undefined) return
      const status = await phoneHome(s.url, i)
      if (status === 200) acked.push(i)
      if (!killed && acked.length >= VMS / 2) {
        killed = true
        s.child.kill('SIGKILL') // mid-burst: 64 more are in flight
      }
      return next()
    }
    try {
      await Promise.all(Array.from({length: 64}, next))
    } finally {
      s.child.kill('SIGKILL')
      await exited
    }
    assert.ok(acked.length >= VMS / 2 && acked.length < VMS, `killed mid-burst: ${acked.length} of ${VMS} acknowledged`)

    const again = await startServe([...args, '--admin-listen', '127.0.0.1:0'])
    try {
      const doc = (await getJson(`${again.admin}/v1/instances`)) as {instances: Array<{id: string; state: string}>}
      const state = new Map(doc.instances.map((x) => [x.id, x.state]))
      const lost = acked.filter((i) => state.get(`vm-${i}`) !== 'done')
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged VMs lost: vm-${lost.slice(0, 10).join(', vm-')}`)
    } finally {
      await again.stop()
    }
  })
})
