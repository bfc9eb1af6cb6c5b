/**
 * The switch-side parsers of `netops loop trace` (issue 13) on real captures copied from
 * ntc-templates and genieparser: test/fixtures/<platform>/<command>/<case>.txt parses to <case>.json
 * in full; each folder names its sources in SOURCE.md. Then the quirks, one test each.
 */
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parseMacAddressTable} from '../../../src/parsers/mac-address-table.js'
import {normalizeMac} from '../../../src/parsers/mac.js'
import {parseCdpNeighborsDetail, parseLldpNeighborsDetail} from '../../../src/parsers/neighbors.js'
import {parseSwitchport, vlanListIncludes} from '../../../src/parsers/switchport.js'
import {parseVlanBrief} from '../../../src/parsers/vlan-brief.js'
import type {PlatformName} from '../../../src/platforms/types.js'
import {filesUnder, REPO_DIR} from '../../helpers/fixtures.js'

const PARSERS: Record<string, (text: string, options: {platform: PlatformName}) => unknown> = {
  'mac-address-table': parseMacAddressTable,
  'lldp-neighbors-detail': parseLldpNeighborsDetail,
  'cdp-neighbors-detail': parseCdpNeighborsDetail,
  'vlan-brief': parseVlanBrief,
  switchport: parseSwitchport,
}
const PLATFORMS: PlatformName[] = ['ios', 'nxos']
const FIXTURES = join(REPO_DIR, 'test', 'fixtures')

for (const platform of PLATFORMS) {
  for (const [command, parse] of Object.entries(PARSERS)) {
    const dir = join(FIXTURES, platform, command)
    describe(`${platform} ${command}: real captures parse to their expected JSON`, () => {
      const cases = existsSync(dir)
        ? readdirSync(dir)
            .filter((n) => n.endsWith('.txt'))
            .map((n) => n.slice(0, -4))
            .sort()
        : []
      test('at least three captures, each named in SOURCE.md', () => {
        assert.ok(cases.length >= 3, `${cases.length} captures in ${dir}`)
        const source = readFileSync(join(dir, 'SOURCE.md'), 'utf8')
        for (const c of cases) assert.match(source, new RegExp(`^\\| ${c} \\| \\S+/\\S+ \\| [0-9a-f]{40} \\| \\S+ \\|$`, 'm'), c)
      })
      for (const c of cases) {
        test(c, () => {
          const expected = JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as unknown
          const got = JSON.parse(JSON.stringify(parse(readFileSync(join(dir, `${c}.txt`), 'utf8'), {platform}))) as unknown
          assert.deepEqual(got, expected)
        })
      }
    })
  }
}

describe('normalizeMac', () => {
  test('dotted, colon and hyphen spellings become lower-case colon-separated', () => {
    assert.equal(normalizeMac('0050.56AB.cdef'), '00:50:56:ab:cd:ef')
    assert.equal(normalizeMac('00:61:75:F5:B5:FF'), '00:61:75:f5:b5:ff')
    assert.equal(normalizeMac('00-50-56-ab-cd-ef'), '00:50:56:ab:cd:ef')
  })
  test('anything else is not a MAC', () => {
    for (const s of ['Gi1/0/19', '502', '0050.56ab.cdef.01', '00:50-56:ab:cd:ef', '005056abcdef', ''])
      assert.equal(normalizeMac(s), null, s)
  })
})

describe('show mac address-table quirks', () => {
  const ios = [
    'Vlan    Mac Address       Type        Ports',
    '----    -----------       --------    -----',
    ' All    0100.0ccc.cccc    STATIC      CPU',
    '  10    5254.00aa.bb01    DYNAMIC     Gi1/0/19',
    '  10    0100.5e00.0001    STATIC      Gi1/0/20',
    'Total Mac Addresses for this criterion: 3',
  ].join('\n')
  test('IOS: `All` rows and group MACs are skipped; type lower-cased; port long', () => {
    assert.deepEqual(parseMacAddressTable(ios), [{vlan: 10, mac: '52:54:00:aa:bb:01', type: 'dynamic', port: 'GigabitEthernet1/0/19'}])
  })
  test('a prompt and command echo around the table are ignored', () => {
    assert.equal(parseMacAddressTable(`sw1#show mac address-table interface Gi1/0/19\n${ios}\nsw1#`).length, 1)
  })
  const nxos = [
    'Legend:',
    '        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC',
    '   VLAN     MAC Address      Type      age     Secure NTFY Ports',
    '---------+-----------------+--------+---------+------+----+------------------',
    '*   10     5254.00aa.bb01   dynamic  0         F      F    Eth1/19',
    '+   10     5254.00aa.bb02   dynamic  0         F      F    Po5',
    'G    -     5254.00aa.bb03   static   -         F      F    sup-eth1(R)',
    '  2000     5254.00aa.bb04   static   -         F      F    vPC Peer-Link(R)',
  ].join('\n')
  test('NX-OS: markers, `-` VLAN skipped, `vPC Peer-Link` kept whole, port-channel spelled the NX-OS way', () => {
    assert.deepEqual(parseMacAddressTable(nxos, {platform: 'nxos'}), [
      {vlan: 10, mac: '52:54:00:aa:bb:01', type: 'dynamic', port: 'Ethernet1/19'},
      {vlan: 10, mac: '52:54:00:aa:bb:02', type: 'dynamic', port: 'port-channel5'},
      {vlan: 2000, mac: '52:54:00:aa:bb:04', type: 'static', port: 'vPC Peer-Link(R)'},
    ])
  })
  test('IOS spelling of a port channel by default', () => {
    assert.equal(parseMacAddressTable(nxos)[1]?.port, 'Port-channel5')
  })
  test('empty output: no entries', () => {
    assert.deepEqual(parseMacAddressTable(''), [])
  })
})

describe('LLDP / CDP detail quirks', () => {
  test('IOS LLDP: `- not advertised` fields stay absent, indented management addresses collected', () => {
    const text = [
      '------------------------------------------------',
      'Local Intf: Gi1/0/19',
      'Chassis id: 5254.00aa.bb01',
      'Port id: 5254.00aa.bb01',
      'Port Description - not advertised',
      'System Name: node1',
      '',
      'System Description:',
      'Ubuntu 24.04 LTS Linux 6.8.0-31-generic #31-Ubuntu SMP x86_64',
      '',
      'Time remaining: 101 seconds',
      'Management Addresses:',
      '    IP: 192.0.2.11',
      '    IPV6: 2001:db8::11',
      'Vlan ID: - not advertised',
      '',
      'Total entries displayed: 1',
    ].join('\n')
    assert.deepEqual(parseLldpNeighborsDetail(text), [
      {
        protocol: 'lldp',
        localPort: 'GigabitEthernet1/0/19',
        chassisId: '52:54:00:aa:bb:01',
        portId: '52:54:00:aa:bb:01',
        systemName: 'node1',
        platform: 'Ubuntu 24.04 LTS Linux 6.8.0-31-generic #31-Ubuntu SMP x86_64',
        managementAddresses: ['192.0.2.11', '2001:db8::11'],
      },
    ])
  })
  test('NX-OS LLDP: `null` and `not advertised` values stay absent', () => {
    const text = [
      'Chassis id: 5254.00aa.bb01',
      'Port id: eth0',
      'Local Port id: Eth1/19',
      'Port Description: null',
      'System Name: null',
      'System Description: null',
      'Time remaining: 97 seconds',
      'Management Address: not advertised',
      'Management Address IPV6: not advertised',
      'Vlan ID: not advertised',
    ].join('\n')
    assert.deepEqual(parseLldpNeighborsDetail(text, {platform: 'nxos'}), [
      {protocol: 'lldp', localPort: 'Ethernet1/19', chassisId: '52:54:00:aa:bb:01', portId: 'eth0', managementAddresses: []},
    ])
  })
  test('CDP without any record: none', () => {
    assert.deepEqual(parseCdpNeighborsDetail('Total cdp entries displayed : 0'), [])
    assert.deepEqual(parseLldpNeighborsDetail('Total entries displayed: 0'), [])
  })
})

describe('show vlan brief quirks', () => {
  test('the table ends at the next header of `show vlan`; wrapped ports join their VLAN', () => {
    const text = [
      'VLAN Name                             Status    Ports',
      '---- -------------------------------- --------- -------------------------------',
      '10   servers                          active    Gi1/0/19, Gi1/0/20',
      '                                                Gi1/0/21',
      '20   empty                            active',
      '',
      'VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2',
      '---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------',
      '10   enet  100010     1500  -      -      -        -    -        0      0',
    ].join('\n')
    assert.deepEqual(parseVlanBrief(text), [
      {vlan: 10, name: 'servers', status: 'active', ports: ['GigabitEthernet1/0/19', 'GigabitEthernet1/0/20', 'GigabitEthernet1/0/21']},
      {vlan: 20, name: 'empty', status: 'active', ports: []},
    ])
  })
})

describe('switchport quirks', () => {
  test('a routed port is not a switchport and has no VLANs', () => {
    assert.deepEqual(parseSwitchport('Name: Gi0/0\nSwitchport: Disabled\n'), [
      {
        interface: 'GigabitEthernet0/0',
        switchport: false,
        adminMode: '',
        operationalMode: '',
        accessVlan: null,
        nativeVlan: null,
        trunkVlans: '',
      },
    ])
  })
  test('vlanListIncludes reads ALL, ranges, lists and none', () => {
    assert.ok(vlanListIncludes('ALL', 10))
    assert.ok(vlanListIncludes('1-4094', 4094))
    assert.ok(vlanListIncludes('1,12,31-36,40', 33))
    assert.ok(!vlanListIncludes('1,12,31-36,40', 37))
    assert.ok(!vlanListIncludes('none', 1))
    assert.ok(!vlanListIncludes('', 1))
  })
})

test('the loop parsers never throw: every fixture of the repository, whole and cut at fixed points, on both dialects', () => {
  const inputs = filesUnder(FIXTURES, '.txt').map((p) => readFileSync(p, 'utf8'))
  assert.ok(inputs.length >= 30)
  for (const [command, parse] of Object.entries(PARSERS)) {
    for (const text of inputs) {
      for (const platform of PLATFORMS) {
        for (const [a, b] of [
          [0, text.length],
          [Math.floor(text.length / 3), Math.floor((2 * text.length) / 3)],
          [7, text.length - 5],
        ] as const) {
          assert.doesNotThrow(() => parse(text.slice(a, b), {platform}), command)
        }
      }
    }
  }
})
