/**
 * `netops lab switch` as a user runs it (bin/dev.js on the TypeScript sources): the --json document,
 * the human output on stdout with hints on stderr, a login to the port it reports, and a clean stop
 * on SIGTERM.
 */
import assert from 'node:assert/strict'
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {resolve} from 'node:path'
import {test} from 'node:test'
import ssh2 from 'ssh2'

const REPO = resolve(import.meta.dirname, '..', '..', '..')

function start(args: string[]): {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-warnings', 'bin/dev.js', 'lab', 'switch', ...args], {
    cwd: REPO,
    env: {...process.env, NO_COLOR: '1'},
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now()
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

test('--json prints one document with the port, platform and host key; the switch answers there; SIGTERM stops it with exit 0', async () => {
  const p = start(['--json', '--time-scale', '0.01', '--scenario', 'flapping', '--platform', 'nxos', '--hostname', 'n9k-1'])
  try {
    await until('the JSON document', () => parseJson(p.stdout()) !== undefined)
    const doc = parseJson(p.stdout())!
    assert.equal(doc.platform, 'nxos')
    assert.equal(doc.scenario, 'flapping')
    assert.equal(doc.credentials, 'lab-defaults')
    assert.equal(doc.username, 'admin')
    assert.equal(doc.password, 'admin')
    assert.equal(doc.enablePassword, 'cisco')
    assert.match(String(doc.hostKeyFingerprint), /^SHA256:[A-Za-z0-9+/]{43}$/)
    assert.deepEqual(doc.scenarioPort, {interface: 'Ethernet1/19', status: 'err-disabled', errDisabledReason: 'loopback'})
    const port = Number(doc.port)
    const banner = await new Promise<string>((res, rej) => {
      const c = new ssh2.Client()
      c.once('ready', () =>
        c.exec('show version | include Device name', (e, st) => {
          if (e) return rej(e)
          let b = ''
          st.on('data', (d: Buffer) => (b += d.toString()))
          st.on('close', () => {
            c.end()
            res(b)
          })
        }),
      )
      c.once('error', rej)
      c.connect({host: '127.0.0.1', port, username: 'admin', password: 'admin', readyTimeout: 10_000})
    })
    assert.match(banner, /Device name: n9k-1/)
  } finally {
    p.child.kill('SIGTERM')
  }
  assert.equal(await p.exited, 0)
  assert.equal(
    p
      .stdout()
      .trim()
      .split('\n')
      .filter((l) => l === '{').length,
    1,
  )
})

test('custom passwords: shown to the human on stdout, never in --json', async () => {
  const human = start(['--password', 's3cret-pw', '--enable-password', 'en-s3cret'])
  const json = start(['--json', '--password', 's3cret-pw', '--enable-password', 'en-s3cret'])
  try {
    await until('human output', () => /host key:/.test(human.stdout()))
    await until('json output', () => parseJson(json.stdout()) !== undefined)
    assert.match(human.stdout(), /password: +s3cret-pw/)
    assert.match(human.stdout(), /enable: +en-s3cret/)
    assert.match(human.stderr(), /Ctrl-C to stop/)
    const doc = parseJson(json.stdout())!
    assert.equal(doc.credentials, 'custom')
    assert.equal(doc.password, undefined)
    assert.doesNotMatch(json.stdout() + json.stderr(), /s3cret/)
  } finally {
    human.child.kill('SIGINT')
    json.child.kill('SIGTERM')
  }
  assert.equal(await human.exited, 0)
  assert.equal(await json.exited, 0)
})

test('a bad --time-scale is a usage error (exit 2) with a suggestion', async () => {
  const p = start(['--time-scale', 'fast'])
  const code = await p.exited
  assert.equal(code, 2)
  assert.match(p.stderr(), /--time-scale must be a number > 0/)
})

test('--ssh-port 65535 --count 3: a usage error naming the ports past 65535 and a port that fits, not a --host-key hint', async () => {
  const p = start(['--ssh-port', '65535', '--count', '3'])
  const code = await p.exited
  assert.equal(code, 2, p.stderr())
  assert.match(p.stderr(), /--ssh-port 65535 with --count 3 needs ports 65535-65537, past the last TCP port 65535/)
  assert.match(p.stderr(), /use --ssh-port 65533 or lower with --count 3/)
  assert.doesNotMatch(p.stderr(), /--host-key/)
})

test('a fleet whose second port is busy names that port, not the first', async () => {
  const {createServer} = await import('node:net')
  const blocker = createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  const busy = (blocker.address() as {port: number}).port
  try {
    const p = start(['--ssh-port', String(busy - 1), '--count', '3'])
    const code = await p.exited
    assert.equal(code, 3, p.stderr())
    assert.match(p.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy}: EADDRINUSE`))
    assert.match(p.stderr(), new RegExp(`port ${busy} is in use`))
  } finally {
    blocker.close()
  }
})
