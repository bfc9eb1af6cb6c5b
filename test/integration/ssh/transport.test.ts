/**
 * SshTransport against the in-process ssh2 server (test/helpers/ssh-server.ts): auth methods,
 * host-key policies, legacy algorithms, timeouts and the error classes. Loopback only.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  ConnectionLostError,
  type NetopsError,
  SshAuthError,
  SshHostKeyChangedError,
  SshHostKeyUnknownError,
  SshProtocolError,
  SshTimeoutError,
  SshUnreachableError,
} from '../../../src/errors.js'
import {fingerprint} from '../../../src/ssh/known-hosts.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {SshTargetOptions} from '../../../src/ssh/types.js'
import {
  generateKeyPair,
  LEGACY_SERVER_ALGORITHMS,
  startSilentTcpServer,
  startSshServer,
  type TestSshServerHandle,
} from '../../helpers/ssh-server.js'
import {freePort} from '../../helpers/sshd.js'

const PASSWORD = 'c0rrect-H0rse!battery'
const WRONG = 'wr0ng-Passw0rd?staple'
const PASSPHRASE = 'key-pass-phrase-42'

let dir: string
let srv: TestSshServerHandle
let clientKey: {private: string; public: string}
let encryptedKey: {private: string; public: string}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netops-ssh-it-'))
  clientKey = generateKeyPair('ed25519')
  encryptedKey = generateKeyPair('ed25519', PASSPHRASE)
  writeFileSync(join(dir, 'id_ed25519'), clientKey.private, {mode: 0o600})
  writeFileSync(join(dir, 'id_encrypted'), encryptedKey.private, {mode: 0o600})
  srv = await startSshServer({
    users: [
      {username: 'admin', password: PASSWORD},
      {username: 'kbd', keyboardInteractive: PASSWORD},
      {username: 'keyuser', publicKeys: [clientKey.public, encryptedKey.public]},
    ],
  })
})

after(async () => {
  await srv.stop()
  rmSync(dir, {recursive: true, force: true})
})

/** Options for the shared server with host-key checking off and no ~/.ssh/config. */
function opts(over: Partial<SshTargetOptions> = {}): SshTargetOptions {
  return {host: srv.host, port: srv.port, username: 'admin', hostKeyPolicy: 'off', sshConfigFile: null, timeoutMs: 5000, ...over}
}

/** Assert a rejection is the given class and that no secret appears anywhere in it. */
async function rejectsWith<T extends NetopsError>(
  p: Promise<unknown>,
  cls: abstract new (...a: never[]) => T,
  check?: (e: T) => void,
): Promise<T> {
  let caught: unknown
  try {
    await p
  } catch (err) {
    caught = err
  }
  assert.ok(
    caught instanceof cls,
    `expected ${cls.name}, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`,
  )
  const e = caught
  const everything = [e.message, JSON.stringify(e.toJSON()), ...e.suggestions].join('\n')
  for (const secret of [PASSWORD, WRONG, PASSPHRASE]) assert.ok(!everything.includes(secret), `secret leaked into: ${everything}`)
  check?.(e)
  return e
}

describe('authentication', () => {
  test('password login works and exec returns stdout, stderr, exit code and stdin', async () => {
    const t = await SshTransport.connect(opts({password: PASSWORD}))
    try {
      const r = await t.exec('cat-ish', {stdin: 'from stdin'})
      assert.deepEqual(r, {exitCode: 0, signal: null, stdout: 'ran: cat-ish\nfrom stdin', stderr: ''})
      assert.ok(t.negotiated !== undefined && t.negotiated.kex.length > 0 && t.negotiated.cipher.length > 0)
      assert.equal(t.hostKey?.status, 'unchecked')
    } finally {
      await t.close()
    }
  })

  test('keyboard-interactive login answers the Password: prompt with the password', async () => {
    const t = await SshTransport.connect(opts({username: 'kbd', password: PASSWORD}))
    await t.close()
    assert.ok(srv.authAttempts.some((a) => a.username === 'kbd' && a.method === 'keyboard-interactive'))
  })

  test('private key login with --identity-file', async () => {
    const t = await SshTransport.connect(opts({username: 'keyuser', identityFile: join(dir, 'id_ed25519')}))
    await t.close()
  })

  test('an encrypted key works with its passphrase and fails clearly without it', async () => {
    const t = await SshTransport.connect(opts({username: 'keyuser', identityFile: join(dir, 'id_encrypted'), passphrase: PASSPHRASE}))
    await t.close()
    await rejectsWith(SshTransport.connect(opts({username: 'keyuser', identityFile: join(dir, 'id_encrypted')})), SshAuthError, (e) => {
      assert.match(e.message, /id_encrypted is encrypted and no passphrase was given/)
    })
  })

  test('ssh-agent login through the socket passed in as agentSocket', async (t) => {
    const hasAgent = spawnSync('sh', ['-c', 'command -v ssh-agent && command -v ssh-add']).status === 0
    if (!hasAgent) {
      if (process.env['CI'] === 'true') assert.fail('CI=true: ssh-agent/ssh-add missing (install openssh-client)')
      t.skip('ssh-agent/ssh-add not installed (openssh-client)')
      return
    }
    const sock = join(dir, 'agent.sock')
    const agent = spawn('ssh-agent', ['-D', '-a', sock], {stdio: 'ignore'})
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50))
      const add = spawnSync('ssh-add', [join(dir, 'id_ed25519')], {env: {...process.env, SSH_AUTH_SOCK: sock}, encoding: 'utf8'})
      assert.equal(add.status, 0, add.stderr)
      const tr = await SshTransport.connect(opts({username: 'keyuser', agentSocket: sock}))
      await tr.close()
    } finally {
      agent.kill('SIGTERM')
    }
  })

  test('a wrong password is SshAuthError (exit 7) naming the target, never the password', async () => {
    await rejectsWith(SshTransport.connect(opts({password: WRONG})), SshAuthError, (e) => {
      assert.equal(e.exitCode, 7)
      assert.match(e.message, new RegExp(`admin@127\\.0\\.0\\.1:${srv.port}`))
    })
  })

  test('no credentials at all is SshAuthError', async () => {
    await rejectsWith(SshTransport.connect(opts({username: 'nobody'})), SshAuthError)
  })
})

describe('unreachable, timeouts and protocol errors', () => {
  test('a closed port is SshUnreachableError (exit 3)', async () => {
    const port = await freePort()
    await rejectsWith(SshTransport.connect(opts({port, password: PASSWORD})), SshUnreachableError, (e) => {
      assert.equal(e.exitCode, 3)
      assert.match(e.message, /connection refused/)
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
    })
  })

  test('a server that accepts and never speaks is SshTimeoutError after timeoutMs', async () => {
    const silent = await startSilentTcpServer()
    try {
      const started = Date.now()
      await rejectsWith(SshTransport.connect(opts({port: silent.port, password: PASSWORD, timeoutMs: 600})), SshTimeoutError, (e) => {
        assert.equal(e.exitCode, 8)
        assert.match(e.message, /no SSH greeting/)
      })
      const took = Date.now() - started
      assert.ok(took >= 550 && took < 5000, `took ${took} ms`)
      assert.equal(silent.accepted(), 1)
    } finally {
      await silent.stop()
    }
  })

  test('a server that stalls on authentication (Cisco-style) is "authentication or handshake timed out"', async () => {
    const stall = await startSshServer({neverAnswerAuth: true})
    try {
      await rejectsWith(SshTransport.connect(opts({port: stall.port, password: WRONG, timeoutMs: 800})), SshTimeoutError, (e) => {
        assert.match(e.message, /authentication or handshake timed out/)
        assert.ok(e.suggestions.some((s) => /password/.test(s)))
      })
    } finally {
      await stall.stop()
    }
  })

  test('exec that never finishes is SshTimeoutError and the connection stays usable', async () => {
    const hang = await startSshServer({
      users: [{username: 'admin', password: PASSWORD}],
      onExec: (cmd) => (cmd === 'hang' ? {hang: true} : {stdout: 'ok'}),
    })
    const t = await SshTransport.connect(opts({port: hang.port, password: PASSWORD}))
    try {
      await rejectsWith(t.exec('hang', {timeoutMs: 300}), SshTimeoutError, (e) => assert.match(e.message, /did not finish within 0\.3s/))
      assert.equal((await t.exec('fine')).stdout, 'ok')
    } finally {
      await t.close()
      await hang.stop()
    }
  })

  test('exec reports non-zero exit codes, stderr and signals without throwing', async () => {
    const s = await startSshServer({
      users: [{username: 'admin', password: PASSWORD}],
      onExec: (cmd) => (cmd === 'fail' ? {stderr: 'bad\n', exitCode: 3} : {signal: 'TERM'}),
    })
    const t = await SshTransport.connect(opts({port: s.port, password: PASSWORD}))
    try {
      assert.deepEqual(await t.exec('fail'), {exitCode: 3, signal: null, stdout: '', stderr: 'bad\n'})
      const sig = await t.exec('killed')
      assert.equal(sig.exitCode, null)
      assert.equal(sig.signal, 'SIGTERM') // ssh2 adds the SIG prefix to the wire name
    } finally {
      await t.close()
      await s.stop()
    }
  })

  test('a dropped connection fires onClose with ConnectionLostError and fails the running exec', async () => {
    const s = await startSshServer({users: [{username: 'admin', password: PASSWORD}], onExec: () => ({hang: true})})
    const t = await SshTransport.connect(opts({port: s.port, password: PASSWORD}))
    try {
      const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve))
      const running = t.exec('long-running', {timeoutMs: 10_000})
      await new Promise((r) => setTimeout(r, 100))
      s.dropAll()
      await rejectsWith(running, ConnectionLostError, (e) => assert.equal(e.exitCode, 11))
      const err = await closed
      assert.ok(err instanceof ConnectionLostError)
      assert.equal(t.isOpen, false)
      await rejectsWith(t.exec('after'), ConnectionLostError)
    } finally {
      await t.close()
      await s.stop()
    }
  })

  test('close() does not fire onClose and is idempotent', async () => {
    const t = await SshTransport.connect(opts({password: PASSWORD}))
    let fired = false
    t.onClose(() => {
      fired = true
    })
    await t.close()
    await t.close()
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(fired, false)
  })

  test('shell with a pty sends the pty request and carries data both ways', async () => {
    const t = await SshTransport.connect(opts({password: PASSWORD}))
    try {
      const before = srv.ptys.length
      const ch = await t.shell({pty: {term: 'vt100', cols: 511, rows: 24}})
      assert.deepEqual(srv.ptys[before], {term: 'vt100', cols: 511, rows: 24})
      let out = ''
      ch.on('data', (d: Buffer) => (out += d.toString()))
      ch.write('show version\r')
      for (let i = 0; i < 100 && !out.includes('you said: show version'); i++) await new Promise((r) => setTimeout(r, 20))
      assert.match(out, /test> you said: show version/)
      ch.end('exit\r')
    } finally {
      await t.close()
    }
  })
})

describe('legacy algorithms', () => {
  let legacy: TestSshServerHandle
  before(async () => {
    legacy = await startSshServer({
      users: [{username: 'admin', password: PASSWORD}],
      hostKeyType: 'rsa',
      algorithms: LEGACY_SERVER_ALGORITHMS,
    })
  })
  after(() => legacy.stop())

  test('a legacy-only server fails without legacySsh, with a message suggesting --legacy-ssh', async () => {
    await rejectsWith(SshTransport.connect(opts({port: legacy.port, password: PASSWORD})), SshProtocolError, (e) => {
      assert.match(e.message, /no common key exchange algorithm/)
      assert.ok(
        e.suggestions.some((s) => s.includes('--legacy-ssh')),
        e.suggestions.join('|'),
      )
    })
  })

  test('legacySsh connects and records the negotiated legacy algorithms', async () => {
    const t = await SshTransport.connect(opts({port: legacy.port, password: PASSWORD, legacySsh: true}))
    try {
      assert.deepEqual(t.negotiated, {kex: 'diffie-hellman-group14-sha1', serverHostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1'})
      assert.equal((await t.exec('x')).exitCode, 0)
    } finally {
      await t.close()
    }
  })

  test('legacySsh against a modern server still negotiates modern algorithms (they are only appended)', async () => {
    const t = await SshTransport.connect(opts({password: PASSWORD, legacySsh: true}))
    try {
      assert.doesNotMatch(t.negotiated?.kex ?? '', /sha1/)
      assert.doesNotMatch(t.negotiated?.cipher ?? '', /cbc/)
    } finally {
      await t.close()
    }
  })
})

describe('host keys', () => {
  test('strict refuses an unknown host key with its fingerprint and writes nothing', async () => {
    const kh = join(dir, 'strict', 'known_hosts')
    await rejectsWith(
      SshTransport.connect(opts({password: PASSWORD, hostKeyPolicy: 'strict', knownHostsFile: kh})),
      SshHostKeyUnknownError,
      (e) => {
        assert.equal(e.exitCode, 9)
        assert.match(e.message, /not known \(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\)/)
      },
    )
    assert.equal(existsSync(kh), false)
  })

  test('accept-new records a new key in the file; strict then accepts it', async () => {
    const kh = join(dir, 'acceptnew', 'netops', 'known_hosts')
    const t = await SshTransport.connect(opts({password: PASSWORD, hostKeyPolicy: 'accept-new', knownHostsFile: kh}))
    await t.close()
    assert.equal(t.hostKey?.status, 'added')
    assert.equal(readFileSync(kh, 'utf8'), `[127.0.0.1]:${srv.port} ${srv.hostPublicKey}\n`)
    const again = await SshTransport.connect(opts({password: PASSWORD, hostKeyPolicy: 'strict', knownHostsFile: kh}))
    await again.close()
    assert.equal(again.hostKey?.status, 'known')
    assert.equal(readFileSync(kh, 'utf8').split('\n').length, 2, 'no duplicate entry')
  })

  test('a changed key is refused loudly: host, key type, new fingerprint, file:line and how to remove it', async () => {
    const kh = join(dir, 'changed', 'known_hosts')
    mkdirSync(join(dir, 'changed'))
    const old = generateKeyPair('ed25519').public.split(' ').slice(0, 2).join(' ')
    writeFileSync(kh, `# netops\nsomewhere-else ${old}\n[127.0.0.1]:${srv.port} ${old}\n`)
    const newFp = fingerprint(Buffer.from(srv.hostPublicKey.split(' ')[1] ?? '', 'base64'))
    for (const policy of ['accept-new', 'strict'] as const) {
      await rejectsWith(
        SshTransport.connect(opts({password: PASSWORD, hostKeyPolicy: policy, knownHostsFile: kh})),
        SshHostKeyChangedError,
        (e) => {
          assert.equal(e.exitCode, 9)
          assert.match(e.message, /HOST KEY has CHANGED/)
          assert.ok(e.message.includes(`admin@127.0.0.1:${srv.port}`), e.message)
          assert.ok(e.message.includes(`ssh-ed25519 ${newFp}`), e.message)
          assert.ok(e.message.includes(`${kh}:3`), e.message)
          assert.ok(
            e.suggestions.some((s) => s.includes(`ssh-keygen -R '[127.0.0.1]:${srv.port}' -f '${kh}'`)),
            e.suggestions.join('\n'),
          )
        },
      )
    }
    assert.equal(readFileSync(kh, 'utf8').split('\n').length, 4, 'file untouched')
  })

  test('policy off connects whatever the file says', async () => {
    const kh = join(dir, 'changed', 'known_hosts')
    const t = await SshTransport.connect(opts({password: PASSWORD, hostKeyPolicy: 'off', knownHostsFile: kh}))
    await t.close()
  })
})

describe('~/.ssh/config', () => {
  test('a Host alias supplies HostName, Port, User and IdentityFile; explicit options still win', async () => {
    const home = join(dir, 'home')
    mkdirSync(join(home, '.ssh'), {recursive: true})
    writeFileSync(join(home, '.ssh', 'id_lab'), clientKey.private, {mode: 0o600})
    writeFileSync(
      join(home, '.ssh', 'config'),
      `Host tor-*\n  HostName 127.0.0.1\n  Port ${srv.port}\n  User keyuser\n  IdentityFile ~/.ssh/id_lab\n`,
    )
    const t = await SshTransport.connect({host: 'tor-7', homeDir: home, hostKeyPolicy: 'off', timeoutMs: 5000})
    try {
      assert.equal(t.target.alias, 'tor-7')
      assert.equal(t.target.host, '127.0.0.1')
      assert.equal(t.target.port, srv.port)
      assert.equal(t.target.username, 'keyuser')
    } finally {
      await t.close()
    }
    await rejectsWith(
      SshTransport.connect({host: 'tor-7', homeDir: home, hostKeyPolicy: 'off', timeoutMs: 5000, username: 'admin', password: WRONG}),
      SshAuthError,
      (e) => {
        assert.match(e.message, /admin@127\.0\.0\.1/)
        assert.match(e.message, /\(tor-7\)/)
      },
    )
  })
})
