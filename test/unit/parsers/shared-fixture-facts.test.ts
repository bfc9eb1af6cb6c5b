/**
 * The facts ../shared/fixtures/*\/SOURCE.md and the reference notes cite about the real device
 * outputs, asserted directly (the golden JSON tests cover the rest of each parse).
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parseErrdisableRecovery} from '../../../src/parsers/errdisable.js'
import {parseShowInterfaces} from '../../../src/parsers/interfaces.js'
import {parseInterfacesStatus, parseInterfacesStatusErrDisabled} from '../../../src/parsers/interfaces-status.js'
import {parseRunningConfigInterface, parseRunningConfigInterfaces} from '../../../src/parsers/running-config.js'
import {detectPlatform, parseShowVersion} from '../../../src/parsers/version.js'
import {readShared, sharedFixturesSkip} from '../../helpers/fixtures.js'

const G = 'genieparser/'
const N = 'ntc-templates/'

describe('genieparser outputs: the facts SOURCE.md cites', {skip: sharedFixturesSkip()}, () => {
  test('IOS show errdisable recovery: loopback Disabled, Timer interval 333, Fa2/4 bpduguard 273 pending', () => {
    const r = parseErrdisableRecovery(readShared(G + 'ios/show_errdisable_recovery/golden_output_output.txt'))
    assert.equal(r.causes['loopback'], false)
    assert.equal(r.intervalSeconds, 333)
    assert.deepEqual(r.pending, [{interface: 'FastEthernet2/4', port: 'Fa2/4', reason: 'bpduguard', timeLeftSeconds: 273}])
    assert.equal(Object.keys(r.causes).length, 26)
    // Truncated cause names are kept as printed.
    assert.ok('evc-lite input mapping fa' in r.causes)
    assert.ok('Recovery command: "clear' in r.causes)
    assert.ok('channel-misconfig (STP)' in r.causes)
  })

  test('NX-OS show errdisable recovery with prompt echo, tabs and trailing blanks: lower-case disabled, Timer interval 300 without unit', () => {
    const r = parseErrdisableRecovery(readShared(G + 'nxos/show_errdisable_recovery/golden_output_1_output.txt'))
    assert.equal(r.causes['loopback'], false)
    assert.equal(r.intervalSeconds, 300)
    assert.deepEqual(r.pending, [])
    assert.equal(Object.keys(r.causes).length, 15)
    assert.ok(!Object.keys(r.causes).some((c) => /#/.test(c)), 'prompt lines are not causes')
    const r2 = parseErrdisableRecovery(readShared(G + 'nxos/show_errdisable_recovery/golden_output_2_output.txt'))
    assert.equal(r2.intervalSeconds, 300)
    assert.equal(r2.causes['CMM miscabling'], false)
    assert.equal(r2.causes['vlan-membership-erro'], false)
    assert.equal(Object.keys(r2.causes).length, 37)
  })

  test('IOS-XE 5-column err-disabled: 24 ports err-disabled for loopdetect (not loopback)', () => {
    const rows = parseInterfacesStatusErrDisabled(readShared(G + 'iosxe/show_interfaces_status_err-disabled/golden_output_output.txt'))
    assert.equal(rows.length, 24)
    assert.ok(rows.every((r) => r.status === 'err-disabled' && r.reason === 'loopdetect'))
    assert.equal(rows[0]?.interface, 'FiveGigabitEthernet1/7/0/1')
    assert.equal(rows[0]?.name, 'some descrip')
    assert.equal(rows[17]?.name, 'Hello World')
  })

  test('IOS-XE err-disabled with `Err-disabled Vlans` header: Te1/0/3 storm-control', () => {
    const rows = parseInterfacesStatusErrDisabled(readShared(G + 'iosxe/show_interfaces_status_err-disabled/golden_output_1_output.txt'))
    assert.deepEqual(
      rows.map((r) => [r.port, r.reason]),
      [['Te1/0/3', 'storm-control']],
    )
  })

  test('IOS-XE running-config of TenGigabitEthernet1/0/13 and 1/0/3 access ports has ` no keepalive`', () => {
    const a = parseRunningConfigInterface(readShared(G + 'iosxe/show_running-config_interface/golden_output16_output.txt'))
    assert.equal(a?.interface, 'TenGigabitEthernet1/0/13')
    assert.equal(a?.keepaliveDisabled, true)
    assert.equal(a?.shutdown, false)
    assert.equal(a?.description, 'EEDGE-MD')
    assert.ok(a?.lines.includes('switchport access vlan 881'))
    const b = parseRunningConfigInterface(readShared(G + 'iosxe/show_running-config_interface/golden_output_12_output.txt'))
    assert.equal(b?.interface, 'TenGigabitEthernet1/0/3')
    assert.equal(b?.keepaliveDisabled, true)
    assert.ok(
      b?.lines.every((l) => !l.includes('\r')),
      'CRLF removed',
    )
  })

  test('NX-OS running-config: three blocks after the prompt echo, and the unindented FEX port Ethernet104/1/23', () => {
    const blocks = parseRunningConfigInterfaces(readShared(G + 'nxos/show_running-config_interface/golden1_output.txt'))
    assert.deepEqual(
      blocks.map((b) => b.interface),
      ['Ethernet1/1', 'port-channel5', 'nve1'],
    )
    const fex = parseRunningConfigInterface(readShared(G + 'nxos/show_running-config_interface/golden2_output.txt'))
    assert.equal(fex?.interface, 'Ethernet104/1/23')
    assert.deepEqual(fex?.lines, ['description TEOFWP02 PAN-ESXi MGT', 'switchport access vlan 114', 'channel-group 147'])
  })

  test('IOS-XE show interfaces: FastEthernet1 down, line protocol down (err-disabled), Keepalive set (10 sec)', () => {
    const [fa1] = parseShowInterfaces(readShared(G + 'iosxe/show_interfaces/golden_interface_output_6_output.txt'))
    assert.equal(fa1?.interface, 'FastEthernet1')
    assert.equal(fa1?.errDisabled, true)
    assert.equal(fa1?.protocolDetail, 'err-disabled')
    assert.equal(fa1?.keepalive, true)
    assert.equal(fa1?.keepaliveSeconds, 10)
  })

  test('IOS-XE show version: C9300-24P on 17.6, and a 5-member WS-C3850-24P stack on 16.4', () => {
    const c9300 = parseShowVersion(readShared(G + 'iosxe/show_version/golden_output_c9300_output.txt'))
    assert.equal(c9300?.os, 'iosxe')
    assert.equal(c9300?.model, 'C9300-24P')
    assert.match(c9300?.version ?? '', /^17\.6\./)
    const c3850 = parseShowVersion(readShared(G + 'iosxe/show_version/golden_output_c3850_output.txt'))
    assert.equal(c3850?.os, 'iosxe')
    assert.equal(c3850?.hostname, 'R1')
    assert.equal(c3850?.stack.length, 5)
    assert.equal(c3850?.stack.filter((m) => m.active).length, 1)
    assert.match(c3850?.version ?? '', /^16\.4\./)
  })
})

describe('ntc-templates outputs: the facts the reference notes rely on', {skip: sharedFixturesSkip()}, () => {
  test('IOS status: Gi1/0/16 err-disabled and Gi1/0/19 present', () => {
    const rows = parseInterfacesStatus(readShared(N + 'cisco_ios/show_interfaces_status/cisco_ios_show_interfaces_status.raw'))
    assert.equal(rows.find((r) => r.port === 'Gi1/0/16')?.status, 'err-disabled')
    assert.ok(rows.some((r) => r.port === 'Gi1/0/19'))
  })

  test('NX-OS status: truncated notconnec / xcvrAbsen are normalised, raw kept', () => {
    const rows = parseInterfacesStatus(readShared(N + 'cisco_nxos/show_interface_status/cisco_nxos_show_interface_status.raw'))
    const e21 = rows.find((r) => r.port === 'Eth2/1')
    assert.equal(e21?.status, 'notconnect')
    assert.equal(e21?.statusRaw, 'notconnec')
    const e13 = rows.find((r) => r.port === 'Eth1/3')
    assert.equal(e13?.status, 'xcvr-absent')
    assert.equal(e13?.statusRaw, 'xcvrAbsen')
  })

  test('IOS 4-column err-disabled: reasons psecure-violation, bpduguard, loopback', () => {
    const rows = parseInterfacesStatusErrDisabled(
      readShared(N + 'cisco_ios/show_interfaces_status_err-disabled/cisco_ios_show_interfaces_status_err-disabled.raw'),
    )
    assert.deepEqual(
      rows.map((r) => r.reason),
      ['psecure-violation', 'bpduguard', 'loopback'],
    )
  })

  test('3750-style stack: copper FastEthernet1/0/x keepalive set (10 sec), SFP uplinks Gi1/0/1-4 keepalive not set', () => {
    const all = parseShowInterfaces(readShared(N + 'cisco_ios/show_interfaces/cisco_ios_show_interfaces2.raw'))
    const fast = all.filter((i) => i.interface.startsWith('FastEthernet1/0/'))
    assert.equal(fast.length, 48)
    assert.ok(fast.every((i) => i.keepalive === true && i.keepaliveSeconds === 10))
    const uplinks = all.filter((i) => /^GigabitEthernet1\/0\/[1-4]$/.test(i.interface))
    assert.equal(uplinks.length, 4)
    assert.ok(uplinks.every((i) => i.keepalive === false && i.keepaliveState === 'not-set'))
    assert.ok(all.filter((i) => i.interface.startsWith('Vlan')).every((i) => i.keepaliveState === 'not-supported'))
  })

  test('IOS-XE-class hardware: Keepalive set (10 sec) on TenGigabitEthernet1/1/x and TwentyFiveGigE2/0/x', () => {
    const four = parseShowInterfaces(readShared(N + 'cisco_ios/show_interfaces/cisco_ios_show_interfaces4.raw'))
    assert.ok(four.filter((i) => i.interface.startsWith('TenGigabitEthernet1/1/')).every((i) => i.keepalive === true))
    const six = parseShowInterfaces(readShared(N + 'cisco_ios/show_interfaces/cisco_ios_show_interfaces6.raw'))
    assert.equal(six.length, 4)
    assert.ok(six.every((i) => i.keepalive === true && i.adminState === 'down' && i.protocolDetail === 'disabled'))
  })

  test('NX-OS show interface: Ethernet ports print no keepalive line (keepalive null); a vfc is Error Disabled', () => {
    for (const n of [3, 4, 7]) {
      const ifs = parseShowInterfaces(readShared(`${N}cisco_nxos/show_interface/cisco_nxos_show_interface${n}.raw`))
      const eth = ifs.filter((i) => i.interface.startsWith('Ethernet'))
      assert.ok(eth.length > 0)
      assert.ok(
        eth.every((i) => i.keepalive === null),
        `file ${n}`,
      )
    }
    const ten = parseShowInterfaces(readShared(N + 'cisco_nxos/show_interface/cisco_nxos_show_interface10.raw'))
    const vfc = ten.find((i) => i.interface === 'vfc248')
    assert.equal(vfc?.errDisabled, true)
    assert.equal(vfc?.linkDetail, 'Error Disabled - VFC not bound')
  })

  test('detectPlatform tells IOS, IOS-XE and NX-OS show version apart', () => {
    for (const f of ['cisco_ios_show_version', 'cisco_ios_show_version1', 'cisco_ios_show_version5']) {
      assert.equal(detectPlatform(readShared(`${N}cisco_ios/show_version/${f}.raw`)), 'ios', f)
    }
    for (const f of ['cisco_nxos_show_version2', 'cisco_nxos_show_version4', 'cisco_nxos_show_version6']) {
      assert.equal(detectPlatform(readShared(`${N}cisco_nxos/show_version/${f}.raw`)), 'nxos', f)
    }
    for (const f of ['golden_output_c3850_output', 'golden_output_c9300_output']) {
      assert.equal(detectPlatform(readShared(`${G}iosxe/show_version/${f}.txt`)), 'ios', f)
    }
    assert.equal(parseShowVersion(readShared(N + 'cisco_ios/show_version/cisco_ios_show_version.raw'))?.os, 'ios')
    assert.equal(parseShowVersion(readShared(N + 'cisco_ios/show_version/cisco_ios_show_version1.raw'))?.os, 'iosxe')
  })
})
