/**
 * `netops switch ...` on a terminal (test/helpers/pty-run.py) against the lab switch: the password
 * asked for when the agent's keys are refused, and a declined fix-loop plan shown as a plain notice.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {REPO} from '../helpers/cli.js'
import {generateKeyPair} from '../helpers/ssh-server.js'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'

const PTY_RUN = fileURLToPath(new URL('../helpers/pty-run.py', import.meta.url))

/** Run netops (TypeScript sources) on a pseudo-terminal; type `keys` once `waitFor` shows. Async: the lab runs in this process. */
function onPty(
  args: string[],
  waitFor: string,
  keys: string[],
  env: Record<string, string | undefined>,
): Promise<{output: string; exitCode: number | null}> {
  const argv = [process.execPath, '--import', 'tsx', '--no-warnings', `${REPO}/bin/dev.js`, ...args]
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [PTY_RUN, JSON.stringify({argv, waitFor, keys, timeoutS: 60})], {
      cwd: REPO,
      env: {...process.env, ...env},
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pty driver failed (${code}): ${err}`))
      resolve(JSON.parse(out) as {output: string; exitCode: number | null})
    })
  })
}

describe('switch commands on a terminal (lab switch)', () => {
  let lab: LabSwitch
  let dir: string
  let agent: ChildProcess | undefined
  let agentSock: string
  before(async () => {
    lab = await startLabSwitch({timeScale: 0.01})
    dir = mkdtempSync(join(tmpdir(), 'netops-tty-'))
    agentSock = join(dir, 'agent.sock')
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], {stdio: 'ignore'})
    const key = generateKeyPair('ed25519')
    writeFileSync(join(dir, 'id_refused'), key.private, {mode: 0o600})
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync('ssh-add', [join(dir, 'id_refused')], {env: {...process.env, SSH_AUTH_SOCK: agentSock}, stdio: 'ignore'})
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  })
  after(async () => {
    agent?.kill()
    await lab?.close()
    rmSync(dir, {recursive: true, force: true})
  })
  const target = () => [
    '--host',
    '127.0.0.1',
    '--ssh-port',
    String(lab.port),
    '--username',
    'admin',
    '--host-key-policy',
    'off',
    '--port',
    '19',
  ]

  test("the agent's keys refused and no password: the password is asked for on the terminal (hidden), then the run succeeds", async () => {
    const r = await onPty(
      ['switch', 'diagnose', ...target(), '--enable-password', 'cisco'],
      'SSH password for admin@127.0.0.1',
      ['admin\r'],
      {
        SSH_AUTH_SOCK: agentSock,
        NO_COLOR: '1',
        NETOPS_PASSWORD: undefined,
      },
    )
    assert.equal(r.exitCode, 0, r.output)
    assert.match(r.output, new RegExp(`SSH password for admin@127\\.0\\.0\\.1:${lab.port}: `))
    assert.doesNotMatch(r.output, /admin\r?\n.*admin/s, 'the typed password is not echoed')
    assert.match(r.output, /err-disabled/)
  })

  test('declining the fix-loop plan: a plain notice with exit 12, not a red error', async () => {
    const r = await onPty(
      ['switch', 'fix-loop', ...target(), '--password', 'admin', '--enable-password', 'cisco'],
      'apply this plan?',
      ['n\r'],
      {
        SSH_AUTH_SOCK: undefined,
        NO_COLOR: undefined,
        FORCE_COLOR: undefined,
      },
    )
    assert.equal(r.exitCode, 12, r.output)
    assert.match(r.output, /^not confirmed: nothing was sent to \S+ \(exit 12\)\r?$/m)
    assert.doesNotMatch(r.output, /error \[|NETOPS_CONFIRMATION_REQUIRED/)
    assert.doesNotMatch(r.output, /\u001b\[31m/, 'nothing red')
  })

  test('Ctrl-C at the fix-loop question: nothing was sent, and the report says so (exit 15)', async () => {
    const r = await onPty(
      ['switch', 'fix-loop', ...target(), '--password', 'admin', '--enable-password', 'cisco'],
      'apply this plan?',
      ['\u0003'],
      {SSH_AUTH_SOCK: undefined},
    )
    assert.equal(r.exitCode, 15, r.output)
    assert.match(r.output, /Ctrl-C: stopping after the config line in flight/)
    assert.match(r.output, /interrupted before any configuration was sent to 127\.0\.0\.1: nothing was applied; not saved/)
    assert.equal(lab.device.lastConfigChange, null)
  })
})
