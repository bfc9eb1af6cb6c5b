/**
 * ssh_config IdentitiesOnly against a real ssh-agent and sshd: ssh2 offers every agent key, so the
 * transport narrows the agent to the identity files' keys (src/ssh/identities-agent.ts).
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {SshAuthError} from '../../../src/errors.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {ResolvedTarget} from '../../../src/ssh/types.js'
import {startSshd, sshdSkip, type SshdHandle} from '../../helpers/sshd.js'

const skip = sshdSkip()

function keygen(file: string, passphrase = ''): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'netops-test', '-f', file], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`)
}

describe('IdentitiesOnly with ssh-agent (real OpenSSH)', {skip}, () => {
  let sshd: SshdHandle
  let dir: string
  let agent: ChildProcess
  const sock = (): string => join(dir, 'agent.sock')

  before(async () => {
    sshd = await startSshd({forceCommand: 'echo logged-in'})
    dir = mkdtempSync(join(tmpdir(), 'netops-idonly-'))
    agent = spawn('ssh-agent', ['-D', '-a', sock()], {stdio: 'ignore'})
    for (let i = 0; i < 100 && !existsSync(sock()); i++) await new Promise((r) => setTimeout(r, 50))
    keygen(join(dir, 'other'))
    // the agent holds the authorised key and another one
    for (const key of [sshd.identityFile, join(dir, 'other')]) {
      const r = spawnSync('ssh-add', ['-q', key], {env: {...process.env, SSH_AUTH_SOCK: sock()}, encoding: 'utf8'})
      assert.equal(r.status, 0, r.stderr)
    }
    // the authorised key's file, encrypted with a passphrase we do not give: only the agent can sign with it
    copyFileSync(sshd.identityFile, join(dir, 'authorised'))
    copyFileSync(`${sshd.identityFile}.pub`, join(dir, 'authorised.pub'))
    const p = spawnSync('ssh-keygen', ['-q', '-p', '-N', 'secret-pass', '-f', join(dir, 'authorised')], {encoding: 'utf8'})
    assert.equal(p.status, 0, p.stderr)
  })
  after(async () => {
    agent?.kill('SIGTERM')
    await sshd?.stop()
    rmSync(dir, {recursive: true, force: true})
  })

  function target(identityFiles: string[], identitiesOnly: boolean): ResolvedTarget {
    return {
      alias: 'node',
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      identityFiles,
      agentSocket: sock(),
      identitiesOnly,
      hostKeyPolicy: 'off',
      knownHostsFile: join(dir, 'known_hosts'),
      legacySsh: false,
      timeoutMs: 10_000,
    }
  }

  test('without IdentitiesOnly every agent key is offered (the authorised one logs in)', async () => {
    const t = await SshTransport.connect(target([join(dir, 'other')], false))
    try {
      assert.equal((await t.exec('x')).stdout.trim(), 'logged-in')
    } finally {
      await t.close()
    }
  })

  test('with IdentitiesOnly only the identity file keys are offered from the agent: the other agent key is not tried', async () => {
    const err = await SshTransport.connect(target([join(dir, 'other')], true)).then(
      () => assert.fail('logged in with an agent key that is not an identity file'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshAuthError, String(err))
  })

  test('with IdentitiesOnly the agent still signs for an identity file it holds (encrypted file, its .pub beside it)', async () => {
    const t = await SshTransport.connect(target([join(dir, 'authorised')], true))
    try {
      assert.equal((await t.exec('x')).stdout.trim(), 'logged-in')
    } finally {
      await t.close()
    }
  })
})
