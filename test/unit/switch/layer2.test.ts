import assert from 'node:assert/strict'
import {test} from 'node:test'
import type {InterfaceStatusRow} from '../../../src/parsers/interfaces-status.js'
import {neighborsOf, switchSideOf, type Layer2Facts} from '../../../src/switch/layer2.js'

const row = (port: string, iface: string, status: string, vlan: string, name = ''): InterfaceStatusRow => ({
  port,
  interface: iface,
  name,
  status,
  statusRaw: status,
  vlan,
  duplex: 'a-full',
  speed: 'a-1000',
  type: '10/100/1000BaseTX',
})

/** Gi1/0/19 (err-disabled, VLAN 10), Gi1/0/20 up in 10, Gi1/0/21 up in 20, Gi1/0/22 down in 10, Gi1/0/24 trunk allowing 10,20. */
function facts(): Layer2Facts {
  return {
    ports: [
      row('Gi1/0/19', 'GigabitEthernet1/0/19', 'err-disabled', '10', 'node1 eth0'),
      row('Gi1/0/20', 'GigabitEthernet1/0/20', 'connected', '10', 'node1 eth1'),
      row('Gi1/0/21', 'GigabitEthernet1/0/21', 'connected', '20'),
      row('Gi1/0/22', 'GigabitEthernet1/0/22', 'notconnect', '10'),
      row('Gi1/0/24', 'GigabitEthernet1/0/24', 'connected', 'trunk'),
    ],
    vlans: [
      {vlan: 1, name: 'default', status: 'active', ports: []},
      {vlan: 10, name: 'compute', status: 'active', ports: ['GigabitEthernet1/0/19', 'GigabitEthernet1/0/20', 'GigabitEthernet1/0/22']},
      {vlan: 20, name: 'storage', status: 'active', ports: ['GigabitEthernet1/0/21']},
      {vlan: 1002, name: 'fddi-default', status: 'act/unsup', ports: []},
    ],
    switchports: [
      {
        interface: 'GigabitEthernet1/0/24',
        switchport: true,
        adminMode: 'trunk',
        operationalMode: 'trunk',
        accessVlan: 1,
        nativeVlan: 1,
        trunkVlans: '10,20',
      },
    ],
    macs: [
      {vlan: 10, mac: '52:54:00:aa:bb:02', type: 'dynamic', port: 'GigabitEthernet1/0/20'},
      {vlan: 20, mac: '52:54:00:aa:bb:09', type: 'dynamic', port: 'GigabitEthernet1/0/21'},
    ],
    neighbors: [
      {protocol: 'lldp', localPort: 'GigabitEthernet1/0/20', systemName: 'node1', portId: '52:54:00:aa:bb:02', managementAddresses: []},
      {protocol: 'lldp', localPort: 'GigabitEthernet1/0/24', systemName: 'sw2', portId: 'Ethernet1/1', managementAddresses: ['192.0.2.12']},
    ],
    notes: [],
  }
}

test('switchSideOf: the port, its VLAN, and the other UP ports carrying it (access and trunk) with their MACs and neighbours', () => {
  const side = switchSideOf('sw1', facts(), 'GigabitEthernet1/0/19')
  assert.equal(side.switch, 'sw1')
  assert.deepEqual(side.vlans, [10])
  assert.deepEqual([side.macs, side.neighbors], [[], []], 'nothing is learned on an err-disabled port')
  assert.deepEqual(
    side.peers.map((p) => [p.port, p.vlans, p.macs.length, p.neighbors.map((n) => n.systemName), p.description]),
    [
      ['GigabitEthernet1/0/20', [10], 1, ['node1'], 'node1 eth1'],
      ['GigabitEthernet1/0/24', [10, 20], 0, ['sw2'], undefined],
    ],
    'Gi1/0/21 is in another VLAN, Gi1/0/22 is down',
  )
  assert.equal(side.description, 'node1 eth0')
})

test('switchSideOf with the VLANs a trunk shares and an uplink left out (the second switch of a cross-switch trace)', () => {
  const side = switchSideOf('sw2', facts(), 'GigabitEthernet1/0/24', {vlans: [20], except: ['GigabitEthernet1/0/24']})
  assert.deepEqual(side.vlans, [20])
  assert.deepEqual(
    side.peers.map((p) => p.port),
    ['GigabitEthernet1/0/21'],
  )
})

test('a trunk allowing ALL carries every active VLAN, not the 1002-1005 act/unsup ones', () => {
  const f = facts()
  f.switchports[0]!.trunkVlans = 'ALL'
  assert.deepEqual(switchSideOf('sw1', f, 'GigabitEthernet1/0/24').vlans, [1, 10, 20])
})

test('neighborsOf: "% LLDP is not enabled" / "% CDP is not enabled" is no neighbours, and a note says so', () => {
  const lldp = neighborsOf('lldp', {command: 'show lldp neighbors detail', output: '% LLDP is not enabled\n', failed: null}, 'sw1', false)
  assert.deepEqual(lldp, {neighbors: [], note: 'LLDP is not enabled on sw1: no LLDP neighbours'})
  const cdp = neighborsOf('cdp', {command: 'show cdp neighbors detail', output: '% CDP is not enabled\n', failed: null}, 'sw1', false)
  assert.deepEqual(cdp, {neighbors: [], note: 'CDP is not enabled on sw1: no CDP neighbours'})
})

test('neighborsOf: a refused command (NX-OS without feature lldp) is no neighbours with a note, not an error', () => {
  const r = neighborsOf(
    'lldp',
    {
      command: 'show lldp neighbors detail',
      output: "                  ^\n% Invalid command at '^' marker.\n",
      failed: "% Invalid command at '^' marker.",
    },
    'sw2',
    true,
  )
  assert.deepEqual(r.neighbors, [])
  assert.match(
    r.note ?? '',
    /^sw2 refused `show lldp neighbors detail` \(% Invalid command at '\^' marker\.\): no LLDP neighbours \(feature lldp off\?\)$/,
  )
})

test('neighborsOf parses the table when the protocol runs', () => {
  const output = [
    'Device ID: node1',
    'Entry address(es):',
    '  IP address: 192.0.2.21',
    'Platform: Linux,  Capabilities: Host',
    'Interface: GigabitEthernet1/0/19,  Port ID (outgoing port): eth0',
    'Holdtime : 133 sec',
    '',
    'Total cdp entries displayed : 1',
  ].join('\n')
  const r = neighborsOf('cdp', {command: 'show cdp neighbors detail', output, failed: null}, 'sw1', false)
  assert.equal(r.note, undefined)
  assert.deepEqual(
    r.neighbors.map((n) => [n.localPort, n.systemName, n.portId, n.managementAddresses]),
    [['GigabitEthernet1/0/19', 'node1', 'eth0', ['192.0.2.21']]],
  )
})
