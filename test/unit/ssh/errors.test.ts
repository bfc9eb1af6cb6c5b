import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ConnectionLostError, SshAuthError, SshProtocolError, SshTimeoutError, SshUnreachableError, UsageError} from '../../../src/errors.js'
import {mapSshError, redact, type SshErrorContext} from '../../../src/ssh/errors.js'

const PASSWORD = 'Hunter2-secret!'
const ctx = (over: Partial<SshErrorContext> = {}): SshErrorContext => ({
  target: 'admin@10.0.0.1:22',
  alias: 'sw1',
  port: 22,
  username: 'admin',
  phase: 'tcp',
  timeoutMs: 30_000,
  legacySsh: false,
  secrets: [PASSWORD],
  ...over,
})
const sshErr = (message: string, level: string, code?: string): Error =>
  Object.assign(new Error(message), {level, ...(code === undefined ? {} : {code})})

const CASES: Array<{name: string; err: Error; c: Partial<SshErrorContext>; cls: new (...a: never[]) => Error; exit: number; re: RegExp}> = [
  {
    name: 'ECONNREFUSED → unreachable',
    err: sshErr('connect ECONNREFUSED 10.0.0.1:22', 'client-socket', 'ECONNREFUSED'),
    c: {},
    cls: SshUnreachableError,
    exit: 3,
    re: /cannot reach admin@10\.0\.0\.1:22: connection refused/,
  },
  {
    name: 'EHOSTUNREACH → unreachable',
    err: sshErr('connect EHOSTUNREACH', 'client-socket', 'EHOSTUNREACH'),
    c: {},
    cls: SshUnreachableError,
    exit: 3,
    re: /no route to host/,
  },
  {
    name: 'ENOTFOUND → unreachable',
    err: sshErr('getaddrinfo ENOTFOUND sw1', 'client-socket', 'ENOTFOUND'),
    c: {},
    cls: SshUnreachableError,
    exit: 3,
    re: /not found \(DNS\)/,
  },
  {name: 'client-dns → unreachable', err: sshErr('lookup failed', 'client-dns'), c: {}, cls: SshUnreachableError, exit: 3, re: /DNS/},
  {
    name: 'socket ETIMEDOUT → timeout',
    err: sshErr('connect ETIMEDOUT', 'client-socket', 'ETIMEDOUT'),
    c: {},
    cls: SshTimeoutError,
    exit: 8,
    re: /TCP connect to admin@10\.0\.0\.1:22 timed out/,
  },
  {
    name: 'readyTimeout before TCP connect → connect timed out',
    err: sshErr('Timed out while waiting for handshake', 'client-timeout'),
    c: {phase: 'tcp'},
    cls: SshTimeoutError,
    exit: 8,
    re: /TCP connect .* timed out after 30s/,
  },
  {
    name: 'readyTimeout with no banner → no greeting',
    err: sshErr('Timed out while waiting for handshake', 'client-timeout'),
    c: {phase: 'banner'},
    cls: SshTimeoutError,
    exit: 8,
    re: /no SSH greeting/,
  },
  {
    name: 'readyTimeout during auth → authentication or handshake timed out',
    err: sshErr('Timed out while waiting for handshake', 'client-timeout'),
    c: {phase: 'auth'},
    cls: SshTimeoutError,
    exit: 8,
    re: /authentication or handshake timed out for admin@10\.0\.0\.1:22/,
  },
  {
    name: 'nothing to authenticate with → auth, says so',
    err: sshErr('All configured authentication methods failed', 'client-authentication'),
    c: {phase: 'auth', methodsTried: ['none']},
    cls: SshAuthError,
    exit: 7,
    re: /authentication failed for admin@10\.0\.0\.1:22: no password, key or agent to try/,
  },
  {
    name: 'all auth methods failed → auth',
    err: sshErr('All configured authentication methods failed', 'client-authentication'),
    c: {phase: 'auth', methodsTried: ['password', 'keyboard-interactive']},
    cls: SshAuthError,
    exit: 7,
    re: /authentication failed for admin@10\.0\.0\.1:22 \(tried: password, keyboard-interactive\)/,
  },
  {
    name: 'server disconnect during auth (too many failures) → auth',
    err: Object.assign(new Error('Too many authentication failures'), {code: 2}),
    c: {phase: 'auth'},
    cls: SshAuthError,
    exit: 7,
    re: /authentication failed for admin@10\.0\.0\.1:22: the server disconnected \(Too many authentication failures\)/,
  },
  {
    name: 'no matching kex → protocol, suggests --legacy-ssh',
    err: sshErr('Handshake failed: no matching key exchange algorithm', 'handshake'),
    c: {phase: 'handshake'},
    cls: SshProtocolError,
    exit: 3,
    re: /no common key exchange algorithm/,
  },
  {
    name: 'closed before handshake → protocol',
    err: sshErr('Connection lost before handshake', 'protocol'),
    c: {phase: 'banner'},
    cls: SshProtocolError,
    exit: 3,
    re: /closed the connection before the SSH handshake/,
  },
  {
    name: 'reset after ready → connection lost',
    err: sshErr('read ECONNRESET', 'client-socket', 'ECONNRESET'),
    c: {phase: 'ready'},
    cls: ConnectionLostError,
    exit: 11,
    re: /connection to admin@10\.0\.0\.1:22 was lost: connection reset/,
  },
  {
    name: 'keepalive timeout after ready → connection lost, not a login timeout',
    err: sshErr('Keepalive timeout', 'client-timeout'),
    c: {phase: 'ready'},
    cls: ConnectionLostError,
    exit: 11,
    re: /was lost: no answer to keepalives/,
  },
]

for (const c of CASES) {
  test(`mapSshError: ${c.name}`, () => {
    const mapped = mapSshError(c.err, ctx(c.c))
    assert.ok(mapped instanceof c.cls, `got ${mapped.constructor.name}`)
    assert.equal(mapped.exitCode, c.exit)
    assert.match(mapped.message, c.re)
    assert.ok(mapped.suggestions.length > 0, 'has suggestions')
    assert.equal(mapped.cause, c.err)
  })
}

test('the timeout message for a stalled login suggests checking the password and --legacy-ssh', () => {
  const m = mapSshError(sshErr('Timed out while waiting for handshake', 'client-timeout'), ctx({phase: 'auth'}))
  assert.ok(m.suggestions.some((s) => /password/.test(s)))
  assert.ok(m.suggestions.some((s) => /--legacy-ssh/.test(s)))
  const legacy = mapSshError(sshErr('Timed out while waiting for handshake', 'client-timeout'), ctx({phase: 'auth', legacySsh: true}))
  assert.ok(!legacy.suggestions.some((s) => /--legacy-ssh/.test(s)))
})

test('no matching algorithm suggests --legacy-ssh only when it is not already on', () => {
  const e = sshErr('Handshake failed: no matching cipher', 'handshake')
  assert.ok(mapSshError(e, ctx()).suggestions.some((s) => s.includes('--legacy-ssh')))
  assert.ok(
    !mapSshError(e, ctx({legacySsh: true})).suggestions.some((s) => s.includes('try: --legacy-ssh') || s.includes('try --legacy-ssh')),
  )
})

test('a password that leaks into an underlying message is redacted, never shown', () => {
  for (const level of ['client-socket', 'client-timeout', 'client-authentication', 'handshake', 'protocol', 'weird']) {
    const m = mapSshError(sshErr(`boom ${PASSWORD} boom`, level), ctx({phase: 'auth'}))
    assert.ok(!m.message.includes(PASSWORD), `${level}: ${m.message}`)
    assert.ok(!JSON.stringify(m.toJSON()).includes(PASSWORD), level)
  }
  assert.equal(redact(`a${PASSWORD}b${PASSWORD}`, [PASSWORD, undefined, '']), 'a***b***')
})

test('a NetopsError passes through unchanged', () => {
  const e = new UsageError('x')
  assert.equal(mapSshError(e, ctx()), e)
})

test('the ssh -v hint retries the same login: port and user included', () => {
  const e = mapSshError(sshErr('connect ECONNREFUSED 10.0.0.1:2222', 'client-socket', 'ECONNREFUSED'), ctx({port: 2222, username: 'ops'}))
  assert.ok(e.suggestions.includes('ssh -v -p 2222 ops@sw1'), e.suggestions.join('\n'))
})
