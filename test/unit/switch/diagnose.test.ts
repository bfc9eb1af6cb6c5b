import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {InputError} from '../../../src/errors.js'
import {ios} from '../../../src/platforms/ios.js'
import {nxos} from '../../../src/platforms/nxos.js'
import {diagnose, summariseFlaps} from '../../../src/switch/diagnose.js'
import {planFix, planLines} from '../../../src/switch/planner.js'
import type {PortEvent, PortFacts} from '../../../src/switch/types.js'

function facts(over: Partial<PortFacts> = {}): PortFacts {
  return {
    host: 'sw1',
    hostname: 'sw1',
    platform: 'ios',
    software: 'IOS-XE 16.12.4 WS-C3850-48P',
    interface: 'GigabitEthernet1/0/19',
    shortName: 'Gi1/0/19',
    description: 'node19-eth0',
    status: 'err-disabled',
    errDisabledReason: 'loopback',
    keepalive: true,
    keepaliveSeconds: 10,
    adminDown: false,
    recovery: {loopback: false, intervalSeconds: 300, loopbackCauseSupported: true, secondsUntilRecovery: null},
    events: [],
    runningConfig: [],
    ...over,
  }
}

function ev(kind: PortEvent['kind'], seconds: number, reason: string | null = 'loopback'): PortEvent {
  return {time: `t${seconds}`, kind, reason, message: kind, seconds}
}

describe('planFix', () => {
  test('plans no keepalive first, then recovery cause; skips the default interval already in force', () => {
    const plan = planFix(facts(), ios, {intervalSeconds: 300, bounce: false})
    assert.deepEqual(planLines(plan), ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback'])
    assert.ok(plan.skipped.some((s) => s.line === 'errdisable recovery interval 300'))
  })

  test('plans nothing when the fix is in place (idempotent)', () => {
    const done = facts({
      keepalive: false,
      recovery: {loopback: true, intervalSeconds: 300, loopbackCauseSupported: true, secondsUntilRecovery: 120},
    })
    assert.deepEqual(planLines(planFix(done, ios, {intervalSeconds: 300, bounce: false})), [])
  })

  test('adds the interval line when it differs, and the bounce lines with --bounce', () => {
    const plan = planFix(
      facts({recovery: {loopback: true, intervalSeconds: 30, loopbackCauseSupported: true, secondsUntilRecovery: null}}),
      ios,
      {intervalSeconds: 600, bounce: true},
    )
    assert.deepEqual(planLines(plan), [
      'interface GigabitEthernet1/0/19',
      'no keepalive',
      'exit',
      'errdisable recovery interval 600',
      'interface GigabitEthernet1/0/19',
      'shutdown',
      'no shutdown',
    ])
  })

  test('NX-OS plans recovery only and says why', () => {
    const f = facts({
      platform: 'nxos',
      interface: 'Ethernet1/19',
      keepalive: null,
      recovery: {loopback: false, intervalSeconds: 300, loopbackCauseSupported: true, secondsUntilRecovery: null},
    })
    const plan = planFix(f, nxos, {intervalSeconds: 300, bounce: false})
    assert.deepEqual(planLines(plan), ['errdisable recovery cause loopback'])
    assert.match(plan.notes.join(' '), /no Ethernet keepalive/)
  })

  test('an interval outside the platform range is an input error before anything is planned', () => {
    assert.throws(() => planFix(facts(), nxos, {intervalSeconds: 70_000, bounce: false}), InputError)
    assert.throws(() => planFix(facts(), ios, {intervalSeconds: 10, bounce: false}), InputError)
    assert.doesNotThrow(() => planFix(facts(), ios, {intervalSeconds: 70_000, bounce: false}))
  })

  test('a release without a loopback recovery cause gets no such line', () => {
    const plan = planFix(
      facts({recovery: {loopback: false, intervalSeconds: 300, loopbackCauseSupported: false, secondsUntilRecovery: null}}),
      ios,
      {intervalSeconds: 300, bounce: false},
    )
    assert.ok(!planLines(plan).includes('errdisable recovery cause loopback'))
  })
})

describe('diagnose', () => {
  test('err-disabled for loopback with keepalive on is keepalive-loopback with the plan', () => {
    const d = diagnose(facts(), ios)
    assert.equal(d.verdict, 'keepalive-loopback')
    assert.equal(d.errDisabledReason, 'loopback')
    assert.equal(d.plan[1], 'no keepalive')
    assert.equal(d.flapping, null)
  })

  test('a recover/err-disable history is reported as flapping with the time the port stayed up', () => {
    const events = [
      ev('loopback-detected', 0),
      ev('err-disabled', 0),
      ev('recovered', 300),
      ev('loopback-detected', 310),
      ev('err-disabled', 310),
      ev('recovered', 610),
      ev('err-disabled', 620),
      ev('recovered', 920),
      ev('link-up', 921, null),
    ]
    const d = diagnose(
      facts({
        status: 'connected',
        errDisabledReason: null,
        events,
        recovery: {loopback: true, intervalSeconds: 300, loopbackCauseSupported: true, secondsUntilRecovery: null},
      }),
      ios,
    )
    assert.equal(d.verdict, 'keepalive-loopback')
    assert.equal(d.flapping?.cycles, 2)
    assert.equal(d.flapping?.secondsUpAfterRecovery, 10)
    assert.match(d.findings.join(' '), /Flapping/)
    assert.deepEqual(d.plan, ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit'])
  })

  test('bpduguard is err-disabled-other, explains the node-side STP cause and plans nothing', () => {
    const d = diagnose(facts({errDisabledReason: 'bpduguard'}), ios)
    assert.equal(d.verdict, 'err-disabled-other')
    assert.match(d.summary, /netops ovs stp off/)
    assert.deepEqual(d.plan, [])
  })

  test('a healthy port with keepalive on and no history is healthy but still shows the preventive plan', () => {
    const d = diagnose(facts({status: 'connected', errDisabledReason: null}), ios)
    assert.equal(d.verdict, 'healthy')
    assert.ok(d.plan.includes('no keepalive'))
  })

  test('keepalive already off while still err-disabled is loopback-awaiting-recovery', () => {
    const d = diagnose(facts({keepalive: false}), ios)
    assert.equal(d.verdict, 'loopback-awaiting-recovery')
  })

  test('NX-OS loopback err-disable is loopback-no-keepalive-control', () => {
    const d = diagnose(facts({platform: 'nxos', interface: 'Ethernet1/19', keepalive: null}), nxos)
    assert.equal(d.verdict, 'loopback-no-keepalive-control')
    assert.deepEqual(d.plan, ['errdisable recovery cause loopback'])
  })

  test('summariseFlaps counts only the named cause', () => {
    const s = summariseFlaps([ev('err-disabled', 0, 'bpduguard'), ev('recovered', 300, 'bpduguard'), ev('err-disabled', 310, 'bpduguard')])
    assert.equal(s.cycles, 0)
  })
})
