import {test} from 'node:test'
import assert from 'node:assert/strict'
import {
  InputError,
  NetopsError,
  SshAuthError,
  SshHostKeyChangedError,
  SshProtocolError,
  SshTimeoutError,
  SshUnreachableError,
} from '../../../src/errors.js'
import {
  forwardError,
  forwardTimeoutError,
  hopError,
  hopKey,
  hopLabel,
  hopWarning,
  routeOf,
  SharedConnections,
} from '../../../src/ssh/hops.js'
import type {ResolvedTarget} from '../../../src/ssh/types.js'

function target(host: string, port = 22, username = 'admin', extra: Partial<ResolvedTarget> = {}): ResolvedTarget {
  return {
    alias: host,
    host,
    port,
    username,
    identityFiles: [],
    hostKeyPolicy: 'accept-new',
    knownHostsFile: '/tmp/kh',
    legacySsh: false,
    timeoutMs: 5000,
    ...extra,
  }
}

test('a target without jumps or ProxyCommand is dialled directly', () => {
  assert.deepEqual(routeOf(target('sw1')), {kind: 'direct'})
  assert.deepEqual(routeOf(target('sw1', 22, 'admin', {jumps: [], proxyCommand: ''})), {kind: 'direct'})
  assert.deepEqual(routeOf(target('sw1', 22, 'admin', {proxyCommand: 'none'})), {kind: 'direct'})
})

test('each hop opens the connection to the next hop, the last one to the target', () => {
  const route = routeOf(target('127.0.0.1', 22001, 'admin', {jumps: [target('bastion', 22, 'ops'), target('10.0.0.1', 2222, 'core')]}))
  assert.equal(route.kind, 'jump')
  if (route.kind !== 'jump') return
  assert.deepEqual(
    route.hops.map((h) => [h.label, h.next]),
    [
      ['jump host 1 of 2 (ops@bastion:22)', {host: '10.0.0.1', port: 2222}],
      ['jump host 2 of 2 (core@10.0.0.1:2222)', {host: '127.0.0.1', port: 22001}],
    ],
  )
})

test('a ProxyCommand is the route when there are no jumps; both together are refused', () => {
  assert.deepEqual(routeOf(target('sw1', 22, 'a', {proxyCommand: 'ssh -W sw1:22 bastion'})), {
    kind: 'proxy-command',
    command: 'ssh -W sw1:22 bastion',
  })
  assert.throws(() => routeOf(target('sw1', 22, 'a', {proxyCommand: 'nc %h %p', jumps: [target('b')]})), InputError)
})

test('hop labels name the position and user@host:port (IPv6 in brackets, alias after)', () => {
  assert.equal(hopLabel(0, 2, {username: 'admin', host: 'bastion', port: 22}), 'jump host 1 of 2 (admin@bastion:22)')
  assert.equal(hopLabel(1, 2, {username: 'a', host: 'fd00::1', port: 2222, alias: 'core'}), 'jump host 2 of 2 (a@[fd00::1]:2222 (core))')
})

test('a hop error keeps its class, code and exit code; the message and details name the hop', () => {
  const hop = {label: 'jump host 1 of 2 (admin@bastion:22)', index: 0, target: target('bastion')}
  for (const Cls of [SshHostKeyChangedError, SshAuthError, SshTimeoutError, SshUnreachableError, SshProtocolError]) {
    const inner = new Cls('something failed', {suggestions: ['do x'], details: {phase: 'auth'}})
    const e = hopError(inner, hop)
    assert.ok(e instanceof Cls)
    assert.equal(e.code, inner.code)
    assert.equal(e.exitCode, inner.exitCode)
    assert.equal(e.message, 'jump host 1 of 2 (admin@bastion:22): something failed')
    assert.deepEqual(e.suggestions, ['do x'])
    assert.deepEqual(e.details, {phase: 'auth', hop: 1, hopTarget: 'admin@bastion:22'})
    assert.equal(e.cause, inner)
  }
  const base = hopError(new NetopsError('NETOPS_X', 42, 'odd'), hop)
  assert.equal(base.code, 'NETOPS_X')
  assert.equal(base.exitCode, 42)
})

test('a refused forward is unreachable (exit 3) naming the hop and the next host; forwarding disabled says so', () => {
  const hop = {label: 'jump host 1 of 1 (ops@bastion:22)', next: {host: '127.0.0.1', port: 22001}}
  const refused = forwardError(hop, Object.assign(new Error('(SSH) Channel open failure: Connection refused'), {reason: 2}))
  assert.ok(refused instanceof SshUnreachableError)
  assert.equal(refused.exitCode, 3)
  assert.equal(refused.message, 'jump host 1 of 1 (ops@bastion:22) cannot reach 127.0.0.1:22001: Connection refused')
  const prohibited = forwardError(hop, Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), {reason: 1}))
  assert.ok(prohibited instanceof SshProtocolError)
  assert.match(prohibited.suggestions.join(' '), /AllowTcpForwarding/)
  const v6 = forwardError({label: 'h', next: {host: 'fd00::7', port: 22}}, new Error('(SSH) Channel open failure: '))
  assert.equal(v6.message, 'h cannot reach [fd00::7]:22: refused')
  const slow = forwardTimeoutError(hop, 5000)
  assert.ok(slow instanceof SshTimeoutError)
  assert.match(slow.message, /did not open a connection to 127\.0\.0\.1:22001 within 5s/)
})

test('hop warnings are prefixed with the hop', () => {
  assert.equal(hopWarning({label: 'jump host 2 of 2 (a@b:22)'}, 'HOST KEY has CHANGED'), 'jump host 2 of 2 (a@b:22): HOST KEY has CHANGED')
})

class FakeConnection {
  closed = 0
  private readonly closeCallbacks: Array<(err?: Error) => void> = []
  close(): Promise<void> {
    this.closed++
    return Promise.resolve()
  }
  onClose(cb: (err?: Error) => void): void {
    this.closeCallbacks.push(cb)
  }
  drop(): void {
    for (const cb of this.closeCallbacks) cb(new Error('lost'))
  }
}

test('shared hop connections: opened once for every user, closed by the last release, forgotten when they fail or drop', async () => {
  const pool = new SharedConnections<FakeConnection>()
  let opened = 0
  const open = (): Promise<FakeConnection> => {
    opened++
    return Promise.resolve(new FakeConnection())
  }
  const a = pool.acquire('bastion', open)
  const b = pool.acquire('bastion', open)
  const conn = await a.connection
  assert.equal(await b.connection, conn)
  assert.equal(opened, 1)
  await a.release()
  await a.release() // idempotent
  assert.equal(conn.closed, 0, 'still in use by b')
  await b.release()
  assert.equal(conn.closed, 1)
  assert.equal(pool.size, 0)

  const failing = pool.acquire('bad', () => Promise.reject(new Error('refused')))
  await assert.rejects(failing.connection, /refused/)
  assert.equal(pool.size, 0, 'a failed connection is not kept')

  const c = pool.acquire('bastion', open)
  const dropped = await c.connection
  dropped.drop()
  const d = pool.acquire('bastion', open)
  assert.notEqual(await d.connection, dropped, 'a dropped connection is replaced')
  await c.release()
  await d.release()
  assert.equal(pool.size, 0)
})

test('hop keys differ when the chain before the hop or how it is checked differs', () => {
  const route = (jumps: ResolvedTarget[]) => {
    const r = routeOf(target('sw', 22, 'a', {jumps}))
    return r.kind === 'jump' ? r.hops : []
  }
  const one = route([target('bastion'), target('core')])
  const other = route([target('bastion2'), target('core')])
  assert.equal(hopKey(one, 0), hopKey(route([target('bastion')]), 0))
  assert.notEqual(hopKey(one, 1), hopKey(other, 1), 'same core behind another bastion')
  assert.notEqual(hopKey(route([target('bastion', 22, 'admin', {hostKeyPolicy: 'off'})]), 0), hopKey(one, 0))
})
