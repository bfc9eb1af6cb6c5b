import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {commandId, parserFor, type ParserId, type Platform} from '../../helpers/parser-registry.js'

describe('parserFor finds the parser from any abbreviation the device accepts', () => {
  const cases: [Platform, string, ParserId | null, string | null][] = [
    ['ios', 'show interfaces status', 'interfaces-status', null],
    ['ios', 'sh int status', 'interfaces-status', null],
    ['ios', 'sh int st', 'interfaces-status', null],
    ['ios', 'show interfaces Gi1/0/19 status', 'interfaces-status', 'Gi1/0/19'],
    ['ios', 'show interfaces GigabitEthernet 1/0/19 status', 'interfaces-status', 'GigabitEthernet1/0/19'],
    ['ios', 'show interfaces status err-disabled', 'interfaces-status-err-disabled', null],
    ['ios', 'sh int status err-d', 'interfaces-status-err-disabled', null],
    ['ios', 'show interfaces Gi1/0/19 status err-disabled', 'interfaces-status-err-disabled', 'Gi1/0/19'],
    ['ios', 'show errdisable recovery', 'errdisable-recovery', null],
    ['ios', 'sh errdis rec', 'errdisable-recovery', null],
    ['ios', 'show errdisable detect', 'errdisable-detect', null],
    ['ios', 'sh errd det', 'errdisable-detect', null],
    ['ios', 'show logging', 'logging', null],
    ['ios', 'show logging | include LOOP_BACK|ERR_DISABLE|ERR_RECOVER', 'logging', null],
    ['ios', 'sh log', 'logging', null],
    ['ios', 'show interfaces GigabitEthernet1/0/19', 'interfaces', 'GigabitEthernet1/0/19'],
    ['ios', 'sh int gi1/0/19', 'interfaces', 'gi1/0/19'],
    ['ios', 'show interfaces', 'interfaces', null],
    ['ios', 'show running-config interface GigabitEthernet1/0/19', 'running-config-interface', 'GigabitEthernet1/0/19'],
    ['ios', 'show run int Gi1/0/19', 'running-config-interface', 'Gi1/0/19'],
    ['ios', 'sh ru in Gi1/0/19', 'running-config-interface', 'Gi1/0/19'],
    ['ios', 'show version', 'version', null],
    ['ios', 'sh ver', 'version', null],
    ['nxos', 'show interface status', 'interfaces-status', null],
    ['nxos', 'show interface status err-disabled', 'interfaces-status-err-disabled', null],
    ['nxos', 'show interface Ethernet1/19', 'interfaces', 'Ethernet1/19'],
    ['nxos', 'show logging logfile', 'logging', null],
    ['nxos', 'show logging logfile | include ETHPORT', 'logging', null],
    ['nxos', 'show logging last 100', 'logging', null],
    ['nxos', 'show running-config interface Ethernet1/19', 'running-config-interface', 'Ethernet1/19'],
    ['nxos', 'sh errdisable recovery', 'errdisable-recovery', null],
    ['nxos', 'show version', 'version', null],
    // the layer-2 commands of `netops loop trace`, as src/platforms/{ios,nxos}.ts send them and abbreviated
    ['ios', 'show mac address-table', 'mac-address-table', null],
    ['ios', 'sh mac add', 'mac-address-table', null],
    ['ios', 'show mac address-table interface Gi1/0/19', 'mac-address-table', 'Gi1/0/19'],
    ['ios', 'sh mac add int GigabitEthernet 1/0/19', 'mac-address-table', 'GigabitEthernet1/0/19'],
    ['ios', 'show mac-address-table', 'mac-address-table', null],
    ['ios', 'sh mac-address-table interface Fa0/1', 'mac-address-table', 'Fa0/1'],
    ['ios', 'show lldp neighbors detail', 'lldp-neighbors-detail', null],
    ['ios', 'sh lld nei det', 'lldp-neighbors-detail', null],
    ['ios', 'show lldp neighbors Gi1/0/19 detail', 'lldp-neighbors-detail', 'Gi1/0/19'],
    ['ios', 'show cdp neighbors detail', 'cdp-neighbors-detail', null],
    ['ios', 'sh cd nei det', 'cdp-neighbors-detail', null],
    ['ios', 'show cdp neighbors GigabitEthernet1/0/19 detail', 'cdp-neighbors-detail', 'GigabitEthernet1/0/19'],
    ['ios', 'show vlan brief', 'vlan-brief', null],
    ['ios', 'sh vl br', 'vlan-brief', null],
    ['ios', 'show interfaces Gi1/0/19 switchport', 'switchport', 'Gi1/0/19'],
    ['ios', 'sh int sw', 'switchport', null],
    ['nxos', 'show mac address-table', 'mac-address-table', null],
    ['nxos', 'show mac address-table interface Ethernet1/19', 'mac-address-table', 'Ethernet1/19'],
    ['nxos', 'show lldp neighbors detail', 'lldp-neighbors-detail', null],
    ['nxos', 'show lldp neighbors interface Ethernet1/19 detail', 'lldp-neighbors-detail', 'Ethernet1/19'],
    ['nxos', 'sh lld nei int eth1/19 det', 'lldp-neighbors-detail', 'eth1/19'],
    ['nxos', 'show cdp neighbors detail', 'cdp-neighbors-detail', null],
    ['nxos', 'show cdp neighbors interface Ethernet1/19 detail', 'cdp-neighbors-detail', 'Ethernet1/19'],
    ['nxos', 'show vlan brief', 'vlan-brief', null],
    ['nxos', 'show interface Ethernet1/19 switchport', 'switchport', 'Ethernet1/19'],
  ]
  for (const [platform, command, id, intf] of cases) {
    test(`${platform}: "${command}" → ${id ?? 'no parser'}`, () => {
      const entry = parserFor(platform, command)
      assert.equal(entry?.id ?? null, id)
      assert.equal(entry?.interface ?? null, intf)
      assert.equal(typeof entry?.parse, 'function')
    })
  }

  test('commands without a parser, and abbreviations the device would reject, find none', () => {
    for (const c of ['show interfaces counters', 'show ip route', 'show run', 's int status', 'show in status', 'configure terminal', '']) {
      assert.equal(commandId('ios', c), null, c)
    }
    for (const c of [
      'show ma address-table',
      'show mac a',
      'show ll nei det',
      'show lldp ne det',
      'show lldp neighbors',
      'show c nei det',
      'show v br',
    ]) {
      assert.equal(commandId('ios', c), null, c)
    }
    // each platform's own spelling of the port-scoped neighbour commands
    assert.equal(commandId('nxos', 'show lldp neighbors Ethernet1/19 detail'), null)
    assert.equal(commandId('ios', 'show cdp neighbors interface Gi1/0/19 detail'), null)
  })

  test('the layer-2 parsers are bound to the platform (NX-OS spells port channels port-channel5)', () => {
    const row =
      'VLAN Name                             Status    Ports\n---- -------------------------------- --------- -------\n10   users                            active    Po5\n'
    assert.deepEqual(parserFor('nxos', 'sh vl br')?.parse(row), [{vlan: 10, name: 'users', status: 'active', ports: ['port-channel5']}])
    assert.deepEqual(parserFor('ios', 'sh vl br')?.parse(row), [{vlan: 10, name: 'users', status: 'active', ports: ['Port-channel5']}])
  })

  test('the returned parse function is the right one', () => {
    const entry = parserFor('ios', 'sh errdis rec')
    assert.ok(entry?.id === 'errdisable-recovery')
    assert.equal(entry.parse('Timer interval: 300 seconds').intervalSeconds, 300)
  })
})
