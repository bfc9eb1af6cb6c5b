/**
 * The remote path: the same operations over SSH to a REAL local OpenSSH sshd (test/helpers/sshd.ts)
 * whose sessions get OVS_RUNDIR through `SetEnv` (how a node's own environment would point
 * ovs-vsctl at its OVS). With --sudo, sudo resets the environment, so those runs pass --db and
 * --target explicitly, as an operator would for a non-default OVS.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {buildPrivateCli, ovsSkip, runCli, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {freePort, sshdSkip, startSshd, type SshdHandle} from '../../helpers/sshd.js'
import {SshExecutor} from '../../../src/ovs/executor.js'
import {Vsctl} from '../../../src/ovs/vsctl.js'
import {getStpStatus, stpOff, stpOn} from '../../../src/ovs/stp.js'
import {SshTransport} from '../../../src/ssh/transport.js'
import {OvsBridgeNotFoundError} from '../../../src/errors.js'

const skip = ovsSkip() || sshdSkip()

describe('ovs stp over SSH to a real sshd', {skip}, () => {
  let ovs: OvsSandbox
  let sshd: SshdHandle
  let cli: {runJs: string; cleanup: () => void}
  let cfgDir: string
  let env: Record<string, string | undefined>

  before(async () => {
    ovs = await startOvs()
    await ovs.addBridge('br0')
    await ovs.nsExec('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-p')
    await ovs.nsExec('ip', 'link', 'set', 'eth0', 'up')
    await ovs.vsctl('add-port', 'br0', 'eth0')
    ;[sshd, cli] = await Promise.all([startSshd({env: {OVS_RUNDIR: ovs.dir}}), buildPrivateCli()])
    // ssh_config aliases: two names for the same sshd, and one that refuses connections.
    cfgDir = mkdtempSync('/tmp/netops-sshcfg-')
    const closed = await freePort()
    writeFileSync(
      join(cfgDir, 'config'),
      [
        ...['node-a', 'node-b'].flatMap((h) => [
          `Host ${h}`,
          '  HostName 127.0.0.1',
          `  Port ${sshd.port}`,
          `  User ${sshd.user}`,
          `  IdentityFile ${sshd.identityFile}`,
        ]),
        'Host node-down',
        '  HostName 127.0.0.1',
        `  Port ${closed}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.identityFile}`,
      ].join('\n') + '\n',
    )
    env = {PATH: process.env['PATH'], HOME: cfgDir, XDG_CONFIG_HOME: cfgDir, NETOPS_SSH_CONFIG: join(cfgDir, 'config')}
  })
  after(async () => {
    await sshd?.stop()
    await ovs?.stop()
    cli?.cleanup()
    if (cfgDir) rmSync(cfgDir, {recursive: true, force: true})
  })

  const connect = () =>
    SshTransport.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      identityFile: sshd.identityFile,
      hostKeyPolicy: 'off',
      sshConfigFile: null,
    })

  test('status, on and off through SshExecutor reach the OVS behind sshd', async () => {
    const t = await connect()
    try {
      const v = new Vsctl(new SshExecutor(t, {where: 'node7'}), {timeoutSec: 5})
      assert.equal((await getStpStatus(v, 'br0'))[0]?.mode, 'off')
      const on = await stpOn(v, 'br0', {priority: 8192})
      assert.deepEqual([on.changed, on.active], [true, true])
      const [st] = await getStpStatus(v, 'br0')
      assert.equal(st?.mode, 'stp')
      assert.match(st?.bridgeId ?? '', /^2000\./)
      assert.equal(st?.ports.find((p) => p.name === 'eth0')?.portId, '8001')
      assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'true')
      assert.equal((await stpOff(v, 'br0')).changed, true)
      await assert.rejects(
        getStpStatus(v, 'br9'),
        (e: unknown) => e instanceof OvsBridgeNotFoundError && / on node7 \(bridges: br0\)/.test(e.message),
      )
    } finally {
      await t.close()
    }
  })

  test('--sudo runs `sudo -n ovs-vsctl ...` remotely (with --db/--target, since sudo resets the environment)', async () => {
    const pid = ovs.vswitchdPid()
    assert.ok(pid)
    const r = await runCli(
      cli.runJs,
      [
        'ovs',
        'stp',
        'on',
        'br0',
        '--host',
        'node-a',
        '--sudo',
        '--host-key-policy',
        'off',
        '--db',
        `unix:${ovs.dbSocket}`,
        '--target',
        join(ovs.dir, `ovs-vswitchd.${pid}.ctl`),
        '--json',
      ],
      env,
    )
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const out = JSON.parse(r.stdout) as {changed: boolean; active: boolean; command: string[]}
    assert.deepEqual([out.changed, out.active], [true, true])
    assert.ok(out.command.includes(`--db=unix:${ovs.dbSocket}`))
  })

  test('several --host run in parallel: per-host JSON, and exit 10 when one host fails', async () => {
    const r = await runCli(
      cli.runJs,
      ['ovs', 'stp', 'status', 'br0', '--host', 'node-a', '--host', 'node-b', '--host', 'node-down', '--host-key-policy', 'off', '--json'],
      env,
    )
    assert.equal(r.code, 10, r.stderr)
    const out = JSON.parse(r.stdout) as {
      failed: number
      hosts: Array<{host: string; ok: boolean; result?: {bridge: string; stp: boolean}; error?: {code: string}}>
    }
    assert.equal(out.failed, 1)
    const hosts = out.hosts
    assert.deepEqual(
      hosts.map((h) => [h.host, h.ok]),
      [
        ['node-a', true],
        ['node-b', true],
        ['node-down', false],
      ],
    )
    assert.equal(hosts[0]?.result?.stp, true)
    assert.equal(hosts[2]?.error?.code, 'NETOPS_SSH_UNREACHABLE')
  })

  test('several --host all fine (human): a per-host table on stdout, exit 0', async () => {
    const r = await runCli(cli.runJs, ['ovs', 'stp', 'off', 'br0', '--host', 'node-a', '--host', 'node-b', '--host-key-policy', 'off'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /HOST\s+RESULT\s+DETAIL/)
    assert.match(r.stdout, /node-a\s+ok/)
    assert.match(r.stdout, /node-b\s+ok/)
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'false')
  })
})
