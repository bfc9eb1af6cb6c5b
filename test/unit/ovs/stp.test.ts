import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {FakeExecutor} from '../../helpers/ovs.js'
import {Vsctl, type BridgeRow} from '../../../src/ovs/vsctl.js'
import {getStpStatus, isSettled, planStpOff, planStpOn, stpOn, validateStpOptions, waitUntilSettled} from '../../../src/ovs/stp.js'
import {ExecTimeoutError, InputError, OvsBridgeNotFoundError, OvsConflictError, OvsVswitchdDownError} from '../../../src/errors.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovs')
const snapshotJson = readFileSync(join(fixtures, 'vsctl-list-bridge-port-interface-loop.json'), 'utf8')
const stpShowAll = readFileSync(join(fixtures, 'stp-show-all-bridges-loop.txt'), 'utf8')

function bridge(over: Partial<BridgeRow> = {}): BridgeRow {
  return {
    name: 'br0',
    stpEnable: false,
    rstpEnable: false,
    datapathType: 'netdev',
    otherConfig: {},
    status: {},
    rstpStatus: {},
    portUuids: [],
    ...over,
  }
}

test('priority must be a multiple of 4096 from 0 to 61440', () => {
  for (const p of [0, 4096, 32768, 61440]) assert.doesNotThrow(() => validateStpOptions({priority: p}))
  for (const p of [1, 5000, 65535, 70000, -4096]) assert.throws(() => validateStpOptions({priority: p}), InputError)
})

test('an invalid --priority suggests valid, distinct values', () => {
  const suggestion = (p: number): string => {
    try {
      validateStpOptions({priority: p})
    } catch (e) {
      return (e as InputError).suggestions[0] ?? ''
    }
    return 'accepted'
  }
  assert.equal(suggestion(65536), 'use --priority 61440')
  assert.equal(suggestion(70000), 'use --priority 61440')
  assert.equal(suggestion(61441), 'use --priority 61440')
  assert.equal(suggestion(5000), 'use --priority 4096 or 8192')
  assert.equal(suggestion(1), 'use --priority 0 or 4096')
  assert.equal(suggestion(-4096), 'use --priority 0')
  assert.equal(suggestion(57345), 'use --priority 57344 or 61440')
})

test('timer ranges are enforced (hello 1-10, max-age 6-40, forward-delay 4-30)', () => {
  assert.throws(() => validateStpOptions({helloTime: 0}), InputError)
  assert.throws(() => validateStpOptions({maxAge: 41}), InputError)
  assert.throws(() => validateStpOptions({forwardDelay: 3}), InputError)
  assert.throws(() => validateStpOptions({rstp: true, helloTime: 1}), /hello-time does not apply to RSTP/)
})

test('forward-delay and max-age are validated together: 2 x (fd - 1) >= max-age', () => {
  assert.throws(() => planStpOn(bridge(), {forwardDelay: 4}, 'local'), /2 x \(forward-delay - 1\) >= max-age/)
  assert.doesNotThrow(() => planStpOn(bridge(), {forwardDelay: 4, maxAge: 6, helloTime: 1}, 'local'))
  // max-age already configured on the bridge counts.
  assert.doesNotThrow(() => planStpOn(bridge({otherConfig: {'stp-max-age': '6', 'stp-hello-time': '1'}}), {forwardDelay: 4}, 'local'))
})

test('stp on plans stp_enable and the timers as ONE set, with the BPDU-guard warning', () => {
  const plan = planStpOn(bridge(), {priority: 4096, forwardDelay: 4, maxAge: 6, helloTime: 1}, 'local')
  assert.deepEqual(plan.settings, [
    ['stp_enable', 'true'],
    ['other_config:stp-priority', '4096'],
    ['other_config:stp-hello-time', '1'],
    ['other_config:stp-max-age', '6'],
    ['other_config:stp-forward-delay', '4'],
  ])
  assert.equal(plan.changed, true)
  assert.ok(plan.warnings.some((w) => /BPDU guard/.test(w) && /bpduguard/.test(w)))
  assert.ok(plan.warnings.some((w) => /2 x forward-delay \(8 s\)/.test(w)))
})

test('stp on for a bridge already set up that way changes nothing and warns nothing', () => {
  const plan = planStpOn(bridge({stpEnable: true, otherConfig: {'stp-priority': '4096'}}), {priority: 4096}, 'local')
  assert.equal(plan.changed, false)
  assert.deepEqual(plan.settings, [])
  assert.deepEqual(plan.warnings, [])
})

test('stp on refuses when RSTP is on, unless --force (which turns RSTP off) or --rstp', () => {
  assert.throws(
    () => planStpOn(bridge({rstpEnable: true}), {}, 'node7'),
    (e: unknown) => e instanceof OvsConflictError && /RSTP is on for br0 on node7/.test(e.message) && e.exitCode === 12,
  )
  assert.deepEqual(planStpOn(bridge({rstpEnable: true}), {force: true}, 'local').settings, [
    ['stp_enable', 'true'],
    ['rstp_enable', 'false'],
  ])
  const rstp = planStpOn(bridge({rstpEnable: true, stpEnable: true}), {rstp: true, priority: 8192}, 'local')
  assert.deepEqual(rstp.settings, [
    ['stp_enable', 'false'],
    ['other_config:rstp-priority', '8192'],
  ])
})

test('stp on --rstp turns RSTP on and STP off and uses the rstp-* keys', () => {
  const plan = planStpOn(bridge({stpEnable: true}), {rstp: true, maxAge: 6, forwardDelay: 4}, 'local')
  assert.deepEqual(plan.settings, [
    ['rstp_enable', 'true'],
    ['stp_enable', 'false'],
    ['other_config:rstp-max-age', '6'],
    ['other_config:rstp-forward-delay', '4'],
  ])
  assert.equal(plan.rstp, true)
  assert.equal(plan.stp, false)
})

test('stp off turns off both STP and RSTP; already off is changed: false', () => {
  assert.deepEqual(planStpOff(bridge({stpEnable: true, rstpEnable: true})).settings, [
    ['stp_enable', 'false'],
    ['rstp_enable', 'false'],
  ])
  assert.equal(planStpOff(bridge()).changed, false)
})

test('status combines ovsdb state with stp/show: root, blocking port, internal ports, BPDU counters', async () => {
  const fake = new FakeExecutor([
    ['list Bridge', {stdout: snapshotJson}],
    ['stp/show', {stdout: stpShowAll}],
  ])
  const [br0] = await getStpStatus(new Vsctl(fake), 'br0')
  assert.ok(br0)
  assert.equal(br0.mode, 'stp')
  assert.equal(br0.active, true)
  assert.equal(br0.isRoot, false)
  assert.equal(br0.bridgeId, '8000.aa4feaf63a4b')
  assert.equal(br0.rootId, '1000.a2f744980a4a')
  assert.deepEqual(br0.config, {priority: null, helloTime: 1, maxAge: 6, forwardDelay: 4})
  // The fixture was captured with different port names in stp/show (loop0a/loop1a) — they match ovsdb here.
  const byName = Object.fromEntries(br0.ports.map((p) => [p.name, p]))
  assert.equal(byName['loop1a']?.state, 'blocking')
  assert.equal(byName['loop1a']?.role, 'alternate')
  assert.equal(byName['loop1a']?.portId, '8002')
  assert.equal(byName['loop1a']?.pathCost, 2)
  assert.deepEqual(byName['loop1a']?.bpdu, {rx: 9, tx: 1, errors: 0})
  assert.equal(byName['int0']?.internal, true)
  assert.equal(byName['int0']?.state, null)
  assert.equal(byName['br0']?.internal, true)
  assert.deepEqual(
    br0.ports.map((p) => p.name),
    ['br0', 'int0', 'loop0a', 'loop1a'],
  )
})

test('status of an unknown bridge lists the bridges that exist', async () => {
  const fake = new FakeExecutor([['list Bridge', {stdout: snapshotJson}]])
  await assert.rejects(
    getStpStatus(new Vsctl(fake), 'br9'),
    (e: unknown) => e instanceof OvsBridgeNotFoundError && /br0, br1/.test(e.message),
  )
})

test('status when ovs-vswitchd is down: stored config shown, active false, a warning', async () => {
  const down = {exitCode: 1, stderr: 'ovs-appctl: cannot read pidfile "/r/ovs-vswitchd.pid" (No such file or directory)'}
  const fake = new FakeExecutor([
    ['list Bridge', {stdout: snapshotJson}],
    ['stp/show', down],
    ['version', down],
  ])
  const [br0] = await getStpStatus(new Vsctl(fake), 'br0')
  assert.equal(br0?.active, false)
  assert.ok(br0?.warnings.some((w) => /ovs-vswitchd is not running/.test(w)))
})

test('stpOn with ovs-vswitchd down writes with --no-wait and reports stored-but-not-active', async () => {
  const down = {exitCode: 1, stderr: 'ovs-appctl: cannot read pidfile "/r/ovs-vswitchd.pid" (No such file or directory)'}
  const off = snapshotJson.replace('["br0",true,false', '["br0",false,false')
  let sets = 0
  const fake = new FakeExecutor([
    ['list Bridge', () => ({stdout: sets === 0 ? off : snapshotJson})],
    ['version', down],
    ['set Bridge', () => (sets++, {})],
  ])
  const r = await stpOn(new Vsctl(fake), 'br0', {})
  const set = fake.calls.find((c) => c.includes('set')) ?? []
  assert.ok(set.includes('--no-wait'))
  assert.ok(set.includes('--timeout=5'))
  assert.equal(r.changed, true)
  assert.equal(r.active, false)
  assert.ok(r.warnings.some((w) => /stored in ovsdb but NOT active/.test(w)))
})

test('stp on --force (RSTP to STP) warns that the tree reconverges with the STP timers', () => {
  const plan = planStpOn(bridge({rstpEnable: true}), {force: true}, 'local')
  assert.equal(plan.enabling, false)
  assert.ok(
    plan.warnings.some((w) => /^replacing RSTP by STP on br0 restarts spanning tree: .*\(2 x forward-delay = 30 s\)/.test(w)),
    plan.warnings.join('\n'),
  )
})

test('with --wait (requireActive) and ovs-vswitchd down, stp on refuses before writing; already on warns instead of staying silent', async () => {
  const down = {exitCode: 1, stderr: 'ovs-appctl: cannot read pidfile "/r/ovs-vswitchd.pid" (No such file or directory)'}
  const off = snapshotJson.replace('["br0",true,false', '["br0",false,false')
  const fake = new FakeExecutor([
    ['list Bridge', {stdout: off}],
    ['version', down],
  ])
  await assert.rejects(stpOn(new Vsctl(fake), 'br0', {}, {requireActive: true}), (e: unknown) => {
    assert.ok(e instanceof OvsVswitchdDownError)
    assert.equal(e.exitCode, 13)
    assert.match(e.message, /cannot wait for br0 to settle: ovs-vswitchd is not running \(.*pidfile.*\).*nothing was changed/)
    return true
  })
  assert.equal(fake.calls.filter((c) => c.includes('set')).length, 0)
  const on = new FakeExecutor([
    ['list Bridge', {stdout: snapshotJson}],
    ['version', down],
  ])
  const r = await stpOn(new Vsctl(on), 'br0', {})
  assert.deepEqual([r.changed, r.active], [false, false])
  assert.ok(r.warnings.some((w) => /ovs-vswitchd is not running .*STP on br0 is stored in ovsdb but NOT active/.test(w)))
  await assert.rejects(stpOn(new Vsctl(on), 'br0', {}, {requireActive: true}), OvsVswitchdDownError)
})

test('status with ovs-vswitchd down marks the port states read from ovsdb as stale', async () => {
  const down = {exitCode: 1, stderr: 'ovs-appctl: cannot read pidfile "/r/ovs-vswitchd.pid" (No such file or directory)'}
  const fake = new FakeExecutor([
    ['list Bridge', {stdout: snapshotJson}],
    ['stp/show', down],
    ['version', down],
  ])
  const [br0] = await getStpStatus(new Vsctl(fake), 'br0')
  const withState = br0?.ports.filter((p) => p.state !== null) ?? []
  assert.ok(withState.length > 0)
  assert.ok(withState.every((p) => p.stale))
  assert.ok(br0?.ports.filter((p) => p.internal).every((p) => !p.stale))
  assert.ok(br0?.warnings.some((w) => /port states shown are stale/.test(w)))
})

test('bad input is rejected before anything is sent', async () => {
  const fake = new FakeExecutor([])
  await assert.rejects(stpOn(new Vsctl(fake), 'br0', {priority: 5000}), InputError)
  assert.equal(fake.calls.length, 0)
})

test('a port is settled when forwarding or blocking (RSTP: discarding only as alternate/backup)', () => {
  const p = (state: string, role = 'designated') => ({
    name: 'p',
    type: '',
    internal: false,
    state,
    role,
    portId: null,
    pathCost: null,
    bpdu: null,
    stale: false,
  })
  assert.equal(isSettled(p('forwarding'), 'stp'), true)
  assert.equal(isSettled(p('blocking', 'alternate'), 'stp'), true)
  assert.equal(isSettled(p('listening'), 'stp'), false)
  assert.equal(isSettled(p('learning'), 'stp'), false)
  assert.equal(isSettled(p('discarding', 'alternate'), 'rstp'), true)
  assert.equal(isSettled(p('discarding', 'designated'), 'rstp'), false)
})

test('waitUntilSettled gives up with ExecTimeoutError naming the unsettled ports', async () => {
  const listening = snapshotJson.replace(
    '"stp_state","forwarding"]]],["map",[["stp_error_count",0],["stp_rx_count",9]',
    '"stp_state","listening"]]],["map",[["stp_error_count",0],["stp_rx_count",9]',
  )
  assert.notEqual(listening, snapshotJson)
  const fake = new FakeExecutor([
    ['list Bridge', {stdout: listening}],
    ['stp/show', {stdout: ''}],
  ])
  let t = 0
  await assert.rejects(
    waitUntilSettled(new Vsctl(fake), 'br0', {
      timeoutMs: 2000,
      now: () => t,
      sleep: (ms) => {
        t += ms
        return Promise.resolve()
      },
    }),
    (e: unknown) => e instanceof ExecTimeoutError && /loop0a=listening/.test(e.message),
  )
})
