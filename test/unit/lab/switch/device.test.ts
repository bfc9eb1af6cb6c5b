import assert from 'node:assert/strict'
import {test} from 'node:test'
import {FakeClock} from '../../../../src/lab/clock.js'
import {Device, type DeviceSnapshot} from '../../../../src/lab/switch/device.js'

const P19 = 'GigabitEthernet1/0/19'
const S = 1000

function texts(d: Device, since = 0): string[] {
  return d.log.filter((e) => e.seq > since).map((e) => e.text)
}
const count = (lines: string[], re: RegExp): number => lines.filter((l) => re.test(l)).length
const lastSeq = (d: Device): number => d.log.at(-1)?.seq ?? 0

test('loop scenario: port 19 is err-disabled for loopback with the real log lines, and no recovery is pending', () => {
  const d = new Device({clock: new FakeClock(), scenario: 'loop'})
  const p = d.port(P19)
  assert.equal(d.status(p), 'err-disabled')
  assert.equal(p.errDisabled, 'loopback')
  assert.deepEqual(texts(d).slice(2), [
    '%ETHCNTR-3-LOOP_BACK_DETECTED: Keepalive packet loop-back detected on GigabitEthernet1/0/19.',
    '%PM-4-ERR_DISABLE: loopback error detected on Gi1/0/19, putting Gi1/0/19 in err-disable state',
    '%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/19, changed state to down',
    '%LINK-3-UPDOWN: Interface GigabitEthernet1/0/19, changed state to down',
  ])
  assert.deepEqual(d.pendingRecoveries(), [])
  assert.equal(d.status(d.port('Gi1/0/18')), 'connected')
})

test('the err-disable comes one keepalive period (10 s) after the link came up', () => {
  const d = new Device({clock: new FakeClock(), scenario: 'loop'})
  const up = d.log.find((e) => e.text.startsWith('%LINK-3-UPDOWN') && e.text.endsWith('up'))!
  const det = d.log.find((e) => e.text.includes('LOOP_BACK_DETECTED'))!
  assert.equal(det.at - up.at, 10 * S)
})

test('with errdisable recovery cause loopback the port recovers after 300 s and, keepalive still on, err-disables again 10 s later', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setRecoveryCause('loopback', true)
  const mark = lastSeq(d)
  assert.equal(d.pendingRecoveries()[0]?.secondsLeft, 300)
  clock.advance(299 * S)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
  clock.advance(1 * S)
  assert.equal(d.status(d.port(P19)), 'connected')
  assert.deepEqual(texts(d, mark), [
    '%PM-4-ERR_RECOVER: Attempting to recover from loopback err-disable state on Gi1/0/19',
    '%LINK-3-UPDOWN: Interface GigabitEthernet1/0/19, changed state to up',
    '%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/19, changed state to up',
  ])
  clock.advance(10 * S)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
  // and it keeps flapping: 3 more cycles in 3 × 310 s
  const before = lastSeq(d)
  clock.advance(3 * 310 * S)
  const later = texts(d, before)
  assert.equal(count(later, /ERR_RECOVER/), 3)
  assert.equal(count(later, /LOOP_BACK_DETECTED/), 3)
})

test('no keepalive stops detection: once recovered the port stays up', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setKeepalive(P19, null)
  d.setRecoveryCause('loopback', true)
  clock.advance(300 * S)
  const mark = lastSeq(d)
  clock.advance(3600 * S)
  assert.equal(d.status(d.port(P19)), 'connected')
  assert.equal(count(texts(d, mark), /LOOP_BACK_DETECTED|ERR_DISABLE/), 0)
})

test('shutdown then no shutdown recovers at once; with keepalive still on it err-disables again after 10 s', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  const mark = lastSeq(d)
  d.setShutdown(P19, true)
  assert.equal(d.status(d.port(P19)), 'disabled')
  d.setShutdown(P19, false)
  assert.equal(d.status(d.port(P19)), 'connected')
  assert.deepEqual(texts(d, mark), [
    '%LINK-5-CHANGED: Interface GigabitEthernet1/0/19, changed state to administratively down',
    '%LINK-3-UPDOWN: Interface GigabitEthernet1/0/19, changed state to up',
    '%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/19, changed state to up',
  ])
  clock.advance(10 * S)
  assert.equal(d.port(P19).errDisabled, 'loopback')
})

test('no keepalive and a bounce: the port comes up and stays up', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setKeepalive(P19, null)
  d.setShutdown(P19, true)
  d.setShutdown(P19, false)
  clock.advance(86400 * S)
  assert.equal(d.status(d.port(P19)), 'connected')
})

test('flapping scenario: three err-disable cycles in the history and a recovery pending with time left', () => {
  const d = new Device({clock: new FakeClock(), scenario: 'flapping'})
  const all = texts(d)
  assert.equal(count(all, /%PM-4-ERR_DISABLE: loopback/), 3)
  assert.equal(count(all, /%PM-4-ERR_RECOVER/), 2)
  assert.ok(d.recoveryCauses.has('loopback'))
  const pending = d.pendingRecoveries()
  assert.equal(pending.length, 1)
  assert.equal(pending[0]!.port.name, P19)
  assert.equal(pending[0]!.secondsLeft, 295)
})

test('time scale 0.01 turns the 300 s recovery timer into 3 s and the keepalive into 100 ms', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop', timeScale: 0.01})
  d.setRecoveryCause('loopback', true)
  clock.advance(2999)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
  clock.advance(1)
  assert.equal(d.status(d.port(P19)), 'connected')
  clock.advance(100)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
  // show errdisable recovery still speaks device seconds
  assert.equal(d.pendingRecoveries()[0]!.secondsLeft, 300)
})

test('changing the recovery interval moves the pending timer; removing the cause cancels it', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setRecoveryCause('loopback', true)
  clock.advance(20 * S)
  d.setRecoveryInterval(30)
  assert.equal(d.pendingRecoveries()[0]!.secondsLeft, 10)
  d.setRecoveryCause('loopback', false)
  assert.deepEqual(d.pendingRecoveries(), [])
  clock.advance(3600 * S)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
})

test('jitter adds up to 15 % to the recovery timer (injected random)', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop', jitter: true, random: () => 1})
  d.setRecoveryCause('loopback', true)
  clock.advance(344 * S)
  assert.equal(d.status(d.port(P19)), 'err-disabled')
  clock.advance(1 * S)
  assert.equal(d.status(d.port(P19)), 'connected')
})

test('bpduguard scenario: err-disabled for bpduguard with the BPDU guard log line; recovery for loopback does not touch it', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'bpduguard'})
  const p = d.port(P19)
  assert.equal(p.errDisabled, 'bpduguard')
  assert.ok(texts(d).includes('%SPANTREE-2-BLOCK_BPDUGUARD: Received BPDU on port Gi1/0/19 with BPDU Guard enabled. Disabling port.'))
  assert.ok(texts(d).includes('%PM-4-ERR_DISABLE: bpduguard error detected on Gi1/0/19, putting Gi1/0/19 in err-disable state'))
  d.setRecoveryCause('loopback', true)
  clock.advance(600 * S)
  assert.equal(p.errDisabled, 'bpduguard')
})

test('healthy scenario: port 19 is connected, stays so, and the device holds no timer', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'healthy'})
  clock.advance(3600 * S)
  assert.equal(d.status(d.port(P19)), 'connected')
  assert.equal(clock.pending, 0)
  assert.deepEqual(d.log, [])
})

test('a device keeps at most one clock timer, however many events are pending', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'flapping'})
  d.setLoop('Gi1/0/5', true)
  d.setShutdown('Gi1/0/6', true)
  assert.ok(clock.pending <= 1)
  d.close()
  assert.equal(clock.pending, 0)
})

test('NX-OS: Ethernet1/19 err-disabled for loopback with the ETHPORT log line; recovery alone makes it flap', () => {
  const clock = new FakeClock()
  const d = new Device({clock, platform: 'nxos', scenario: 'loop'})
  const p = d.port('Eth1/19')
  assert.equal(p.name, 'Ethernet1/19')
  assert.equal(p.errDisabled, 'loopback')
  assert.ok(texts(d).includes('%ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface Ethernet1/19 is down (Error disabled. Reason:loopback)'))
  d.setRecoveryCause('loopback', true)
  clock.advance(300 * S)
  assert.equal(d.status(p), 'connected')
  clock.advance(10 * S)
  assert.equal(d.status(p), 'err-disabled')
})

test('a saved state restored later catches up on the timers that fell due meanwhile, with their own timestamps', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setRecoveryCause('loopback', true)
  const snap = JSON.parse(JSON.stringify(d.toJSON())) as DeviceSnapshot
  d.close()
  const recoverDue = clock.now() + 300 * S
  clock.advance(305 * S)
  const e = new Device({clock, state: snap})
  assert.equal(e.status(e.port(P19)), 'connected')
  const rec = e.log.find((l) => l.text.includes('ERR_RECOVER'))!
  assert.equal(rec.at, recoverDue)
  clock.advance(5 * S)
  assert.equal(e.status(e.port(P19)), 'err-disabled')
})

test('stack model has Gi1/0/19 and Gi2/0/19; the scenario is on member 1', () => {
  const d = new Device({clock: new FakeClock(), model: 'stack'})
  assert.equal(d.port('gi2/0/19').name, 'GigabitEthernet2/0/19')
  assert.equal(d.status(d.port('Gi2/0/19')), 'notconnect')
  assert.equal(d.port('Gi1/0/19').errDisabled, 'loopback')
  assert.equal(d.ports.length, 104)
})

test('interface names resolve in every spelling the CLI accepts', () => {
  const d = new Device({clock: new FakeClock()})
  for (const ref of ['Gi1/0/19', 'gi1/0/19', 'g1/0/19', 'GigabitEthernet1/0/19', 'gigabitethernet1/0/19', 'Gi 1/0/19']) {
    assert.equal(d.findPort(ref)?.name, P19, ref)
  }
  assert.equal(d.findPort('Te1/1/1')?.name, 'TenGigabitEthernet1/1/1')
  assert.equal(d.findPort('19'), undefined)
  assert.equal(d.findPort('Gi1/0/49'), undefined)
})

test('loopdetect on a looped port err-disables it for loopdetect (5 s), a different cause from keepalive loopback', () => {
  const clock = new FakeClock()
  const d = new Device({clock, scenario: 'loop'})
  d.setLoopdetect(P19, true)
  d.setShutdown(P19, true)
  d.setShutdown(P19, false)
  clock.advance(5 * S)
  assert.equal(d.port(P19).errDisabled, 'loopdetect')
  assert.match(texts(d).at(-3)!, /^%PM-4-ERR_DISABLE: loopdetect error detected on Gi1\/0\/19/)
})
