/**
 * netops ovs stp against a REAL Open vSwitch (private ovsdb-server + ovs-vswitchd, userspace
 * datapath, in a network namespace this file creates and deletes).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ovsSkip, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {LocalExecutor, type ExecResult, type Executor} from '../../../src/ovs/executor.js'
import {Vsctl} from '../../../src/ovs/vsctl.js'
import {getStpStatus, stpOff, stpOn} from '../../../src/ovs/stp.js'
import {
  InputError,
  OvsBridgeNotFoundError,
  OvsConflictError,
  OvsDbUnreachableError,
  OvsNotInstalledError,
  PermissionError,
} from '../../../src/errors.js'

const skip = ovsSkip()

describe('ovs stp on a real Open vSwitch (local)', {skip}, () => {
  let ovs: OvsSandbox
  let vsctl: Vsctl

  before(async () => {
    ovs = await startOvs()
    await ovs.addBridge('br0')
    await ovs.vsctl('add-port', 'br0', 'int0', '--', 'set', 'Interface', 'int0', 'type=internal')
    await ovs.nsExec('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-p')
    await ovs.nsExec('ip', 'link', 'set', 'eth0', 'up')
    await ovs.nsExec('ip', 'link', 'set', 'eth0-p', 'up')
    await ovs.vsctl('add-port', 'br0', 'eth0')
    vsctl = new Vsctl(new LocalExecutor({env: {...process.env, ...ovs.env}}), {timeoutSec: 5})
  })
  after(() => ovs?.stop())

  test('status of a bridge with STP off lists its ports, internal ones marked internal', async () => {
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.mode, 'off')
    assert.equal(st?.stp, false)
    assert.equal(st?.active, true)
    assert.deepEqual(
      st?.ports.map((p) => [p.name, p.internal]),
      [
        ['br0', true],
        ['eth0', false],
        ['int0', true],
      ],
    )
  })

  test('--dry-run plans and reports the exact ovs-vsctl command, and writes nothing', async () => {
    const opts = {priority: 4096, helloTime: 1, maxAge: 6, forwardDelay: 4}
    const dry = await stpOn(vsctl, 'br0', opts, {dryRun: true})
    assert.equal(dry.dryRun, true)
    assert.equal(dry.changed, true)
    assert.equal(dry.applied['stp_enable'], 'true')
    assert.ok(
      dry.warnings.some((w) => /BPDU guard/.test(w)),
      'the same warnings as a real run',
    )
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'false', 'nothing reached ovsdb')
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'other_config')).trim(), '{}')
    const off = await stpOff(vsctl, 'br0', {dryRun: true})
    assert.deepEqual([off.changed, off.command, off.dryRun], [false, null, true], 'off on an off bridge: nothing to do, dry or not')
    // the real run sends exactly what the dry run showed
    const real = await stpOn(vsctl, 'br0', opts)
    assert.deepEqual(real.command, dry.command)
    assert.equal(real.dryRun, false)
    await stpOff(vsctl, 'br0')
    await ovs.vsctl('clear', 'Bridge', 'br0', 'other_config')
  })

  test('stp on with fast timers sets everything in one transaction; OVS runs STP on eth0 only', async () => {
    const r = await stpOn(vsctl, 'br0', {priority: 4096, helloTime: 1, maxAge: 6, forwardDelay: 4})
    assert.equal(r.changed, true)
    assert.equal(r.active, true)
    assert.deepEqual(r.applied, {
      stp_enable: 'true',
      'other_config:stp-priority': '4096',
      'other_config:stp-hello-time': '1',
      'other_config:stp-max-age': '6',
      'other_config:stp-forward-delay': '4',
    })
    assert.equal(r.command?.filter((a) => a === 'set').length, 1)
    assert.ok(r.warnings.some((w) => /BPDU guard/.test(w)))
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'true')
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'other_config:stp-priority')).trim(), '"4096"')
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.mode, 'stp')
    assert.equal(st?.isRoot, true, 'alone, br0 is its own root')
    assert.match(st?.bridgeId ?? '', /^1000\.[0-9a-f]{12}$/, 'priority 4096 shows as 1000. in the bridge id')
    const eth0 = st?.ports.find((p) => p.name === 'eth0')
    assert.ok(eth0 && ['listening', 'learning', 'forwarding'].includes(eth0.state ?? ''), `eth0 state ${eth0?.state}`)
    assert.equal(eth0?.role, 'designated')
    assert.equal(eth0?.portId, '8001')
    assert.equal(eth0?.pathCost, 2)
    assert.equal(st?.ports.find((p) => p.name === 'int0')?.state, null)
  })

  test('running stp on again with the same options reports changed: false', async () => {
    const r = await stpOn(vsctl, 'br0', {priority: 4096})
    assert.equal(r.changed, false)
    assert.equal(r.command, null)
    assert.deepEqual(r.warnings, [])
  })

  test('a bad priority is refused with InputError and nothing reaches ovsdb', async () => {
    await assert.rejects(stpOn(vsctl, 'br0', {priority: 5000}), InputError)
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'other_config:stp-priority')).trim(), '"4096"')
  })

  test('forward-delay too short for the max-age is refused before anything is written', async () => {
    await assert.rejects(stpOn(vsctl, 'br0', {forwardDelay: 4, maxAge: 20}), /2 x \(forward-delay - 1\) >= max-age/)
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'other_config:stp-max-age')).trim(), '"6"')
  })

  test('an unknown bridge fails with OvsBridgeNotFoundError listing the bridges that exist', async () => {
    await assert.rejects(
      stpOn(vsctl, 'br9', {}),
      (e: unknown) => e instanceof OvsBridgeNotFoundError && /no bridge named br9 \(bridges: br0\)/.test(e.message),
    )
    await assert.rejects(getStpStatus(vsctl, 'br9'), OvsBridgeNotFoundError)
  })

  test('stp on --rstp switches to RSTP (STP off) and status reads the RSTP columns', async () => {
    const r = await stpOn(vsctl, 'br0', {rstp: true})
    assert.deepEqual([r.changed, r.stp, r.rstp], [true, false, true])
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.mode, 'rstp')
    assert.match(st?.bridgeId ?? '', /^\d+\.\d{3}\.[0-9a-f]{12}$/)
    const eth0 = st?.ports.find((p) => p.name === 'eth0')
    assert.ok(['discarding', 'learning', 'forwarding'].includes(eth0?.state ?? ''), `eth0 state ${eth0?.state}`)
    assert.equal(eth0?.pathCost, 2000)
  })

  test('stp on refuses while RSTP is on (OvsConflictError, nothing changed), --force replaces RSTP by STP', async () => {
    await assert.rejects(stpOn(vsctl, 'br0', {}), OvsConflictError)
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'rstp_enable')).trim(), 'true')
    const r = await stpOn(vsctl, 'br0', {force: true})
    assert.deepEqual(r.applied, {stp_enable: 'true', rstp_enable: 'false'})
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.mode, 'stp')
  })

  test('stp off turns spanning tree off; again reports changed: false', async () => {
    const r = await stpOff(vsctl, 'br0')
    assert.deepEqual([r.changed, r.stp, r.rstp], [true, false, false])
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'false')
    assert.equal((await stpOff(vsctl, 'br0')).changed, false)
    await assert.rejects(ovs.appctl('stp/show', 'br0'), /no such stp object/)
  })

  test('a database socket that does not exist gives OvsDbUnreachableError naming it', async () => {
    const v = new Vsctl(new LocalExecutor({env: {...process.env, ...ovs.env}}), {db: `unix:${ovs.dir}/nope.sock`})
    await assert.rejects(
      getStpStatus(v),
      (e: unknown) => e instanceof OvsDbUnreachableError && e.message.includes(`${ovs.dir}/nope.sock`) && e.exitCode === 13,
    )
  })

  test('without ovs-vsctl on PATH the error is OvsNotInstalledError', async () => {
    const v = new Vsctl(new LocalExecutor({env: {...ovs.env, PATH: '/nonexistent'}}))
    await assert.rejects(getStpStatus(v, 'br0'), OvsNotInstalledError)
  })

  test('a user who may not open the OVS sockets gets PermissionError', async () => {
    const local = new LocalExecutor({env: {...process.env}})
    const asNobody: Executor = {
      where: 'local',
      run: async (argv): Promise<ExecResult> => ({
        ...(await local.run(['runuser', '-u', 'nobody', '--', 'env', `OVS_RUNDIR=${ovs.dir}`, ...argv])),
        command: argv,
      }),
      close: () => Promise.resolve(),
    }
    await assert.rejects(getStpStatus(new Vsctl(asNobody), 'br0'), (e: unknown) => e instanceof PermissionError && e.exitCode === 14)
  })
})
