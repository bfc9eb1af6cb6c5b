import assert from 'node:assert/strict'
import {test} from 'node:test'
import {describeHeard, deviceName, isSwitchNeighbor, neighborSwitches, nodeCandidates, sameHost} from '../../../src/loop/identify.js'
import type {Neighbor, SwitchSide} from '../../../src/loop/types.js'

const n = (over: Partial<Neighbor>): Neighbor => ({protocol: 'lldp', localPort: 'GigabitEthernet1/0/19', managementAddresses: [], ...over})

const NODE_LLDP = n({
  systemName: 'node1',
  portId: '52:54:00:aa:bb:01',
  portDescription: 'eth0',
  platform: 'Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64',
})
const NODE_CDP = n({protocol: 'cdp', systemName: 'node1', portId: 'eth0', platform: 'Linux', managementAddresses: ['192.0.2.21']})
const SW2_LLDP = n({
  localPort: 'GigabitEthernet1/0/24',
  systemName: 'sw2',
  portId: 'Ethernet1/1',
  platform: 'Cisco Nexus Operating System (NX-OS) Software 9.3(8)',
})
const SW2_CDP = n({
  protocol: 'cdp',
  localPort: 'GigabitEthernet1/0/24',
  systemName: 'sw2(FDO21120U5D)',
  portId: 'Ethernet1/1',
  platform: 'N9K-C93180YC-EX',
})

test('isSwitchNeighbor: a network OS platform or a slot/port interface id is a switch; a Linux host with eth0 is not', () => {
  assert.equal(isSwitchNeighbor(SW2_LLDP), true)
  assert.equal(isSwitchNeighbor(SW2_CDP), true)
  assert.equal(isSwitchNeighbor(n({systemName: 'core', portId: 'Gi0/1'})), true, 'no platform, a Cisco port id')
  assert.equal(isSwitchNeighbor(NODE_LLDP), false)
  assert.equal(isSwitchNeighbor(NODE_CDP), false)
})

test('deviceName drops the serial NX-OS appends to a CDP Device ID; sameHost matches short and full names, addresses only themselves', () => {
  assert.equal(deviceName('sw2(FDO21120U5D)'), 'sw2')
  assert.equal(deviceName('sw2'), 'sw2')
  assert.equal(sameHost('node1.lab.example', 'NODE1'), true)
  assert.equal(sameHost('192.0.2.11', '192.0.2.12'), false)
  assert.equal(sameHost('192.0.2.11', '192.0.2.11'), true)
})

function side(): SwitchSide {
  return {
    switch: 'sw1',
    port: 'GigabitEthernet1/0/19',
    vlans: [10],
    macs: [],
    neighbors: [],
    peers: [
      {
        port: 'GigabitEthernet1/0/20',
        vlans: [10],
        macs: [],
        neighbors: [n({localPort: 'GigabitEthernet1/0/20', systemName: 'node1', portId: 'eth1'})],
      },
      {port: 'GigabitEthernet1/0/24', vlans: [10, 20], macs: [], neighbors: [SW2_CDP, SW2_LLDP]},
    ],
  }
}

test('nodeCandidates: the traced port first (LLDP before CDP), then the VLAN peers; switches left out', () => {
  const s = side()
  s.neighbors = [NODE_CDP, NODE_LLDP]
  assert.deepEqual(
    nodeCandidates(s).map((h) => describeHeard(h, true)),
    [
      'LLDP on sw1 Gi1/0/19: system name node1',
      'CDP on sw1 Gi1/0/19: system name node1, management address 192.0.2.21',
      'LLDP on sw1 Gi1/0/20: system name node1',
    ],
  )
})

test('neighborSwitches: one entry per switch (LLDP preferred over the CDP Device ID), with the VLANs it shares', () => {
  const got = neighborSwitches(side())
  assert.deepEqual(
    got.map((h) => [h.name, h.port, h.neighbor.protocol, h.vlans]),
    [['sw2', 'GigabitEthernet1/0/24', 'lldp', [10]]],
  )
})

test('neighborSwitches ignores ports already read from another switch (one level deep)', () => {
  const s = side()
  s.peers = [
    {
      port: 'Ethernet1/5',
      vlans: [10],
      macs: [],
      neighbors: [n({localPort: 'Ethernet1/5', systemName: 'sw3', portId: 'Gi1/0/1'})],
      switch: 'sw2',
    },
  ]
  assert.deepEqual(neighborSwitches(s), [])
})
