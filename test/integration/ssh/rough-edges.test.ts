/**
 * SshTransport where it used to mislead (issue 14): hints that carry the real port and user, a
 * port that answers HTTP, a changed key under --host-key-policy off, the password asked for when
 * the agent's keys are refused, and an encrypted key's passphrase asked for or passed in.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {type NetopsError, SshAuthError, SshProtocolError, SshUnreachableError} from '../../../src/errors.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {SecretRequest, SshTargetOptions} from '../../../src/ssh/types.js'
import {generateKeyPair, startSshServer, type TestSshServerHandle} from '../../helpers/ssh-server.js'
import {freePort} from '../../helpers/sshd.js'

const PASSWORD = 'c0rrect-H0rse!battery'
const PASSPHRASE = 'key-pass-phrase-42'

describe('ssh rough edges', () => {
  let dir: string
  let srv: TestSshServerHandle
  let encrypted: {private: string; public: string}
  let agent: ChildProcess | undefined
  let agentSock: string
  const base = (over: Partial<SshTargetOptions> = {}): SshTargetOptions => ({
    host: srv.host,
    port: srv.port,
    username: 'admin',
    sshConfigFile: null,
    hostKeyPolicy: 'off',
    knownHostsFile: join(dir, 'none'),
    timeoutMs: 5000,
    ...over,
  })

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-ssh-edges-'))
    encrypted = generateKeyPair('ed25519', PASSPHRASE)
    writeFileSync(join(dir, 'id_encrypted'), encrypted.private, {mode: 0o600})
    srv = await startSshServer({
      users: [
        {username: 'admin', password: PASSWORD},
        {username: 'keyuser', publicKeys: [encrypted.public]},
      ],
    })
    // An agent holding one key the server does not accept.
    agentSock = join(dir, 'agent.sock')
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], {stdio: 'ignore'})
    for (let i = 0; i < 50; i++) {
      try {
        const other = generateKeyPair('ed25519')
        writeFileSync(join(dir, 'id_other'), other.private, {mode: 0o600})
        execFileSync('ssh-add', [join(dir, 'id_other')], {env: {...process.env, SSH_AUTH_SOCK: agentSock}, stdio: 'ignore'})
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  })
  after(async () => {
    agent?.kill()
    await srv?.stop()
    rmSync(dir, {recursive: true, force: true})
  })

  test('an unreachable host: the ssh -v hint carries the port and the user', async () => {
    const port = await freePort()
    await assert.rejects(SshTransport.connect(base({port, username: 'ops'})), (e: NetopsError) => {
      assert.ok(e instanceof SshUnreachableError, e.message)
      assert.ok(e.suggestions.includes(`ssh -v -p ${port} ops@127.0.0.1`), e.suggestions.join('\n'))
      return true
    })
  })

  test('a port that answers HTTP is named as such, without the maxstartups hint', async () => {
    const http: Server = createServer((_q, r) => r.end('hello'))
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    const port = (http.address() as {port: number}).port
    try {
      await assert.rejects(SshTransport.connect(base({port, password: PASSWORD})), (e: NetopsError) => {
        assert.ok(e instanceof SshProtocolError, e.message)
        assert.match(e.message, new RegExp(`^port ${port} of admin@127\\.0\\.0\\.1:${port} answered HTTP, not SSH$`))
        assert.ok(!e.suggestions.some((s) => /maxstartups/.test(s)))
        assert.ok(e.suggestions.some((s) => /--ssh-port/.test(s)))
        return true
      })
    } finally {
      http.close()
    }
  })

  test('--host-key-policy off connects to a host whose key changed, but warns', async () => {
    const kh = join(dir, 'known_hosts_changed')
    const other = generateKeyPair('ed25519').public.split(' ').slice(0, 2).join(' ')
    writeFileSync(kh, `[127.0.0.1]:${srv.port} ${other}\n`)
    const t = await SshTransport.connect(base({password: PASSWORD, knownHostsFile: kh}))
    try {
      assert.ok(
        t.warnings.some((w) => /HOST KEY has CHANGED for admin@127\.0\.0\.1.*known_hosts_changed:1.*--host-key-policy is off/.test(w)),
        t.warnings.join('\n'),
      )
    } finally {
      await t.close()
    }
    // A key that matches (or no entry) says nothing.
    const quiet = await SshTransport.connect(base({password: PASSWORD}))
    assert.deepEqual(quiet.warnings, [])
    await quiet.close()
  })

  test("the agent's keys all refused and no password: the password is asked for once, then the login succeeds", async () => {
    await assert.rejects(SshTransport.connect(base({agentSocket: agentSock})), (e: NetopsError) => {
      assert.ok(e instanceof SshAuthError)
      assert.match(e.message, /\(tried: agent\)/)
      return true
    })
    const asked: SecretRequest[] = []
    const t = await SshTransport.connect(
      base({
        agentSocket: agentSock,
        askSecret: (r) => {
          asked.push(r)
          return Promise.resolve(PASSWORD)
        },
      }),
    )
    await t.close()
    assert.deepEqual(asked, [{kind: 'password', target: `admin@127.0.0.1:${srv.port}`}])
  })

  test('an encrypted key: the passphrase is asked for when not given, and taken from options when given', async () => {
    const keyOpts = {username: 'keyuser', identityFile: join(dir, 'id_encrypted')}
    await assert.rejects(SshTransport.connect(base(keyOpts)), (e: NetopsError) => {
      assert.ok(e instanceof SshAuthError)
      assert.ok(e.suggestions.some((s) => /--identity-passphrase/.test(s) && /NETOPS_IDENTITY_PASSPHRASE/.test(s)))
      return true
    })
    const asked: SecretRequest[] = []
    const t = await SshTransport.connect(
      base({
        ...keyOpts,
        askSecret: (r) => {
          asked.push(r)
          return Promise.resolve(PASSPHRASE)
        },
      }),
    )
    await t.close()
    assert.deepEqual(asked, [{kind: 'passphrase', file: join(dir, 'id_encrypted')}])
    const given = await SshTransport.connect(base({...keyOpts, passphrase: PASSPHRASE}))
    await given.close()
  })
})
