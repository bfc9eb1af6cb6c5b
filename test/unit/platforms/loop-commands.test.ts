/** The show commands `netops loop trace` sends, per dialect (issue 13). Callers pass the long interface name. */
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {PLATFORMS} from '../../../src/platforms/index.js'

test('IOS: interface right after the neighbour keyword', () => {
  const c = PLATFORMS.ios.commands
  assert.equal(c.macAddressTable('GigabitEthernet1/0/19'), 'show mac address-table interface GigabitEthernet1/0/19')
  assert.equal(c.lldpNeighborsDetail('GigabitEthernet1/0/19'), 'show lldp neighbors GigabitEthernet1/0/19 detail')
  assert.equal(c.cdpNeighborsDetail('GigabitEthernet1/0/19'), 'show cdp neighbors GigabitEthernet1/0/19 detail')
  assert.equal(c.switchport('GigabitEthernet1/0/19'), 'show interfaces GigabitEthernet1/0/19 switchport')
  assert.equal(c.vlanBrief, 'show vlan brief')
  assert.deepEqual(
    [c.macAddressTable(), c.lldpNeighborsDetail(), c.cdpNeighborsDetail()],
    ['show mac address-table', 'show lldp neighbors detail', 'show cdp neighbors detail'],
    'no interface: the whole table, one read for every port',
  )
})

test('NX-OS: the `interface` keyword before the interface', () => {
  const c = PLATFORMS.nxos.commands
  assert.equal(c.macAddressTable('Ethernet1/19'), 'show mac address-table interface Ethernet1/19')
  assert.equal(c.lldpNeighborsDetail('Ethernet1/19'), 'show lldp neighbors interface Ethernet1/19 detail')
  assert.equal(c.cdpNeighborsDetail('Ethernet1/19'), 'show cdp neighbors interface Ethernet1/19 detail')
  assert.equal(c.switchport('Ethernet1/19'), 'show interface Ethernet1/19 switchport')
  assert.equal(c.vlanBrief, 'show vlan brief')
  assert.deepEqual(
    [c.macAddressTable(), c.lldpNeighborsDetail(), c.cdpNeighborsDetail()],
    ['show mac address-table', 'show lldp neighbors detail', 'show cdp neighbors detail'],
    'no interface: the whole table, one read for every port',
  )
})
