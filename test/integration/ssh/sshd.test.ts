/**
 * SshTransport against a real OpenSSH sshd (test/helpers/sshd.ts) on 127.0.0.1.
 * Skipped with a reason when sshd/ssh-keygen or root are missing; fails under CI=true.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {SshAuthError, SshProtocolError} from '../../../src/errors.js'
import {shellQuote} from '../../../src/ssh/quote.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {SshTargetOptions} from '../../../src/ssh/types.js'
import {sshdSkip, startSshd, type SshdHandle} from '../../helpers/sshd.js'

const skip = sshdSkip()

function optsFor(s: SshdHandle, over: Partial<SshTargetOptions> = {}): SshTargetOptions {
  return {
    host: s.host,
    port: s.port,
    username: s.user,
    identityFile: s.identityFile,
    hostKeyPolicy: 'off',
    sshConfigFile: null,
    timeoutMs: 10_000,
    ...over,
  }
}

describe('real OpenSSH sshd', {skip}, () => {
  let sshd: SshdHandle
  let dir: string
  before(async () => {
    sshd = await startSshd({env: {NETOPS_TEST_VAR: 'from sshd'}})
    dir = mkdtempSync(join(tmpdir(), 'netops-sshd-it-'))
  })
  after(async () => {
    await sshd?.stop()
    if (dir !== undefined) rmSync(dir, {recursive: true, force: true})
  })

  test('key auth + exec: exit status, stderr, stdin and the session environment', async () => {
    const t = await SshTransport.connect(optsFor(sshd))
    try {
      const r = await t.exec('echo out; echo err >&2; cat; echo "$NETOPS_TEST_VAR"; exit 7', {stdin: 'piped\n'})
      assert.deepEqual(r, {exitCode: 7, signal: null, stdout: 'out\npiped\nfrom sshd\n', stderr: 'err\n'})
    } finally {
      await t.close()
    }
  })

  test('shellQuote argv reaches the remote program intact through the remote login shell', async () => {
    const argv = ["it's", '$HOME', '`id`', 'a b', '', '*', 'x;y', 'new\nline', '"q"', '\\']
    const t = await SshTransport.connect(optsFor(sshd))
    try {
      const r = await t.exec(shellQuote(['printf', '%s\\0', ...argv]))
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.stdout.split('\0').slice(0, -1), argv)
    } finally {
      await t.close()
    }
  })

  test('shell with a pty: the remote side sees a terminal of the requested type', async () => {
    const t = await SshTransport.connect(optsFor(sshd))
    try {
      const ch = await t.shell({pty: {term: 'vt100', cols: 132, rows: 40}})
      let out = ''
      ch.on('data', (d: Buffer) => (out += d.toString()))
      ch.write('echo "TERM=$TERM COLS=$(tput cols 2>/dev/null || stty size | cut -d" " -f2)"; test -t 0 && echo IS_A_TTY; exit\n')
      await new Promise<void>((resolve) => ch.on('close', () => resolve()))
      assert.match(out, /TERM=vt100 COLS=132/)
      assert.match(out, /IS_A_TTY/)
    } finally {
      await t.close()
    }
  })

  test('a key sshd does not authorise is SshAuthError naming the target', async () => {
    const key = join(dir, 'id_unknown')
    assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0)
    await assert.rejects(SshTransport.connect(optsFor(sshd, {identityFile: key})), (e: unknown) => {
      assert.ok(e instanceof SshAuthError, String(e))
      assert.match(e.message, new RegExp(`authentication failed for ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} \\(tried: publickey\\)`))
      return true
    })
  })

  test('accept-new records exactly the host key sshd serves', async () => {
    const kh = join(dir, 'known_hosts')
    const t = await SshTransport.connect(optsFor(sshd, {hostKeyPolicy: 'accept-new', knownHostsFile: kh}))
    await t.close()
    assert.equal(readFileSync(kh, 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`)
    const strict = await SshTransport.connect(optsFor(sshd, {hostKeyPolicy: 'strict', knownHostsFile: kh}))
    await strict.close()
  })
})

describe('real OpenSSH sshd with ForceCommand', {skip}, () => {
  let sshd: SshdHandle
  before(async () => {
    sshd = await startSshd({forceCommand: 'echo "forced: $SSH_ORIGINAL_COMMAND"'})
  })
  after(() => sshd?.stop())

  test('the forced command runs instead of the requested one', async () => {
    const t = await SshTransport.connect(optsFor(sshd))
    try {
      const r = await t.exec('rm -rf /nothing')
      assert.equal(r.stdout, 'forced: rm -rf /nothing\n')
    } finally {
      await t.close()
    }
  })
})

describe('real OpenSSH sshd offering only classic-IOS algorithms (legacyOnly)', {skip}, () => {
  let sshd: SshdHandle
  before(async () => {
    sshd = await startSshd({legacyOnly: true})
  })
  after(() => sshd?.stop())

  test('without legacySsh the handshake fails with a message suggesting --legacy-ssh', async () => {
    await assert.rejects(SshTransport.connect(optsFor(sshd)), (e: unknown) => {
      assert.ok(e instanceof SshProtocolError, String(e))
      assert.ok(e.suggestions.some((s) => s.includes('--legacy-ssh')))
      return true
    })
  })

  test('with legacySsh it connects over SHA-1 DH, ssh-rsa, CBC and hmac-sha1 and runs a command', async () => {
    const t = await SshTransport.connect(optsFor(sshd, {legacySsh: true}))
    try {
      assert.deepEqual(t.negotiated, {kex: 'diffie-hellman-group14-sha1', serverHostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1'})
      assert.equal((await t.exec('echo legacy')).stdout, 'legacy\n')
    } finally {
      await t.close()
    }
  })
})
