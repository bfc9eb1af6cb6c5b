/**
 * A REAL layer-2 loop: bridges br0 and br1 (userspace datapath) joined by two veth pairs inside
 * the test's network namespace. STP must put exactly one br0 port into blocking; --wait (waitUntilSettled)
 * returns once every port forwards or blocks.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ovsSkip, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {LocalExecutor} from '../../../src/ovs/executor.js'
import {Vsctl} from '../../../src/ovs/vsctl.js'
import {getStpStatus, stpOff, stpOn, waitUntilSettled, type StpBridgeStatus} from '../../../src/ovs/stp.js'

const FAST = {helloTime: 1, maxAge: 6, forwardDelay: 4}

describe('STP on a real veth loop between two OVS bridges', {skip: ovsSkip()}, () => {
  let ovs: OvsSandbox
  let vsctl: Vsctl
  let loopPorts: string[]
  before(async () => {
    ovs = await startOvs()
    await ovs.addBridge('br0')
    await ovs.addBridge('br1')
    loopPorts = (await ovs.addLoop('br0', 'br1', 2)).map(([a]) => a as string)
    vsctl = new Vsctl(new LocalExecutor({env: {...process.env, ...ovs.env}}), {timeoutSec: 5})
  })
  after(() => ovs?.stop())

  test('with STP on both bridges (fast timers, br1 root) exactly one br0 port ends up blocking', async () => {
    await stpOn(vsctl, 'br1', {...FAST, priority: 4096})
    const t0 = Date.now()
    await stpOn(vsctl, 'br0', FAST)
    const progress: string[] = []
    const st: StpBridgeStatus = await waitUntilSettled(vsctl, 'br0', {
      timeoutMs: 30_000,
      onProgress: (s) =>
        progress.push(
          s.ports
            .filter((p) => !p.internal)
            .map((p) => `${p.name}=${p.state}`)
            .join(' '),
        ),
    })
    const elapsed = Date.now() - t0
    const states = Object.fromEntries(st.ports.filter((p) => !p.internal).map((p) => [p.name, p.state]))
    assert.deepEqual(Object.keys(states).sort(), [...loopPorts].sort())
    assert.equal(Object.values(states).filter((s) => s === 'blocking').length, 1, JSON.stringify(states))
    assert.equal(Object.values(states).filter((s) => s === 'forwarding').length, 1, JSON.stringify(states))
    const blocking = st.ports.find((p) => p.state === 'blocking')
    assert.equal(blocking?.role, 'alternate')
    assert.equal(st.isRoot, false)
    assert.match(st.rootId ?? '', /^1000\./, 'br1 (priority 4096) is the root')
    assert.ok(st.rootPort !== null && loopPorts.includes(st.rootPort))
    assert.ok(
      progress.some((p) => /listening|learning/.test(p)),
      'the wait saw the ports in transition',
    )
    // Fast timers: 2 x forward-delay = 8 s; allow slack on a loaded machine.
    assert.ok(elapsed >= 7000 && elapsed < 20_000, `settled after ${elapsed} ms`)
    const [br1] = await getStpStatus(vsctl, 'br1')
    assert.equal(br1?.isRoot, true)
    assert.ok(br1?.ports.filter((p) => !p.internal).every((p) => p.state === 'forwarding' && p.role === 'designated'))
  })

  test('with RSTP on both bridges the loop converges with one br0 port alternate/discarding', async () => {
    await stpOn(vsctl, 'br1', {rstp: true, priority: 4096})
    await stpOn(vsctl, 'br0', {rstp: true})
    const st = await waitUntilSettled(vsctl, 'br0', {timeoutMs: 30_000})
    const nonInternal = st.ports.filter((p) => !p.internal)
    assert.equal(st.mode, 'rstp')
    assert.equal(nonInternal.filter((p) => p.state === 'discarding' && p.role === 'alternate').length, 1, JSON.stringify(nonInternal))
    assert.equal(nonInternal.filter((p) => p.state === 'forwarding' && p.role === 'root').length, 1, JSON.stringify(nonInternal))
    await stpOff(vsctl, 'br0')
    await stpOff(vsctl, 'br1')
  })
})
