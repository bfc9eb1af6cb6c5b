/**
 * The topology lab's layer-2 renderers against the topology files, exact text for one port per dialect: IOS-XE
 * (ntc-templates cisco_ios_show_mac-address-table6, cisco_ios_show_lldp_neighbors_detail_01,
 * cisco_ios_show_cdp_neighbors_detail; genieparser iosxe ShowInterfacesSwitchport, ShowVlanBrief) and NX-OS
 * (genieparser nxos ShowMacAddressTable, ntc-templates cisco_nxos_show_lldp_neighbors_detail2, cisco_nxos_show_vlan).
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {test} from 'node:test'
import {FakeClock} from '../../../../src/lab/clock.js'
import {Device} from '../../../../src/lab/switch/device.js'
import * as ios from '../../../../src/lab/switch/show-ios.js'
import * as nxos from '../../../../src/lab/switch/show-nxos.js'
import {parseTopology, type SwitchTopology} from '../../../../src/lab/switch/topology.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..')

function topology(file: string): SwitchTopology[] {
  const r = parseTopology(readFileSync(resolve(REPO, file), 'utf8'), file)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.switches
}

function device(file: string, n = 0): Device {
  return new Device({topology: topology(file)[n]!, clock: new FakeClock()})
}

const text = (...lines: string[]): string => lines.join('\n') + '\n'

test('demo, IOS: Gi1/0/19 is err-disabled (loopback) and has learned nothing; Gi1/0/20 has node1 eth1 and the VM behind it', () => {
  const d = device('src/lab/switch/examples/loop-two-nics.yaml')
  const p19 = d.port('Gi1/0/19')
  assert.equal(d.status(p19), 'err-disabled')
  assert.equal(p19.errDisabled, 'loopback')
  assert.ok(d.log.some((e) => e.text === '%ETHCNTR-3-LOOP_BACK_DETECTED: Keepalive packet loop-back detected on GigabitEthernet1/0/19.'))
  assert.equal(
    ios.showMacAddressTable(d, {ports: [p19]}),
    text(
      '          Mac Address Table',
      '-------------------------------------------',
      '',
      'Vlan    Mac Address       Type        Ports',
      '----    -----------       --------    -----',
      'Total Mac Addresses for this criterion: 0',
    ),
  )
  assert.equal(
    ios.showMacAddressTable(d, {ports: [d.port('Gi1/0/20')]}),
    text(
      '          Mac Address Table',
      '-------------------------------------------',
      '',
      'Vlan    Mac Address       Type        Ports',
      '----    -----------       --------    -----',
      '  10    5254.00aa.bb02    DYNAMIC     Gi1/0/20',
      '  10    5254.00cc.dd01    DYNAMIC     Gi1/0/20',
      'Total Mac Addresses for this criterion: 2',
    ),
  )
  assert.equal(ios.showLldpNeighborsDetail(d, [p19]), text('', 'Total entries displayed: 0'))
  assert.equal(ios.showCdpNeighborsDetail(d), text('', 'Total cdp entries displayed : 0'))
  assert.equal(
    ios.showLldpNeighborsDetail(d, [d.port('Gi1/0/20')]),
    text(
      '------------------------------------------------',
      'Local Intf: Gi1/0/20',
      'Chassis id: 5254.00aa.bb01',
      'Port id: 5254.00aa.bb02',
      'Port Description: eth1',
      'System Name: node1',
      '',
      'System Description:',
      'Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64',
      '',
      'Time remaining: 107 seconds',
      'System Capabilities: B,R,S',
      'Enabled Capabilities: S',
      'Management Addresses:',
      '    IP: 192.0.2.21',
      'Auto Negotiation - supported, enabled',
      'Physical media capabilities:',
      '    1000baseT(FD)',
      '    100base-TX(FD)',
      '    100base-TX(HD)',
      '    10base-T(FD)',
      '    10base-T(HD)',
      'Media Attachment Unit type: 30',
      'Vlan ID: - not advertised',
      '',
      '',
      'Total entries displayed: 1',
    ),
  )
})

test('demo, IOS: after `no keepalive` and `no shutdown` the port learns node1 eth0 and hears it over LLDP', () => {
  const d = device('src/lab/switch/examples/loop-two-nics.yaml')
  d.setKeepalive('Gi1/0/19', null)
  d.setShutdown('Gi1/0/19', false)
  const p19 = d.port('Gi1/0/19')
  assert.equal(d.status(p19), 'connected')
  assert.match(ios.showMacAddressTable(d, {ports: [p19]}), /^ {2}10 {4}5254\.00aa\.bb01 {4}DYNAMIC {5}Gi1\/0\/19$/m)
  assert.match(ios.showLldpNeighborsDetail(d, [p19]), /^Port Description: eth0$/m)
})

test('IOS: show vlan brief lists access ports under their VLAN, wrapped at 79 columns, then 1002-1005', () => {
  const out = ios.showVlanBrief(device('src/lab/switch/examples/loop-two-nics.yaml'))
  const lines = out.split('\n')
  assert.equal(lines[1], 'VLAN Name                             Status    Ports')
  assert.equal(lines[2], '---- -------------------------------- --------- -------------------------------')
  assert.equal(lines[3], '1    default                          active    Gi1/0/1, Gi1/0/2, Gi1/0/3,')
  assert.ok(lines.includes('10   compute                          active    Gi1/0/19, Gi1/0/20'))
  assert.ok(lines.includes('1005 trnet-default                    act/unsup'))
  assert.ok(lines.every((l) => l.length <= 79))
})

test('IOS: show interfaces Gi1/0/19 switchport of the err-disabled access port', () => {
  const d = device('src/lab/switch/examples/loop-two-nics.yaml')
  const out = ios.showInterfacesSwitchport(d, d.port('Gi1/0/19'))
  assert.equal(
    out.split('\n').slice(0, 9).join('\n'),
    [
      'Name: Gi1/0/19',
      'Switchport: Enabled',
      'Administrative Mode: static access',
      'Operational Mode: down',
      'Administrative Trunking Encapsulation: dot1q',
      'Negotiation of Trunking: Off',
      'Access Mode VLAN: 10 (compute)',
      'Trunking Native Mode VLAN: 1 (default)',
      'Administrative Native VLAN tagging: enabled',
    ].join('\n'),
  )
  assert.match(out, /^Administrative private-vlan host-association: none $/m)
})

test('NX-OS: Eth1/20 learns node1 eth1 and hears it over LLDP; the trunk to sw1 hears sw1 over CDP', () => {
  const d = device('test/fixtures/lab/two-switches.yaml', 1)
  const p = d.port('Ethernet1/20')
  assert.equal(
    nxos.showMacAddressTable(d, {ports: [p]}),
    text(
      'Legend: ',
      '        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC',
      '        age - seconds since last seen,+ - primary entry using vPC Peer-Link,',
      '        (T) - True, (F) - False, C - ControlPlane MAC, ~ - vsan',
      '   VLAN     MAC Address      Type      age     Secure NTFY Ports',
      '---------+-----------------+--------+---------+------+----+------------------',
      '*   10     5254.00aa.bb02   dynamic  0         F      F    Eth1/20',
    ),
  )
  assert.equal(
    nxos.showLldpNeighborsDetail(d, [p]),
    text(
      'Capability codes:',
      '  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device',
      '  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other',
      'Device ID            Local Intf      Hold-time  Capability  Port ID  ',
      '',
      'Chassis id: 5254.00aa.bb01',
      'Port id: 5254.00aa.bb02',
      'Local Port id: Eth1/20',
      'Port Description: eth1',
      'System Name: node1',
      'System Description: Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64',
      'Time remaining: 97 seconds',
      'System Capabilities: B, R, S',
      'Enabled Capabilities: S',
      'Management Address: not advertised',
      'Management Address IPV6: not advertised',
      'Vlan ID: not advertised',
      '',
      'Total entries displayed: 1',
    ),
  )
  // node1 does not speak CDP on eth1: nothing; the switch cable does
  assert.equal(nxos.showCdpNeighborsDetail(d, [p]), '')
  const cdp = nxos.showCdpNeighborsDetail(d, [d.port('Ethernet1/1')])
  assert.match(cdp, /^Device ID:sw1$/m)
  assert.match(cdp, /^Interface: Ethernet1\/1, Port ID \(outgoing port\): GigabitEthernet1\/0\/24$/m)
  assert.match(nxos.showVlanBrief(d), /^10 {3}compute {26}active {4}Eth1\/20$/m)
})

test('IOS: the trunk to the NX-OS switch hears it over LLDP and CDP (Device ID with serial, Port id Ethernet1/1)', () => {
  const d = device('test/fixtures/lab/two-switches.yaml', 0)
  const up = d.port('Gi1/0/24')
  assert.match(ios.showLldpNeighborsDetail(d, [up]), /^Chassis id: 003a\.9c5b\.0000\nPort id: Ethernet1\/1\n/m)
  const cdp = ios.showCdpNeighborsDetail(d, [up])
  assert.match(cdp, /^Device ID: sw2\(FDO21120U5D\)$/m)
  assert.match(cdp, /^Interface: GigabitEthernet1\/0\/24, {2}Port ID \(outgoing port\): Ethernet1\/1$/m)
  assert.match(cdp, /\n\nTotal cdp entries displayed : 1\n$/)
  // a trunk teaches nothing by itself; the VLAN filter shows the node's NIC and the VM behind it
  assert.match(ios.showMacAddressTable(d, {vlan: 10}), /Total Mac Addresses for this criterion: 2\n$/)
})

test('a topology device survives its state file: cables, learned MACs, VLANs and identity come back', () => {
  const d = device('test/fixtures/lab/two-switches.yaml', 1)
  const again = new Device({state: JSON.parse(JSON.stringify(d.toJSON())) as ReturnType<Device['toJSON']>, clock: new FakeClock()})
  assert.equal(nxos.showLldpNeighborsDetail(again), nxos.showLldpNeighborsDetail(d))
  assert.equal(nxos.showMacAddressTable(again), nxos.showMacAddressTable(d))
  assert.equal(nxos.showVlanBrief(again), nxos.showVlanBrief(d))
  assert.equal(again.baseMac, '00:3a:9c:5b:00:00')
})
