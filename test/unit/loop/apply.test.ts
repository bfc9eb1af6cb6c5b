import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {applySummary, loopedPorts, stpAlternatives} from '../../../src/loop/apply.js'
import type {ApplyTrace} from '../../../src/loop/apply.js'

const link = (nic: string, switchPort: string, bridge = 'br0') => ({
  switch: 'sw1',
  switchPort,
  nic,
  bridge,
  mac: '52:54:00:aa:bb:01',
  evidence: [],
})

function trace(over: Partial<ApplyTrace> = {}): ApplyTrace {
  return {
    switch: 'sw1',
    port: 'GigabitEthernet1/0/19',
    node: 'node1',
    links: [link('eth0', 'GigabitEthernet1/0/19'), link('eth1', 'GigabitEthernet1/0/20')],
    bridge: {
      name: 'br0',
      stp: false,
      rstp: false,
      ports: [
        {name: 'br0', interfaces: ['br0'], bond: false},
        {name: 'eth0', interfaces: ['eth0'], bond: false},
        {name: 'eth1', interfaces: ['eth1'], bond: false},
      ],
    },
    verdict: 'bridge-loop',
    evidence: [],
    plan: {node: [], switch: []},
    ...over,
  }
}

describe('loop apply: pure parts', () => {
  test('loopedPorts: the OVS ports holding the linked NICs of the bridge, a bond once', () => {
    assert.deepEqual(loopedPorts(trace()), ['eth0', 'eth1'])
    const bonded = trace({
      bridge: {name: 'br0', stp: false, rstp: false, ports: [{name: 'bond0', interfaces: ['eth0', 'eth1'], bond: true}]},
    })
    assert.deepEqual(loopedPorts(bonded), ['bond0'])
    assert.deepEqual(loopedPorts(trace({links: [link('eth0', 'Gi1/0/19'), link('eth2', 'Gi1/0/21', 'br1')]})), ['eth0'])
    assert.deepEqual(loopedPorts(trace({bridge: null})), [])
  })

  test('stpAlternatives: bond the NICs or remove the others, only for a bridge loop', () => {
    const alt = stpAlternatives(trace())
    assert.equal(alt.length, 2)
    assert.match(alt[0] ?? '', /^bond eth0 and eth1 into one OVS bond port .*add-bond br0 bond0 eth0 eth1\).*port-channel/)
    assert.equal(alt[1], 'or remove eth1 from br0 (ovs-vsctl del-port br0 eth1)')
    assert.deepEqual(stpAlternatives(trace({verdict: 'single-link'})), [])
    // the traced port's NIC is kept whatever order the links came in
    const swapped = trace({links: [link('eth1', 'GigabitEthernet1/0/20'), link('eth0', 'GigabitEthernet1/0/19')]})
    assert.equal(stpAlternatives(swapped)[1], 'or remove eth1 from br0 (ovs-vsctl del-port br0 eth1)')
  })

  test('applySummary: one line for a run cut short, node part then switch part', () => {
    const nodeDone = 'STP turned on for br0 on node1 (it stays on)'
    assert.equal(
      applySummary({node: 'node1', step: 'node', nodeDone, switch: null}),
      'interrupted: STP turned on for br0 on node1 (it stays on); nothing applied on the switch',
    )
    assert.equal(
      applySummary({
        node: 'node1',
        step: 'switch',
        nodeDone,
        switch: {
          host: 'sw1',
          interface: 'Gi1/0/19',
          plan: ['interface Gi1/0/19', 'no keepalive', 'exit'],
          applied: ['interface Gi1/0/19'],
          saved: false,
        },
      }),
      'interrupted: STP turned on for br0 on node1 (it stays on); applied 1 of 3 lines on sw1 (interface Gi1/0/19); not saved',
    )
  })
})
