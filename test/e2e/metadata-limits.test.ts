import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {connect, type Socket} from 'node:net'
import {httpGet, tempDir} from '../helpers/metadata.js'

/**
 * fd exhaustion under a low `ulimit -n`: more idle connections than file descriptors. The built CLI stays up,
 * refuses the extra (at its --max-connections, or at accept with EMFILE when that limit is set too high),
 * /healthz says what is degraded, and a VM is answered once the connections drop.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function serve(extra: string) {
  const t = tempDir()
  const inv = t.write('vms.yaml', 'instances:\n  - {id: vm-01, ip: 127.0.0.41}\n')
  const child = spawn(
    'bash',
    [
      '-c',
      `ulimit -n 256; exec node bin/run.js metadata serve --inventory ${inv} --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir none --quiet --cloudstack-password-port off --json ${extra}`,
    ],
    {stdio: ['ignore', 'pipe', 'pipe']},
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const t0 = Date.now()
  while (!out.includes('\n}') && Date.now() - t0 < 15_000) await sleep(50)
  const doc = JSON.parse(out) as {listening: {metadata: string}; admin: string}
  return {child, exited, url: doc.listening.metadata, admin: doc.admin, err: () => err, cleanup: () => t.cleanup()}
}

async function flood(url: string, n: number): Promise<Socket[]> {
  const {port} = new URL(url)
  const socks: Socket[] = []
  for (let i = 0; i < n; i++) {
    const s = connect({port: Number(port), host: '127.0.0.1', localAddress: `127.0.${1 + (i % 200)}.${2 + Math.floor(i / 200)}`})
    s.on('error', () => undefined)
    socks.push(s)
  }
  await sleep(1000)
  return socks
}

for (const [name, extra, expect] of [
  [
    'at the default --max-connections (ulimit -n less 64)',
    '',
    /"connections: at --max-connections 192 since [^"]+"[\s\S]*connections_refused_total\{reason="global"\} [1-9]/,
  ],
  ['with --max-connections above the fd limit: accept fails with EMFILE', '--max-connections 100000', /"fds: EMFILE since /],
] as const) {
  test(`more idle connections than fds (ulimit -n 256) ${name}: the server stays up, refuses the extra, answers a VM after`, async () => {
    const s = await serve(extra)
    try {
      const admin = s.admin
      const socks = await flood(s.url, 400)
      for (const k of socks) k.destroy()
      await sleep(500)
      // (while every fd is taken, the admin listener cannot accept either: asked once they drop)
      const health = await httpGet(`${admin}/healthz`)
      const metrics = await httpGet(`${admin}/metrics`)
      const r = await httpGet(`${s.url}/latest/meta-data/instance-id`, {from: '127.0.0.41'})
      assert.equal(r.status, 200)
      assert.equal(r.body, 'vm-01')
      assert.equal(s.child.exitCode, null, `still running; stderr:\n${s.err()}`)
      assert.match(health.body + metrics.body, expect, `healthz: ${health.body}`)
    } finally {
      s.child.kill('SIGTERM')
      await s.exited
      s.cleanup()
    }
  })
}
