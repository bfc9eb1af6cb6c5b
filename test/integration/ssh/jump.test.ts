/**
 * Jump hosts and ProxyCommand against real OpenSSH: a bastion sshd (reached from the host on
 * loopback) in a network namespace, a second-hop sshd and the lab switch "tor-7" on that
 * namespace's 127.0.0.1, and on the host's 127.0.0.1 decoys on the very same ports, which must
 * never see a connection (test/helpers/jump-lab.ts).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, describe, test} from 'node:test'
import {ConnectionLostError, NetopsError, SshAuthError, SshHostKeyChangedError, SshUnreachableError} from '../../../src/errors.js'
import {hostToken} from '../../../src/ssh/known-hosts.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import type {ResolvedTarget, SecretRequest} from '../../../src/ssh/types.js'
import {SwitchDevice} from '../../../src/switch/device.js'
import {diagnose} from '../../../src/switch/diagnose.js'
import {createJumpLab, jumpLabSkip, type JumpLab} from '../../helpers/jump-lab.js'

const skip = jumpLabSkip()
// another ed25519 key: what a changed host key looks like in known_hosts
const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'

describe('jump hosts and ProxyCommand through a real OpenSSH bastion', {skip}, () => {
  let lab: JumpLab
  let dir: string
  let n = 0

  before(async () => {
    lab = await createJumpLab()
    dir = mkdtempSync(join(tmpdir(), 'netops-jump-test-'))
  })
  after(async () => {
    await lab?.destroy()
    rmSync(dir, {recursive: true, force: true})
  })
  afterEach(() => {
    assert.equal(lab.decoys.sw.connections, 0, 'the decoy on the switch address:port was contacted')
    assert.equal(lab.decoys.core.connections, 0, 'the decoy on the second hop address:port was contacted')
  })

  /** A fresh known_hosts file per test (accept-new fills it). */
  function knownHosts(lines: string[] = []): string {
    const file = join(dir, `known_hosts-${++n}`)
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''))
    return file
  }

  function base(knownHostsFile: string): Pick<ResolvedTarget, 'hostKeyPolicy' | 'knownHostsFile' | 'legacySsh' | 'timeoutMs'> {
    return {hostKeyPolicy: 'accept-new', knownHostsFile, legacySsh: false, timeoutMs: 15_000}
  }

  function bastion(kh: string, extra: Partial<ResolvedTarget> = {}): ResolvedTarget {
    const b = lab.bastion
    return {alias: 'bastion', host: '127.0.0.1', port: b.port, username: b.user, identityFiles: [b.identityFile], ...base(kh), ...extra}
  }

  function core(kh: string, extra: Partial<ResolvedTarget> = {}): ResolvedTarget {
    const c = lab.core
    return {alias: 'core', host: '127.0.0.1', port: c.port, username: c.user, identityFiles: [c.identityFile], ...base(kh), ...extra}
  }

  function tor7(kh: string, extra: Partial<ResolvedTarget> = {}): ResolvedTarget {
    const sw = lab.sw
    return {
      alias: 'tor-7',
      host: '127.0.0.1',
      port: sw.port,
      username: sw.username,
      password: sw.password,
      identityFiles: [],
      ...base(kh),
      ...extra,
    }
  }

  async function showVersion(t: SshTransport): Promise<string> {
    const r = await t.exec('show version')
    return r.stdout
  }

  async function until(cond: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50))
    assert.ok(cond(), what)
  }

  test('through the bastion, netops reaches the switch only the bastion can reach; each host key is recorded under its own host:port', async () => {
    const kh = knownHosts()
    const before = lab.bastionConnections
    const t = await SshTransport.connect(tor7(kh, {jumps: [bastion(kh)]}))
    try {
      assert.match(await showVersion(t), /tor-7 uptime is/)
      assert.equal(lab.bastionConnections, before + 1)
      const lines = readFileSync(kh, 'utf8').trim().split('\n').sort()
      assert.deepEqual(
        lines,
        [
          `${hostToken('127.0.0.1', lab.bastion.port)} ${lab.bastion.hostPublicKey}`,
          `${hostToken('127.0.0.1', lab.sw.port)} ${lab.sw.hostPublicKey}`,
        ].sort(),
      )
      assert.deepEqual(t.warnings, [])
    } finally {
      await t.close()
    }
    await until(() => lab.bastionOpen === 0, 'closing the target closes the connection to the bastion')
  })

  test('targets behind the same bastion share one connection to it (one login for a fleet); the last close closes it', async () => {
    const kh = knownHosts()
    const before = lab.bastionConnections
    const ts = await Promise.all([1, 2, 3].map(() => SshTransport.connect(tor7(kh, {jumps: [bastion(kh)]}))))
    try {
      for (const t of ts) assert.match(await showVersion(t), /tor-7 uptime is/)
      assert.equal(lab.bastionConnections, before + 1)
      await ts[0]?.close()
      assert.match(await showVersion(ts[1] as SshTransport), /tor-7 uptime is/, 'the others still run through the bastion')
      assert.equal(lab.bastionOpen, 1)
    } finally {
      await Promise.all(ts.map((t) => t.close()))
    }
    await until(() => lab.bastionOpen === 0, 'the last close closes the bastion connection')
  })

  test('a two-hop chain (bastion, then core) runs switch diagnose on tor-7', async () => {
    const kh = knownHosts()
    const dev = await SwitchDevice.open({
      target: tor7(kh, {jumps: [bastion(kh), core(kh)]}),
      enablePassword: 'cisco',
      platform: 'auto',
      timeoutMs: 15_000,
    })
    try {
      const d = diagnose(await dev.readPort('19'), dev.platform)
      assert.equal(d.verdict, 'keepalive-loopback')
    } finally {
      await dev.close()
    }
    assert.match(lab.core.log(), /Accepted publickey for/)
    await until(() => lab.bastionOpen === 0, 'the bastion connection is closed after the device')
  })

  test('ProxyCommand `ssh -W %h:%p bastion` (OpenSSH client, own config and known_hosts) is the connection', async () => {
    const config = join(dir, 'ssh_config')
    writeFileSync(
      config,
      [
        'Host bastion',
        '  HostName 127.0.0.1',
        `  Port ${lab.bastion.port}`,
        `  User ${lab.bastion.user}`,
        `  IdentityFile ${lab.bastion.identityFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, 'ssh_known_hosts')}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking accept-new',
        '  BatchMode yes',
        '',
      ].join('\n'),
    )
    const kh = knownHosts()
    // (cfg expands %h %p from ssh_config; the expanded command is what reaches the transport)
    const t = await SshTransport.connect(tor7(kh, {proxyCommand: `ssh -F ${config} -W 127.0.0.1:${lab.sw.port} bastion`}))
    try {
      assert.match(await showVersion(t), /tor-7 uptime is/)
      assert.ok(
        t.warnings.every((w) => w.startsWith('ProxyCommand: ')),
        t.warnings.join('\n'),
      )
    } finally {
      await t.close()
    }
    await until(() => spawnSync('pgrep', ['-f', `-F ${config}`]).status === 1, 'the ProxyCommand is gone after close')

    const failed = await SshTransport.connect(tor7(knownHosts(), {proxyCommand: `ssh -F ${config} -W 127.0.0.1:1 bastion`})).then(
      () => assert.fail('connected through a ProxyCommand that could not reach the switch'),
      (err: unknown) => err,
    )
    assert.ok(failed instanceof SshUnreachableError, String(failed))
    assert.equal(failed.exitCode, 3)
    assert.match(
      failed.message,
      /^ProxyCommand for admin@127\.0\.0\.1:\d+ \(tor-7\) exited with status 255 before the SSH connection was up: .*open failed/,
    )
  })

  test('a changed host key on a hop is refused naming the hop; with --host-key-policy off it warns and connects', async () => {
    const coreToken = hostToken('127.0.0.1', lab.core.port)
    const kh = knownHosts([`${coreToken} ${OTHER_KEY}`])
    const err = await SshTransport.connect(tor7(kh, {jumps: [bastion(kh), core(kh)]})).then(
      () => assert.fail('connected past a changed hop key'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshHostKeyChangedError, String(err))
    assert.equal(err.exitCode, 9)
    assert.match(
      err.message,
      new RegExp(`^jump host 2 of 2 \\(${lab.core.user}@127\\.0\\.0\\.1:${lab.core.port} \\(core\\)\\): HOST KEY has CHANGED`),
    )
    assert.equal(err.details?.['hop'], 2)
    await until(() => lab.bastionOpen === 0, 'the first hop is closed again after the second failed')

    const bastionToken = hostToken('127.0.0.1', lab.bastion.port)
    const off = knownHosts([`${bastionToken} ${OTHER_KEY}`])
    const t = await SshTransport.connect(tor7(off, {hostKeyPolicy: 'off', jumps: [bastion(off, {hostKeyPolicy: 'off'})]}))
    try {
      assert.match(await showVersion(t), /tor-7 uptime is/)
      assert.equal(t.warnings.length, 1, t.warnings.join('\n'))
      assert.match(
        t.warnings[0] ?? '',
        new RegExp(
          `^jump host 1 of 1 \\(${lab.bastion.user}@127\\.0\\.0\\.1:${lab.bastion.port} \\(bastion\\)\\): HOST KEY has CHANGED.*--host-key-policy is off`,
        ),
      )
    } finally {
      await t.close()
    }
  })

  test('a wrong password on hop 2 fails authentication (exit 7) naming hop 2', async () => {
    const kh = knownHosts()
    const err = await SshTransport.connect(
      tor7(kh, {jumps: [bastion(kh), core(kh, {identityFiles: [], password: 'wrong-password'})]}),
    ).then(
      () => assert.fail('logged in with a wrong password'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshAuthError, String(err))
    assert.equal(err.exitCode, 7)
    assert.match(
      err.message,
      new RegExp(`^jump host 2 of 2 \\(${lab.core.user}@127\\.0\\.0\\.1:${lab.core.port} \\(core\\)\\): authentication failed`),
    )
    assert.ok(!err.message.includes('wrong-password'))
  })

  test("a hop refusing every key asks for that hop's password (over a fresh forwarded channel), naming the hop", async () => {
    const kh = knownHosts()
    const asked: SecretRequest[] = []
    const askSecret = (r: SecretRequest): Promise<string> => {
      asked.push(r)
      return Promise.resolve('still-wrong')
    }
    const before = lab.bastionConnections
    const err = await SshTransport.connect(tor7(kh, {jumps: [bastion(kh), core(kh, {identityFiles: [], askSecret})]})).then(
      () => assert.fail('logged in with a wrong password'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof SshAuthError, String(err))
    assert.match(err.message, /^jump host 2 of 2 \(.*\(core\)\): authentication failed .*\(tried: .*password/)
    assert.deepEqual(asked, [
      {kind: 'password', target: `jump host 2 of 2 (${lab.core.user}@127.0.0.1:${lab.core.port} (core))`, jumpHost: true},
    ])
    assert.equal(lab.bastionConnections, before + 1, 'one bastion connection carried both attempts')
  })

  test('a jump host dropping mid-session loses the connection (exit 11) and says which hop went', async () => {
    const kh = knownHosts()
    const t = await SshTransport.connect(tor7(kh, {jumps: [bastion(kh)]}))
    try {
      const lost = new Promise<Error | undefined>((resolve) => t.onClose(resolve))
      lab.dropBastion()
      const err = await lost
      assert.ok(err instanceof ConnectionLostError, String(err))
      assert.equal(err.exitCode, 11)
      assert.match(err.message, /^connection to admin@127\.0\.0\.1:\d+ \(tor-7\) was lost: jump host 1 of 1 \(.*\(bastion\)\) went away/)
      await assert.rejects(t.exec('show clock'), ConnectionLostError)
    } finally {
      await t.close()
    }
  })

  test('a next host the jump host cannot reach is unreachable (exit 3) naming the hop and the address it dialled', async () => {
    const kh = knownHosts()
    const err = await SshTransport.connect(tor7(kh, {port: 1, jumps: [bastion(kh)]})).then(
      () => assert.fail('connected to a closed port'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof NetopsError && err.exitCode === 3, String(err))
    assert.match(err.message, new RegExp(`^jump host 1 of 1 \\(.*:${lab.bastion.port} \\(bastion\\)\\) cannot reach 127\\.0\\.0\\.1:1: `))
  })
})
