import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderApplyPlan, renderApplyResult} from '../../../../src/cli/render/loop-apply.js'
import type {ApplyPlan, ApplyResult} from '../../../../src/loop/apply.js'
import type {Diagnosis} from '../../../../src/switch/types.js'

const diagnosis = (over: Partial<Diagnosis> = {}): Diagnosis => ({
  host: '127.0.0.1',
  hostname: 'sw1',
  platform: 'ios',
  software: null,
  interface: 'GigabitEthernet1/0/19',
  status: 'err-disabled',
  errDisabledReason: 'loopback',
  keepalive: true,
  recovery: {loopback: false, intervalSeconds: 300},
  secondsUntilRecovery: null,
  events: [],
  flapping: null,
  verdict: 'keepalive-loopback',
  summary: '',
  findings: [],
  plan: [],
  notes: [],
  ...over,
})

const LINES = ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback']

function plan(over: Partial<ApplyPlan> = {}): ApplyPlan {
  return {
    verdict: 'bridge-loop',
    node: {
      node: 'node1',
      reason: 'br0 loops eth0 and eth1: turn STP on',
      stp: {bridge: 'br0', settings: [['stp_enable', 'true']], changed: true, stp: true, rstp: false, enabling: true, warnings: []},
      command: ['ovs-vsctl', '--timeout=30', 'set', 'Bridge', 'br0', 'stp_enable=true'],
    },
    switch: {
      host: 'sw1',
      interface: 'GigabitEthernet1/0/19',
      preview: {
        before: diagnosis(),
        lines: LINES,
        plan: {
          config: LINES.map((line) => ({line, purpose: `why ${line}`})),
          bounce: [],
          skipped: [{line: 'errdisable recovery interval 300', reason: 'the recovery timer is already 300 s'}],
          notes: [],
        },
      },
    },
    alternatives: [],
    warnings: [],
    replanned: false,
    ...over,
  }
}

test('the plan: node first (its ovs-vsctl line and the wait), then the switch lines, then the read-back; within 80 columns', () => {
  const out = renderApplyPlan(plan(), 80)
  const lines = out.split('\n')
  assert.equal(lines[0], 'plan, node first then switch:')
  assert.equal(lines[1], '1. node1: br0 loops eth0 and eth1: turn STP on')
  assert.equal(lines[2], '     ovs-vsctl --timeout=30 set Bridge br0 stp_enable=true')
  assert.match(lines[3] ?? '', /^ {5}then wait until br0 blocks one of the looped ports; else stop here$/)
  assert.equal(lines[4], '2. sw1 GigabitEthernet1/0/19: fix-loop')
  assert.match(out, /^ {5}no keepalive +# why no keepalive$/m)
  assert.match(out, /^ {5}\(skip\) errdisable recovery interval 300/m)
  assert.equal(lines.at(-1), '3. read both ends back')
  for (const l of lines) assert.ok(l.length <= 80, l)
})

test('the plan without a node change, with the alternatives, and a switch already fixed', () => {
  const p = plan({
    node: {node: 'node1', reason: 'STP is not wanted on br0 (--no-stp): node1 is left alone', stp: null, command: null},
    alternatives: ['or remove eth1 from br0 (ovs-vsctl del-port br0 eth1)'],
  })
  p.switch.preview = {...p.switch.preview, lines: [], plan: {config: [], bounce: [], skipped: [], notes: []}}
  const out = renderApplyPlan(p, 80)
  assert.match(out, /^1\. node1: STP is not wanted on br0 \(--no-stp\): node1 is left alone$/m)
  assert.match(out, /^ {5}instead, by hand: or remove eth1 from br0 \(ovs-vsctl del-port br0 eth1\)$/m)
  assert.match(out, /^ {5}nothing to send: the fix is already in place$/m)
  assert.doesNotMatch(out, /then wait until/)
})

test('the result: node step, fix-loop result, read-back of both ends; device text is escaped', () => {
  const r: ApplyResult = {
    verdict: 'bridge-loop',
    changed: true,
    node: {
      node: 'node1\x1b[2J',
      bridge: 'br0',
      action: 'stp-on',
      reason: 'br0 loops eth0 and eth1: turn STP on',
      change: {
        bridge: 'br0',
        changed: true,
        stp: true,
        rstp: false,
        active: true,
        applied: {stp_enable: 'true'},
        command: ['ovs-vsctl', 'set', 'Bridge', 'br0', 'stp_enable=true'],
        dryRun: false,
        warnings: [],
      },
      settled: {seconds: 8.24, blocking: ['eth1'], ports: []},
    },
    switch: {
      host: '127.0.0.1',
      hostname: 'sw1',
      platform: 'ios',
      interface: 'GigabitEthernet1/0/19',
      dryRun: false,
      changed: true,
      plan: LINES,
      applied: LINES,
      skipped: [],
      notes: [],
      saved: false,
      bounced: false,
      recovery: {by: 'timer', etaSeconds: 300, message: 'the recovery timer brings GigabitEthernet1/0/19 back within 300 s'},
      waited: null,
      verified: true,
      before: diagnosis(),
      after: diagnosis({keepalive: false, recovery: {loopback: true, intervalSeconds: 300}}),
    },
    verified: {
      node: {checked: true, ok: true, bridge: 'br0', mode: 'stp', blocking: ['eth1'], message: 'br0 on node1: STP on, eth1 blocking'},
      switch: {
        ok: false,
        interface: 'GigabitEthernet1/0/19',
        status: 'err-disabled',
        keepalive: false,
        recovery: {loopback: true, intervalSeconds: 300},
        message: 'Gi1/0/19 on sw1: keepalive is on',
      },
      ok: false,
    },
    alternatives: [],
    warnings: [],
  }
  const out = renderApplyResult(r, 80)
  assert.match(out, /^apply\nnode node1\\x1b\[2J: STP on for br0; eth1 blocking after 8\.2 s$/m)
  assert.ok(!out.includes('\x1b'), 'no raw escape from a device name')
  assert.match(out, /^switch sw1:\nsw1 \(127\.0\.0\.1\) {2}GigabitEthernet1\/0\/19$/m)
  assert.match(out, /^verified:\n {2}ok br0 on node1: STP on, eth1 blocking\n {2}FAILED Gi1\/0\/19 on sw1: keepalive is on$/m)
  for (const l of out.split('\n')) assert.ok(l.length <= 80, l)
})
