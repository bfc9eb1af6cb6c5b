/**
 * What the topology lab prints, read back by the parsers `loop trace` uses (src/parsers): the lab's
 * layer-2 answers must parse into exactly the cabling the topology file describes, in both dialects.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {test} from 'node:test'
import {FakeClock} from '../../../../src/lab/clock.js'
import {Device} from '../../../../src/lab/switch/device.js'
import * as ios from '../../../../src/lab/switch/show-ios.js'
import * as nxos from '../../../../src/lab/switch/show-nxos.js'
import {parseTopology} from '../../../../src/lab/switch/topology.js'
import {parseMacAddressTable} from '../../../../src/parsers/mac-address-table.js'
import {parseCdpNeighborsDetail, parseLldpNeighborsDetail} from '../../../../src/parsers/neighbors.js'
import {parseVlanBrief} from '../../../../src/parsers/vlan-brief.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..')
const FILE = 'test/fixtures/lab/two-switches.yaml'

function devices(): [Device, Device] {
  const r = parseTopology(readFileSync(resolve(REPO, FILE), 'utf8'), FILE)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return [new Device({topology: r.switches[0]!, clock: new FakeClock()}), new Device({topology: r.switches[1]!, clock: new FakeClock()})]
}

test('IOS-XE sw1: the MAC table of Gi1/0/19 parses to node1 eth0 and the VM behind it, in VLAN 10', () => {
  const [sw1] = devices()
  const rows = parseMacAddressTable(ios.showMacAddressTable(sw1, {ports: [sw1.port('Gi1/0/19')]}))
  assert.deepEqual(
    rows.map((r) => [r.vlan, r.mac, r.type, r.port]),
    [
      [10, '52:54:00:aa:bb:01', 'dynamic', 'GigabitEthernet1/0/19'],
      [10, '52:54:00:cc:dd:01', 'dynamic', 'GigabitEthernet1/0/19'],
    ],
  )
})

test('IOS-XE sw1: LLDP and CDP on Gi1/0/19 parse to node1 eth0 with its management address; the trunk to sw2 is a switch neighbour', () => {
  const [sw1] = devices()
  const lldp = parseLldpNeighborsDetail(ios.showLldpNeighborsDetail(sw1, [sw1.port('Gi1/0/19')]))
  assert.equal(lldp.length, 1)
  assert.equal(lldp[0]!.localPort, 'GigabitEthernet1/0/19')
  assert.equal(lldp[0]!.systemName, 'node1')
  assert.ok(lldp[0]!.portId === 'eth0' || lldp[0]!.portDescription === 'eth0', JSON.stringify(lldp[0]))
  assert.deepEqual(lldp[0]!.managementAddresses, ['192.0.2.21'])
  const cdp = parseCdpNeighborsDetail(ios.showCdpNeighborsDetail(sw1, [sw1.port('Gi1/0/19')]))
  assert.deepEqual(
    cdp.map((n) => [n.localPort, n.systemName, n.portId]),
    [['GigabitEthernet1/0/19', 'node1', 'eth0']],
  )
  const trunk = parseLldpNeighborsDetail(ios.showLldpNeighborsDetail(sw1, [sw1.port('Gi1/0/24')]))
  assert.deepEqual(
    trunk.map((n) => [n.localPort, n.systemName]),
    [['GigabitEthernet1/0/24', 'sw2']],
  )
  const vlans = parseVlanBrief(ios.showVlanBrief(sw1))
  assert.ok(vlans.find((v) => v.vlan === 10)?.ports.includes('GigabitEthernet1/0/19'), JSON.stringify(vlans))
})

test('NX-OS sw2: Eth1/20 parses to node1 eth1 (MAC table and LLDP), and VLAN 10 holds it', () => {
  const [, sw2] = devices()
  const opts = {platform: 'nxos' as const}
  const rows = parseMacAddressTable(nxos.showMacAddressTable(sw2, {ports: [sw2.port('Eth1/20')]}), opts)
  assert.deepEqual(
    rows.map((r) => [r.vlan, r.mac, r.port]),
    [[10, '52:54:00:aa:bb:02', 'Ethernet1/20']],
  )
  const lldp = parseLldpNeighborsDetail(nxos.showLldpNeighborsDetail(sw2, [sw2.port('Eth1/20')]), opts)
  assert.deepEqual(
    lldp.map((n) => [n.localPort, n.systemName]),
    [['Ethernet1/20', 'node1']],
  )
  const vlans = parseVlanBrief(nxos.showVlanBrief(sw2), opts)
  assert.ok(vlans.find((v) => v.vlan === 10)?.ports.includes('Ethernet1/20'), JSON.stringify(vlans))
})
