/**
 * The lab topology file (src/lab/switch/topology.ts): the demo and a two-switch file resolve to ports, VLANs and
 * cables (switch-to-switch cables wired both ways); bad files give every problem at FILE:LINE:COLUMN.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {test} from 'node:test'
import {formatTopologyProblem, normalizeMac, parseTopology, type SwitchTopology} from '../../../../src/lab/switch/topology.js'

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..')
const DEMO = 'src/lab/switch/examples/loop-two-nics.yaml'
const TWO = 'test/fixtures/lab/two-switches.yaml'

function ok(file: string): SwitchTopology[] {
  const r = parseTopology(readFileSync(resolve(REPO, file), 'utf8'), file)
  if (!r.ok) assert.fail(r.errors.map(formatTopologyProblem).join('\n'))
  return r.switches
}

function problems(text: string): string[] {
  const r = parseTopology(text, 't.yaml')
  assert.equal(r.ok, false, 'expected the file to be rejected')
  return r.ok ? [] : r.errors.map(formatTopologyProblem)
}

test('the demo topology: node1 eth0 on Gi1/0/19 (err-disabled) and eth1 on Gi1/0/20, both in VLAN 10', () => {
  const [sw1, ...rest] = ok(DEMO)
  assert.equal(rest.length, 0)
  assert.equal(sw1!.hostname, 'sw1')
  assert.equal(sw1!.platform, 'ios')
  assert.equal(sw1!.baseMac, '70:35:09:52:2a:00')
  assert.deepEqual(sw1!.vlans, [
    {id: 1, name: 'default'},
    {id: 10, name: 'compute'},
  ])
  const [p19, p20] = sw1!.ports
  assert.equal(p19!.port, 'GigabitEthernet1/0/19')
  assert.equal(p19!.state, 'err-disabled')
  assert.equal(p19!.vlan, 10)
  assert.equal(p19!.description, 'node1 eth0')
  assert.deepEqual(p19!.far, {
    kind: 'node',
    node: 'node1',
    nic: 'eth0',
    mac: '52:54:00:aa:bb:01',
    lldp: true,
    cdp: false,
    systemName: 'node1',
    chassisMac: '52:54:00:aa:bb:01',
    mgmtAddress: '192.0.2.21',
    systemDescription: 'Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64',
  })
  assert.equal(p20!.port, 'GigabitEthernet1/0/20')
  assert.equal(p20!.state, 'up')
  // lldpd's chassis id is one per node: the first NIC's MAC, on both links
  assert.equal(p20!.far?.kind === 'node' && p20!.far.chassisMac, '52:54:00:aa:bb:01')
  assert.deepEqual(p20!.learned, [{mac: '52:54:00:cc:dd:01', vlan: 10}])
})

test('two switches: platform spellings, port numbers, MAC spellings; a switch cable is seen from both ends', () => {
  const [sw1, sw2] = ok(TWO)
  assert.equal(sw1!.platform, 'ios')
  assert.equal(sw2!.platform, 'nxos')
  const eth20 = sw2!.ports.find((p) => p.port === 'Ethernet1/20')
  assert.equal(eth20?.far?.kind === 'node' && eth20.far.mac, '52:54:00:aa:bb:02')
  assert.equal(eth20?.far?.kind === 'node' && eth20.far.chassisMac, '52:54:00:aa:bb:01')
  const up = sw1!.ports.find((p) => p.port === 'GigabitEthernet1/0/24')!
  assert.equal(up.mode, 'trunk')
  assert.deepEqual(up.trunkVlans, [10])
  assert.deepEqual(up.far, {
    kind: 'switch',
    switch: 'sw2',
    platform: 'nxos',
    port: 'Ethernet1/1',
    portShort: 'Ethernet1/1',
    portDescription: 'Ethernet1/1',
    lldp: true,
    cdp: true,
    chassisMac: '00:3a:9c:5b:00:00',
    mgmtAddress: '192.0.2.12',
    vlan: 1,
  })
  const back = sw2!.ports.find((p) => p.port === 'Ethernet1/1')!
  assert.equal(back.far?.kind === 'switch' && `${back.far.switch} ${back.far.portShort}`, 'sw1 Gi1/0/24')
})

test('MAC spellings: colon, dash, Cisco dotted and bare hex; anything else is refused', () => {
  assert.equal(normalizeMac('52:54:00:AA:BB:01'), '52:54:00:aa:bb:01')
  assert.equal(normalizeMac('52-54-00-aa-bb-01'), '52:54:00:aa:bb:01')
  assert.equal(normalizeMac('5254.00aa.bb01'), '52:54:00:aa:bb:01')
  assert.equal(normalizeMac('525400aabb01'), '52:54:00:aa:bb:01')
  assert.equal(normalizeMac('52:54:00:aa:bb'), undefined)
  assert.equal(normalizeMac('5254.00aa.bb0g'), undefined)
})

test('bad values are reported at their line:column with the key path', () => {
  const text = [
    'switches:',
    '  - hostname: sw1',
    '    platform: junos',
    '    ssh_port: twenty-two',
    '    ports:',
    '      Gi1/0/19:',
    '        vlan: 5000',
    '        state: flapping',
    "        cable: {node: node1, nic: eth0, mac: '52:54:00:zz:bb:01'}",
    '',
  ].join('\n')
  assert.deepEqual(problems(text), [
    't.yaml:3:15: switches[0].platform: expected a platform (ios or nxos), got "junos"',
    't.yaml:4:15: switches[0].ssh_port: expected a port number (1-65535), got "twenty-two"',
    't.yaml:7:15: switches[0].ports.Gi1/0/19.vlan: expected a VLAN number (1-4094), got 5000',
    't.yaml:8:16: switches[0].ports.Gi1/0/19.state: expected one of up, down, shutdown, err-disabled, got "flapping"',
  ])
})

test('unknown ports, keys, switches and cable fields are reported where they are written', () => {
  const text = [
    'switches:',
    '  - hostname: sw1',
    '    colour: blue',
    '    ports:',
    '      Gi1/0/99: {vlan: 10}',
    '      Gi1/0/19:',
    "        cable: {node: node1, nic: eth0, mac: '52:54:00:zz:bb:01', speed: 10}",
    '      Gi1/0/20: {cable: {switch: sw9, port: Eth1/1}}',
    '',
  ].join('\n')
  assert.deepEqual(problems(text), ['t.yaml:3:5: switches[0].colour: unknown key `colour`'])
  const text2 = text.replace('    colour: blue\n', '')
  assert.deepEqual(problems(text2), [
    't.yaml:4:7: switches[0].ports.Gi1/0/99: no port `Gi1/0/99` on a WS-C3850-48P (Gi1/0/1-48, Te1/1/1-4)',
    't.yaml:6:46: switches[0].ports.Gi1/0/19.cable.mac: expected a MAC address (52:54:00:aa:bb:01 or 5254.00aa.bb01), got "52:54:00:zz:bb:01"',
    't.yaml:6:67: switches[0].ports.Gi1/0/19.cable.speed: unknown key `speed`',
    't.yaml:7:34: switches[0].ports.Gi1/0/20.cable.switch: no switch `sw9` in this file',
  ])
})

test('a hostname twice, a port named twice, YAML syntax errors', () => {
  assert.deepEqual(problems(['switches:', '  - hostname: sw1', '    ports: {19: {}, Gi1/0/19: {}}', '  - hostname: sw1', ''].join('\n')), [
    't.yaml:3:21: switches[0].ports.Gi1/0/19: port `Gi1/0/19` is the same port as `19`',
    't.yaml:4:15: switches[1].hostname: hostname `sw1` is used twice',
  ])
  assert.match(problems('switches:\n  - hostname: sw1\n   ports: {\n')[0]!, /^t\.yaml:\d+:\d+: YAML: /)
  assert.deepEqual(problems('switches: []\n'), ['t.yaml:1:11: switches: the `switches:` list is empty'])
})
