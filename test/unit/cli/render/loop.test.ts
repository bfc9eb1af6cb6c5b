import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderLoopTrace, wrapPath} from '../../../../src/cli/render/loop.js'
import type {LoopTrace} from '../../../../src/loop/trace.js'

function trace(over: Partial<LoopTrace> = {}): LoopTrace {
  return {
    switch: 'sw1',
    port: 'GigabitEthernet1/0/19',
    node: 'node1',
    nodeIdentifiedBy: ['LLDP on sw1 Gi1/0/19: system name node1, reached through ~/.ssh/config Host entry node1 (HostName 192.0.2.21)'],
    switches: ['sw1', 'sw2'],
    links: [
      {switch: 'sw1', switchPort: 'GigabitEthernet1/0/19', nic: 'eth0', bridge: 'br0', mac: '52:54:00:0e:00:00', evidence: ['x']},
      {switch: 'sw2', switchPort: 'Ethernet1/20', nic: 'eth1', bridge: 'br0', mac: '52:54:00:0e:00:01', evidence: ['y']},
    ],
    bridge: {name: 'br0', stp: false, rstp: false, ports: []},
    verdict: 'bridge-loop',
    evidence: [
      'eth1 faces sw2 Eth1/20; sw2 is LLDP neighbour of sw1 Gi1/0/24 (VLAN 10)',
      'br0 has STP and RSTP off: eth0 and eth1 forward into each other',
    ],
    plan: {
      node: ['netops ovs stp on br0 --host node1 --sudo'],
      switch: ['netops switch fix-loop --host 127.0.0.1 --ssh-port 2201 --username admin --port Gi1/0/19'],
    },
    switchSide: {switch: 'sw1', port: 'GigabitEthernet1/0/19', vlans: [10], macs: [], neighbors: [], peers: []},
    nodeSide: null,
    portFacts: {} as LoopTrace['portFacts'],
    ...over,
  }
}

test('header, path, verdict, evidence and the plan in order (node first), every line within the width', () => {
  const out = renderLoopTrace(trace(), 80)
  const lines = out.split('\n')
  assert.equal(lines[0], 'sw1 GigabitEthernet1/0/19 → node node1')
  assert.ok(out.includes('  sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw2 Eth1/20 (VLAN 10)'), out)
  assert.ok(out.includes('  switches read: sw1, sw2'))
  assert.match(out, /^verdict {2}BRIDGE LOOP: the node bridges two links into the same layer-2 domain,\n {9}spanning tree off$/m)
  assert.ok(out.indexOf('1. on the node first') < out.indexOf('2. then on the switch'))
  for (const l of lines) assert.ok(l.length <= 80, `over 80 columns: ${l}`)
  for (const l of renderLoopTrace(trace(), 50).split('\n')) assert.ok(l.length <= 50 || !l.includes(' '), `over 50 columns: ${l}`)
})

test('device-supplied text is escaped: no control character reaches the terminal', () => {
  const out = renderLoopTrace(
    trace({
      evidence: ['the description of sw1 Gi1/0/19 names eth0 ("node1\u001b[2J eth0")'],
      nodeIdentifiedBy: ['LLDP: system name evil\u0007\u202e'],
    }),
  )
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/.test(out), JSON.stringify(out))
  assert.ok(out.includes('node1\\x1b[2J eth0'))
  assert.ok(out.includes('evil\\x07\\u202e'))
})

test('unknown with no node: says so, and that there is nothing to do until the path is known', () => {
  const out = renderLoopTrace(
    trace({node: null, nodeIdentifiedBy: [], links: [], bridge: null, verdict: 'unknown', plan: {node: [], switch: []}, switches: ['sw1']}),
  )
  assert.match(out, /^sw1 GigabitEthernet1\/0\/19 → node not identified$/m)
  assert.match(out, /^ {2}sw1 Gi1\/0\/19 ── \?$/m)
  assert.match(out, /^verdict {2}UNKNOWN/m)
  assert.match(out, /^plan: nothing to do until the path is known$/m)
  assert.ok(!out.includes('switches read'))
})

test('wrapPath breaks a long path only before a hop, never inside "(VLAN 10)"', () => {
  const path = 'sw1 Gi1/0/19 ── eth0 [br0, STP on, eth1 blocking] eth1 ── sw1 Gi1/0/20 (VLAN 10)'
  assert.deepEqual(wrapPath(path, 80, 2), ['  sw1 Gi1/0/19 ── eth0 [br0, STP on, eth1 blocking] eth1', '    ── sw1 Gi1/0/20 (VLAN 10)'])
  assert.deepEqual(wrapPath(path, 200, 2), [`  ${path}`])
})

test('without the plan (--apply prints its own), the trace ends at the evidence', () => {
  const text = renderLoopTrace(trace(), 80, {plan: false})
  assert.doesNotMatch(text, /^plan/m)
  assert.match(text, /^evidence/m)
})

test('a known path with nothing left to do says so', () => {
  const text = renderLoopTrace(trace({verdict: 'stp-blocked', plan: {node: [], switch: []}}), 80)
  assert.match(text, /^plan: nothing to do$/m)
})
