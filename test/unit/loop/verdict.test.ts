import {test} from 'node:test'
import assert from 'node:assert/strict'
import {drawPath, traceVerdict} from '../../../src/loop/verdict.js'
import type {Neighbor, NodeBridge, NodeSide, SwitchSide} from '../../../src/loop/types.js'

const ETH0 = '52:54:00:0e:00:00'
const ETH1 = '52:54:00:0e:00:01'

function lldp(localPort: string, systemName: string, portId: string, extra: Partial<Neighbor> = {}): Neighbor {
  return {protocol: 'lldp', localPort, systemName, portId, managementAddresses: [], ...extra}
}

/** sw1 Gi1/0/19 learned eth0's MAC, Gi1/0/20 (same VLAN 10) learned eth1's. */
function sw1(over: Partial<SwitchSide> = {}): SwitchSide {
  return {
    switch: 'sw1',
    port: 'GigabitEthernet1/0/19',
    vlans: [10],
    macs: [{vlan: 10, mac: ETH0, type: 'dynamic', port: 'GigabitEthernet1/0/19'}],
    neighbors: [],
    peers: [
      {
        port: 'GigabitEthernet1/0/20',
        vlans: [10],
        macs: [{vlan: 10, mac: ETH1, type: 'dynamic', port: 'GigabitEthernet1/0/20'}],
        neighbors: [],
      },
      {
        port: 'GigabitEthernet1/0/5',
        vlans: [10],
        macs: [{vlan: 10, mac: '00:50:56:00:00:05', type: 'dynamic', port: 'GigabitEthernet1/0/5'}],
        neighbors: [],
      },
    ],
    ...over,
  }
}

function br0(over: Partial<NodeBridge> = {}): NodeBridge {
  return {
    name: 'br0',
    stp: false,
    rstp: false,
    ports: [
      {name: 'br0', interfaces: ['br0'], bond: false},
      {name: 'eth0', interfaces: ['eth0'], bond: false},
      {name: 'eth1', interfaces: ['eth1'], bond: false},
    ],
    fdb: [],
    ...over,
  }
}

function node1(over: Partial<NodeSide> = {}): NodeSide {
  return {
    node: 'node1',
    nics: [
      {name: 'eth0', mac: ETH0, up: true, bridge: 'br0'},
      {name: 'eth1', mac: ETH1, up: true, bridge: 'br0'},
    ],
    bridges: [br0()],
    neighbors: [],
    lldp: false,
    ...over,
  }
}

test('two NICs of br0 with STP off facing Gi1/0/19 and Gi1/0/20 in VLAN 10: bridge-loop naming both switch ports', () => {
  const sw = sw1()
  const r = traceVerdict(sw, node1())
  assert.equal(r.verdict, 'bridge-loop')
  assert.deepEqual(
    r.links.map((l) => [l.switch, l.switchPort, l.nic, l.bridge, l.mac]),
    [
      ['sw1', 'GigabitEthernet1/0/19', 'eth0', 'br0', ETH0],
      ['sw1', 'GigabitEthernet1/0/20', 'eth1', 'br0', ETH1],
    ],
  )
  assert.deepEqual(r.links[0]?.evidence, [`sw1 Gi1/0/19 learned eth0's MAC ${ETH0} in VLAN 10`])
  assert.deepEqual(r.bridge, {name: 'br0', stp: false, rstp: false, ports: br0().ports})
  assert.ok(r.evidence.some((e) => /eth1 faces sw1 Gi1\/0\/20 \(VLAN 10\)/.test(e)))
  assert.ok(r.evidence.some((e) => /STP and RSTP off/.test(e)))
  assert.equal(r.plan.node[0], 'netops ovs stp on br0')
  assert.match(r.plan.node[1] ?? '', /bond eth0 and eth1 .* or remove eth1 from br0/)
  assert.deepEqual(r.plan.switch, ['netops switch fix-loop --host sw1 --port Gi1/0/19'])
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw1 Gi1/0/20 (VLAN 10)')
})

test('plan commands carry the flags that reach the node and the switch', () => {
  const r = traceVerdict(sw1(), node1(), {nodeFlags: '--host node1 --sudo', switchFlags: '--inventory switches.yaml --host sw1'})
  assert.equal(r.plan.node[0], 'netops ovs stp on br0 --host node1 --sudo')
  assert.deepEqual(r.plan.switch, ['netops switch fix-loop --inventory switches.yaml --host sw1 --port Gi1/0/19'])
})

test('the same with STP on and eth1 alternate/blocking: stp-blocked, switch-side fix only', () => {
  const bridge = br0({
    stp: true,
    ports: [
      {name: 'br0', interfaces: ['br0'], bond: false},
      {name: 'eth0', interfaces: ['eth0'], bond: false, role: 'root', state: 'forwarding'},
      {name: 'eth1', interfaces: ['eth1'], bond: false, role: 'alternate', state: 'blocking'},
    ],
  })
  const sw = sw1()
  const r = traceVerdict(sw, node1({bridges: [bridge]}))
  assert.equal(r.verdict, 'stp-blocked')
  assert.ok(r.evidence.some((e) => e === 'br0 STP on: port eth1 is alternate blocking: no loop'))
  assert.deepEqual(r.plan, {node: [], switch: ['netops switch fix-loop --host sw1 --port Gi1/0/19']})
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── eth0 [br0, STP on, eth1 blocking] eth1 ── sw1 Gi1/0/20 (VLAN 10)')
})

test('RSTP discarding counts as blocked', () => {
  const bridge = br0({
    rstp: true,
    ports: [
      {name: 'eth0', interfaces: ['eth0'], bond: false, role: 'root', state: 'forwarding'},
      {name: 'eth1', interfaces: ['eth1'], bond: false, role: 'alternate', state: 'discarding'},
    ],
  })
  assert.equal(traceVerdict(sw1(), node1({bridges: [bridge]})).verdict, 'stp-blocked')
})

test('STP on but every port forwarding (BPDUs filtered on the way): still a bridge-loop, said so', () => {
  const bridge = br0({
    stp: true,
    ports: [
      {name: 'eth0', interfaces: ['eth0'], bond: false, role: 'designated', state: 'forwarding'},
      {name: 'eth1', interfaces: ['eth1'], bond: false, role: 'designated', state: 'forwarding'},
    ],
  })
  const r = traceVerdict(sw1(), node1({bridges: [bridge]}))
  assert.equal(r.verdict, 'bridge-loop')
  assert.ok(r.evidence.some((e) => /blocks none of eth0, eth1/.test(e)))
})

test('eth0 and eth1 members of one OVS bond: bond, no loop', () => {
  const bridge = br0({ports: [{name: 'bond0', interfaces: ['eth0', 'eth1'], bond: true}]})
  const node = node1({
    nics: [
      {name: 'eth0', mac: ETH0, up: true, bridge: 'br0', bond: 'bond0'},
      {name: 'eth1', mac: ETH1, up: true, bridge: 'br0', bond: 'bond0'},
    ],
    bridges: [bridge],
  })
  const r = traceVerdict(sw1(), node)
  assert.equal(r.verdict, 'bond')
  assert.ok(r.evidence.some((e) => e === 'eth0 and eth1 are members of the OVS bond bond0 on br0: no loop'))
  assert.deepEqual(r.plan.node, [])
  assert.deepEqual(r.plan.switch, ['netops switch fix-loop --host sw1 --port Gi1/0/19'])
  assert.equal(drawPath(r, sw1()), 'sw1 Gi1/0/19 ── eth0 [br0 bond0, STP off] eth1 ── sw1 Gi1/0/20 (VLAN 10)')
})

test('one NIC linked: single-link, the keepalive test is fooled, switch-side fix only', () => {
  const node = node1({
    nics: [{name: 'eth0', mac: ETH0, up: true, bridge: 'br0'}],
    bridges: [br0({ports: [{name: 'eth0', interfaces: ['eth0'], bond: false}]})],
  })
  const sw = sw1()
  const r = traceVerdict(sw, node)
  assert.equal(r.verdict, 'single-link')
  assert.ok(r.evidence.some((e) => /keepalive test is fooled/.test(e)))
  assert.deepEqual(r.plan, {node: [], switch: ['netops switch fix-loop --host sw1 --port Gi1/0/19']})
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── eth0 [br0, STP off] (VLAN 10)')
})

test('a NIC in no OVS bridge: single-link', () => {
  const node = node1({nics: [{name: 'eth0', mac: ETH0, up: true}], bridges: []})
  const r = traceVerdict(sw1(), node)
  assert.equal(r.verdict, 'single-link')
  assert.equal(r.bridge, null)
  assert.ok(r.evidence.some((e) => /eth0 is in no OVS bridge/.test(e)))
})

test('second NIC on a second switch that shares the VLAN, found through LLDP: bridge-loop across switches', () => {
  const sw = sw1({
    macs: [],
    neighbors: [lldp('GigabitEthernet1/0/19', 'node1.lab.example', 'eth0')],
    peers: [
      {
        port: 'GigabitEthernet1/0/48',
        vlans: [10, 20],
        macs: [{vlan: 10, mac: ETH1, type: 'dynamic', port: 'GigabitEthernet1/0/48'}],
        neighbors: [lldp('GigabitEthernet1/0/48', 'sw2.lab.example', 'Gi1/0/1')],
      },
    ],
  })
  const node = node1({
    lldp: true,
    neighbors: [
      lldp('eth0', 'sw1.lab.example', 'Gi1/0/19'),
      lldp('eth1', 'sw2.lab.example', 'Gi1/0/7', {portDescription: 'GigabitEthernet1/0/7'}),
    ],
  })
  const r = traceVerdict(sw, node)
  assert.equal(r.verdict, 'bridge-loop')
  assert.deepEqual(
    r.links.map((l) => [l.switch, l.switchPort, l.nic]),
    [
      ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
      ['sw2.lab.example', 'GigabitEthernet1/0/7', 'eth1'],
    ],
  )
  assert.deepEqual(r.links[0]?.evidence, [
    'LLDP on sw1 Gi1/0/19: node1.lab.example port eth0',
    'LLDP on node1 eth0: sw1.lab.example port Gi1/0/19',
  ])
  assert.ok(
    r.evidence.some((e) => e === 'eth1 faces sw2.lab.example Gi1/0/7; sw2.lab.example is LLDP neighbour of sw1 Gi1/0/48 (VLAN 10,20)'),
    r.evidence.join('\n'),
  )
  assert.ok(!r.links.some((l) => l.switchPort === 'GigabitEthernet1/0/48'), 'a NIC MAC behind another switch is no direct link')
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw2.lab.example Gi1/0/7 (VLAN 10)')
})

test("the switch's own MAC in br0's fdb behind a second NIC is direct evidence of a path back", () => {
  const sw = sw1({peers: []})
  const node = node1({bridges: [br0({fdb: [{port: 'eth1', vlan: 0, mac: '00:1a:2b:3c:4d:13'}]})]})
  const r = traceVerdict(sw, node, {switchMacs: ['001A.2B3C.4D13']})
  assert.equal(r.verdict, 'bridge-loop')
  assert.ok(r.evidence.some((e) => e === "br0 learned the switch's MAC 00:1a:2b:3c:4d:13 on eth1: a path back to the switch"))
})

test("a host the switch learned in VLAN 10, in br0's fdb behind a second NIC: the NIC faces the same domain", () => {
  const sw = sw1({
    peers: [
      {
        port: 'GigabitEthernet1/0/5',
        vlans: [10],
        macs: [{vlan: 10, mac: '00:50:56:00:00:05', type: 'dynamic', port: 'GigabitEthernet1/0/5'}],
        neighbors: [],
      },
    ],
  })
  const node = node1({bridges: [br0({fdb: [{port: 'eth1', vlan: 0, mac: '00:50:56:00:00:05'}]})]})
  const r = traceVerdict(sw, node)
  assert.equal(r.verdict, 'bridge-loop')
  assert.ok(r.evidence.some((e) => e === 'br0 learned 00:50:56:00:00:05 on eth1; sw1 learned it on Gi1/0/5 (VLAN 10)'))
})

test('a second NIC facing a port in ANOTHER VLAN is not the same domain: single-link', () => {
  const sw = sw1({
    peers: [
      {
        port: 'GigabitEthernet1/0/20',
        vlans: [30],
        macs: [{vlan: 30, mac: ETH1, type: 'dynamic', port: 'GigabitEthernet1/0/20'}],
        neighbors: [],
      },
    ],
  })
  assert.equal(traceVerdict(sw, node1()).verdict, 'single-link')
})

test('nothing matching: unknown, saying what could not be seen, and an empty plan', () => {
  const sw = sw1({macs: [{vlan: 10, mac: '00:50:56:aa:bb:cc', type: 'dynamic', port: 'GigabitEthernet1/0/19'}], peers: []})
  const r = traceVerdict(sw, node1())
  assert.equal(r.verdict, 'unknown')
  assert.deepEqual(r.plan, {node: [], switch: []})
  assert.deepEqual(r.evidence, [
    'no NIC of node1 could be tied to sw1 Gi1/0/19',
    'sw1 Gi1/0/19 has no LLDP/CDP neighbour',
    'lldpd does not run on node1: its side of LLDP could not be seen',
    `none of the 1 MACs learned on Gi1/0/19 is a NIC MAC of node1 (eth0 ${ETH0}, eth1 ${ETH1})`,
  ])
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── ?')
})

test('a neighbour naming another system: unknown says so', () => {
  const sw = sw1({macs: [], peers: [], neighbors: [lldp('GigabitEthernet1/0/19', 'node9', 'eth0')]})
  const r = traceVerdict(sw, node1({lldp: true}))
  assert.equal(r.verdict, 'unknown')
  assert.ok(r.evidence.includes('the LLDP/CDP neighbour on Gi1/0/19 (node9) does not name node1 or its NICs'))
  assert.ok(r.evidence.includes("node1's LLDP neighbours do not include sw1"))
  assert.ok(r.evidence.includes('no MAC address learned on Gi1/0/19'))
})

test('the node could not be read: unknown with the reason, nothing planned', () => {
  const r = traceVerdict(sw1(), undefined, {nodeError: 'ssh: connect to node1: connection refused'})
  assert.deepEqual(r, {
    links: [],
    bridge: null,
    verdict: 'unknown',
    evidence: ['the node could not be read: ssh: connect to node1: connection refused'],
    plan: {node: [], switch: []},
  })
})

test('CDP neighbour whose port id is the NIC MAC links without naming the node', () => {
  const sw = sw1({
    macs: [],
    peers: [],
    neighbors: [
      {protocol: 'cdp', localPort: 'GigabitEthernet1/0/19', systemName: 'localhost', portId: ETH0.toUpperCase(), managementAddresses: []},
    ],
  })
  const r = traceVerdict(sw, node1())
  assert.equal(r.links[0]?.nic, 'eth0')
  assert.equal(r.verdict, 'single-link')
})

test("a VM MAC learned on the port, in br0's fdb on a VM port, with eth0 br0's only NIC: eth0 faces the port", () => {
  const sw = sw1({macs: [{vlan: 10, mac: '52:54:00:aa:00:01', type: 'dynamic', port: 'GigabitEthernet1/0/19'}], peers: []})
  const node = node1({
    nics: [{name: 'eth0', mac: ETH0, up: true, bridge: 'br0'}],
    bridges: [
      br0({
        ports: [
          {name: 'eth0', interfaces: ['eth0'], bond: false},
          {name: 'vnet0', interfaces: ['vnet0'], bond: false},
        ],
        fdb: [{port: 'vnet0', vlan: 0, mac: '52:54:00:aa:00:01'}],
      }),
    ],
  })
  const r = traceVerdict(sw, node)
  assert.equal(r.verdict, 'single-link')
  assert.deepEqual(r.links[0]?.evidence, [
    'sw1 Gi1/0/19 learned 52:54:00:aa:00:01 in VLAN 10, which br0 has on its port vnet0 (eth0 is its only NIC)',
  ])
})

test('a VM MAC on the port is not enough when br0 has two NICs: unknown', () => {
  const sw = sw1({macs: [{vlan: 10, mac: '52:54:00:aa:00:01', type: 'dynamic', port: 'GigabitEthernet1/0/19'}], peers: []})
  const node = node1({bridges: [br0({fdb: [{port: 'vnet0', vlan: 0, mac: '52:54:00:aa:00:01'}]})]})
  assert.equal(traceVerdict(sw, node).verdict, 'unknown')
})

test('a second NIC that is down forwards nothing: single-link, and the evidence says why', () => {
  const node = node1({
    nics: [
      {name: 'eth0', mac: ETH0, up: true, bridge: 'br0'},
      {name: 'eth1', mac: ETH1, up: false, bridge: 'br0'},
    ],
  })
  const r = traceVerdict(sw1(), node)
  assert.equal(r.verdict, 'single-link')
  assert.ok(r.evidence.some((e) => /but eth1 is down on node1/.test(e)))
})

test("cross-switch: the second switch's ports enter as peers of that switch, and its port facing eth1 closes the loop: bridge-loop", () => {
  const sw = sw1({
    peers: [
      {
        port: 'GigabitEthernet1/0/24',
        vlans: [10],
        macs: [],
        neighbors: [
          lldp('GigabitEthernet1/0/24', 'sw2', 'Ethernet1/1'),
          {
            protocol: 'cdp',
            localPort: 'GigabitEthernet1/0/24',
            systemName: 'sw2(FDO21120U5D)',
            portId: 'Ethernet1/1',
            managementAddresses: [],
          },
        ],
      },
      {
        switch: 'sw2',
        port: 'Ethernet1/20',
        vlans: [10],
        macs: [{vlan: 10, mac: ETH1, type: 'dynamic', port: 'Ethernet1/20'}],
        neighbors: [lldp('Ethernet1/20', 'node1', ETH1, {portDescription: 'eth1'})],
      },
    ],
  })
  const r = traceVerdict(sw, node1())
  assert.equal(r.verdict, 'bridge-loop')
  assert.deepEqual(
    r.links.map((l) => [l.switch, l.switchPort, l.nic]),
    [
      ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
      ['sw2', 'Ethernet1/20', 'eth1'],
    ],
  )
  assert.ok(r.evidence.includes('eth1 faces sw2 Eth1/20; sw2 is LLDP neighbour of sw1 Gi1/0/24 (VLAN 10)'), r.evidence.join('\n'))
  assert.equal(drawPath(r, sw), 'sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw2 Eth1/20 (VLAN 10)')
  assert.deepEqual(r.plan.switch, ['netops switch fix-loop --host sw1 --port Gi1/0/19'])
})

test('cross-switch with CDP only: the Device ID with its NX-OS serial still names the second switch', () => {
  const sw = sw1({
    peers: [
      {
        port: 'GigabitEthernet1/0/24',
        vlans: [10],
        macs: [],
        neighbors: [
          {
            protocol: 'cdp',
            localPort: 'GigabitEthernet1/0/24',
            systemName: 'sw2(FDO21120U5D)',
            portId: 'Ethernet1/1',
            managementAddresses: [],
          },
        ],
      },
      {
        switch: 'sw2',
        port: 'Ethernet1/20',
        vlans: [10],
        macs: [{vlan: 10, mac: ETH1, type: 'dynamic', port: 'Ethernet1/20'}],
        neighbors: [],
      },
    ],
  })
  const r = traceVerdict(sw, node1())
  assert.equal(r.verdict, 'bridge-loop')
  assert.ok(
    r.evidence.some((e) => e.startsWith('eth1 faces sw2 Eth1/20; sw2(FDO21120U5D) is CDP neighbour of sw1 Gi1/0/24')),
    r.evidence.join('\n'),
  )
})

test('an err-disabled traced port (nothing learned on it): its description naming the node and a NIC links it, said so', () => {
  const sw = sw1({macs: [], description: 'node1 eth0'})
  const r = traceVerdict(sw, node1())
  assert.equal(r.verdict, 'bridge-loop')
  assert.deepEqual(r.links[0]?.evidence, ['the description of sw1 Gi1/0/19 names eth0 ("node1 eth0"); nothing is learned on the port now'])
})

test('a description is not evidence when the port has learned something else, or names another node', () => {
  const other = sw1({
    macs: [{vlan: 10, mac: '00:50:56:00:00:99', type: 'dynamic', port: 'GigabitEthernet1/0/19'}],
    description: 'node1 eth0',
  })
  assert.equal(traceVerdict(other, node1()).verdict, 'unknown')
  assert.equal(traceVerdict(sw1({macs: [], description: 'node7 eth0'}), node1()).verdict, 'unknown')
})

test('--node local: the name the switches hear for the node (a neighbour whose port id is a NIC MAC) counts as its name', () => {
  const sw = sw1({
    macs: [],
    description: 'node1 eth0',
    peers: [
      {
        port: 'GigabitEthernet1/0/20',
        vlans: [10],
        macs: [{vlan: 10, mac: ETH1, type: 'dynamic', port: 'GigabitEthernet1/0/20'}],
        neighbors: [lldp('GigabitEthernet1/0/20', 'node1', ETH1)],
      },
    ],
  })
  const r = traceVerdict(sw, node1({node: 'buildhost'}), {nodeNames: ['buildhost.example']})
  assert.equal(r.verdict, 'bridge-loop')
  assert.deepEqual(
    r.links.map((l) => [l.switchPort, l.nic]),
    [
      ['GigabitEthernet1/0/19', 'eth0'],
      ['GigabitEthernet1/0/20', 'eth1'],
    ],
    "the traced port's link first",
  )
})
