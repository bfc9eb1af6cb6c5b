import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {
  fdbToPortNames,
  fillRolesFromShow,
  nicsOf,
  normalizeMac,
  parseFdbShow,
  parseIpLink,
  parseLldpctlJson,
  parseOvsTopology,
  readNodeFacts,
} from '../../../src/loop/node-facts.js'
import {FakeExecutor} from '../../helpers/ovs.js'
import {OvsDbUnreachableError} from '../../../src/errors.js'

// Real captures from OVS 3.1.0 (see test/fixtures/ovs/node/README.md).
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovs/node')
const fx = (f: string): string => readFileSync(join(dir, f), 'utf8')

test('normalizeMac lower-cases and colon-separates; non-MACs give undefined', () => {
  assert.equal(normalizeMac('00:1A:2B:3C:4D:00'), '00:1a:2b:3c:4d:00')
  assert.equal(normalizeMac('001a.2b3c.4d00'), '00:1a:2b:3c:4d:00')
  assert.equal(normalizeMac('00-1a-2b-3c-4d-00'), '00:1a:2b:3c:4d:00')
  assert.equal(normalizeMac('Gi1/0/19'), undefined)
  assert.equal(normalizeMac('eth0'), undefined)
  assert.equal(normalizeMac(undefined), undefined)
})

test('parseIpLink keeps ether links with their MAC and UP+LOWER_UP, drops loopback', () => {
  const links = parseIpLink(fx('ip-link-two-nics.json'))
  assert.ok(!links.some((l) => l.name === 'lo'))
  const eth0 = links.find((l) => l.name === 'eth0')
  assert.deepEqual(eth0, {name: 'eth0', mac: '52:54:00:0e:00:00', up: true, linkType: 'ether'})
  assert.equal(links.find((l) => l.name === 'eth1-p')?.mac, '00:1a:2b:3c:4d:14')
  assert.equal(links.find((l) => l.name === 'ovs-netdev')?.up, false)
})

test('parseOvsTopology: two NIC ports with STP off have no role/state; interfaces carry ofport and mac_in_use', () => {
  const t = parseOvsTopology(fx('vsctl-topology-two-nics-stp-off.json'))
  assert.deepEqual(t.bridges, [
    {
      name: 'br0',
      stp: false,
      rstp: false,
      ports: [
        {name: 'br0', interfaces: ['br0'], bond: false},
        {name: 'eth0', interfaces: ['eth0'], bond: false},
        {name: 'eth1', interfaces: ['eth1'], bond: false},
      ],
      fdb: [],
    },
  ])
  const eth1 = t.interfaces.find((i) => i.name === 'eth1')
  assert.deepEqual(eth1, {name: 'eth1', type: '', ofport: 2, mac: '52:54:00:0e:00:01', bridge: 'br0', port: 'eth1'})
  assert.equal(t.interfaces.find((i) => i.name === 'br0')?.type, 'internal')
})

test('parseOvsTopology: a bond port has both members and bond: true', () => {
  const t = parseOvsTopology(fx('vsctl-topology-bond.json'))
  const bond = t.bridges[0]?.ports.find((p) => p.name === 'bond0')
  assert.deepEqual(bond, {name: 'bond0', interfaces: ['eth2', 'eth3'], bond: true})
})

test('parseOvsTopology: STP roles and states come from Port.status (root forwarding, alternate blocking)', () => {
  const t = parseOvsTopology(fx('vsctl-topology-two-nics-stp-blocking.json'))
  assert.deepEqual(
    t.bridges.map((b) => b.name),
    ['br0', 'sw'],
  )
  const br0 = t.bridges[0]
  assert.equal(br0?.stp, true)
  assert.deepEqual(
    br0?.ports.map((p) => [p.name, p.role, p.state]),
    [
      ['br0', undefined, undefined],
      ['eth0', 'root', 'forwarding'],
      ['eth1', 'alternate', 'blocking'],
    ],
  )
})

test('parseOvsTopology: RSTP roles and states come from Port.rstp_status, lower-cased', () => {
  const t = parseOvsTopology(fx('vsctl-topology-two-nics-rstp-discarding.json'))
  const br0 = t.bridges.find((b) => b.name === 'br0')
  assert.equal(br0?.rstp, true)
  assert.equal(br0?.stp, false)
  const ports = br0?.ports.filter((p) => p.name !== 'br0').map((p) => [p.name, p.role, p.state])
  assert.deepEqual(ports, [
    ['eth0', 'root', 'forwarding'],
    ['eth1', 'alternate', 'discarding'],
  ])
})

test('fillRolesFromShow fills roles/states ovsdb lacked from stp/show text, never overwrites', () => {
  const t = parseOvsTopology(fx('vsctl-topology-two-nics-stp-off.json'))
  const br0 = t.bridges[0]
  assert.ok(br0)
  const eth0 = br0.ports.find((p) => p.name === 'eth0')
  assert.ok(eth0)
  eth0.role = 'designated'
  fillRolesFromShow(br0, fx('stp-show-br0-two-nics-blocking.txt'))
  assert.deepEqual(
    br0.ports.map((p) => [p.name, p.role, p.state]),
    [
      ['br0', undefined, undefined],
      ['eth0', 'designated', 'forwarding'],
      ['eth1', 'alternate', 'blocking'],
    ],
  )
})

test('parseFdbShow reads port number, VLAN, MAC and age; fdbToPortNames maps numbers through Interface.ofport', () => {
  const rows = parseFdbShow(fx('fdb-show-two-nics-stp-off.txt'))
  assert.deepEqual(rows, [
    {port: '1', vlan: 0, mac: '00:1a:2b:3c:4d:13', age: '1'},
    {port: '2', vlan: 0, mac: '00:1a:2b:3c:4d:14', age: '1'},
  ])
  const t = parseOvsTopology(fx('vsctl-topology-two-nics-stp-off.json'))
  assert.deepEqual(fdbToPortNames(rows, 'br0', t.interfaces), [
    {port: 'eth0', vlan: 0, mac: '00:1a:2b:3c:4d:13'},
    {port: 'eth1', vlan: 0, mac: '00:1a:2b:3c:4d:14'},
  ])
})

test('a MAC learned on a bond member maps to the bond port; LOCAL maps to the bridge; unknown numbers stay', () => {
  const t = parseOvsTopology(fx('vsctl-topology-bond.json'))
  const rows = parseFdbShow(fx('fdb-show-bond.txt'))
  const named = fdbToPortNames(rows, 'br0', t.interfaces)
  assert.deepEqual(
    named.map((r) => r.port),
    ['eth0', 'eth1', 'bond0'],
  )
  assert.deepEqual(
    fdbToPortNames(
      [
        {port: 'LOCAL', vlan: 0, mac: 'aa:aa:aa:aa:aa:aa', age: '3'},
        {port: '99', vlan: 5, mac: 'bb:bb:bb:bb:bb:bb', age: 'static'},
      ],
      'br0',
      t.interfaces,
    ),
    [
      {port: 'br0', vlan: 0, mac: 'aa:aa:aa:aa:aa:aa'},
      {port: '99', vlan: 5, mac: 'bb:bb:bb:bb:bb:bb'},
    ],
  )
})

test('nicsOf: NICs are ether links that are not OVS internal ports, with their bridge and bond', () => {
  const nics = nicsOf(parseIpLink(fx('ip-link-bond.json')), parseOvsTopology(fx('vsctl-topology-bond.json')))
  assert.ok(!nics.some((n) => n.name === 'br0' || n.name === 'ovs-netdev'))
  assert.deepEqual(
    nics.filter((n) => n.bridge !== undefined).map((n) => [n.name, n.bridge, n.bond]),
    [
      ['eth0', 'br0', undefined],
      ['eth1', 'br0', undefined],
      ['eth2', 'br0', 'bond0'],
      ['eth3', 'br0', 'bond0'],
    ],
  )
  assert.deepEqual(
    nics.find((n) => n.name === 'eth0-p'),
    {name: 'eth0-p', mac: '00:1a:2b:3c:4d:13', up: true},
  )
})

test('parseLldpctlJson: one neighbour (-f json, objects keyed by interface and system name)', () => {
  assert.deepEqual(parseLldpctlJson(fx('lldpctl-one-neighbor.json')), [
    {
      protocol: 'lldp',
      localPort: 'eth0',
      systemName: 'ns-2.example.com',
      chassisId: '00:00:00:00:00:02',
      managementAddresses: ['fe80::200:ff:fe00:2'],
      platform: 'Spectacular GNU/Linux 2016 Linux 4.4.0 #1 SMP x86_64',
      portId: '00:00:00:00:00:02',
      portDescription: 'eth1',
    },
  ])
})

test('parseLldpctlJson: -f json0 (arrays everywhere) gives the same neighbour', () => {
  assert.deepEqual(parseLldpctlJson(fx('lldpctl-json0-one-neighbor.json')), parseLldpctlJson(fx('lldpctl-one-neighbor.json')))
})

test('parseLldpctlJson: several neighbours (interface array), mgmt-ip list, first line of the description', () => {
  const n = parseLldpctlJson(fx('lldpctl-two-switches.json'))
  assert.deepEqual(
    n.map((x) => [x.localPort, x.systemName, x.chassisId, x.portId, x.portDescription]),
    [
      ['eth0', 'sw1.lab.example', '00:1a:2b:3c:4d:00', 'Gi1/0/19', 'GigabitEthernet1/0/19'],
      ['eth1', 'sw2.lab.example', '00:1a:2b:3c:5e:00', 'Gi1/0/7', 'GigabitEthernet1/0/7'],
    ],
  )
  assert.deepEqual(n[0]?.managementAddresses, ['192.0.2.11', '2001:db8::11'])
  assert.equal(n[0]?.platform, 'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4')
  assert.deepEqual(n[1]?.managementAddresses, ['192.0.2.12'])
})

test('parseLldpctlJson: no neighbour gives none', () => {
  assert.deepEqual(parseLldpctlJson(fx('lldpctl-no-neighbor.json')), [])
})

test('readNodeFacts runs ip, one ovs-vsctl read, fdb/show per bridge and lldpctl; lldpctl missing = lldp false', async () => {
  const exec = new FakeExecutor(
    [
      ['ip -j link', {stdout: fx('ip-link-two-nics.json')}],
      ['ovs-vsctl', {stdout: fx('vsctl-topology-two-nics-stp-off.json')}],
      ['fdb/show br0', {stdout: fx('fdb-show-two-nics-stp-off.txt')}],
      ['lldpctl', {exitCode: 127, stderr: 'lldpctl: command not found'}],
    ],
    'node1',
  )
  const side = await readNodeFacts(exec, {timeoutSec: 3})
  assert.equal(side.node, 'node1')
  assert.equal(side.lldp, false)
  assert.deepEqual(side.neighbors, [])
  assert.deepEqual(
    side.nics.filter((n) => n.bridge === 'br0').map((n) => [n.name, n.mac]),
    [
      ['eth0', '52:54:00:0e:00:00'],
      ['eth1', '52:54:00:0e:00:01'],
    ],
  )
  assert.deepEqual(side.bridges[0]?.fdb, [
    {port: 'eth0', vlan: 0, mac: '00:1a:2b:3c:4d:13'},
    {port: 'eth1', vlan: 0, mac: '00:1a:2b:3c:4d:14'},
  ])
  assert.deepEqual(exec.calls[1]?.slice(0, 3), ['ovs-vsctl', '--timeout=3', '--format=json'])
  assert.deepEqual(exec.calls.at(-1), ['lldpctl', '-f', 'json'])
})

test('readNodeFacts: lldpd running gives its neighbours; ovs-vswitchd down leaves the fdb empty', async () => {
  const exec = new FakeExecutor([
    ['ip -j link', {stdout: fx('ip-link-two-nics.json')}],
    ['ovs-vsctl', {stdout: fx('vsctl-topology-two-nics-stp-off.json')}],
    ['fdb/show', {exitCode: 1, stderr: 'ovs-appctl: cannot read pidfile "/run/openvswitch/ovs-vswitchd.pid" (No such file or directory)'}],
    ['lldpctl', {stdout: fx('lldpctl-two-switches.json')}],
  ])
  const side = await readNodeFacts(exec, {node: 'node1'})
  assert.equal(side.lldp, true)
  assert.equal(side.neighbors.length, 2)
  assert.deepEqual(side.bridges[0]?.fdb, [])
})

test('readNodeFacts: STP on and ovsdb without roles yet: roles come from ovs-appctl stp/show', async () => {
  const topo = fx('vsctl-topology-two-nics-stp-off.json').replace('["br0",false,false', '["br0",true,false')
  const exec = new FakeExecutor([
    ['ip -j link', {stdout: fx('ip-link-two-nics.json')}],
    ['ovs-vsctl', {stdout: topo}],
    ['stp/show', {stdout: fx('stp-show-br0-two-nics-blocking.txt')}],
    ['fdb/show', {stdout: ''}],
    ['lldpctl', {exitCode: 1, stderr: 'lldpctl: unable to connect to lldpd daemon'}],
  ])
  const side = await readNodeFacts(exec)
  assert.equal(side.bridges[0]?.stp, true)
  assert.deepEqual(
    side.bridges[0]?.ports.map((p) => [p.name, p.role, p.state]),
    [
      ['br0', undefined, undefined],
      ['eth0', 'root', 'forwarding'],
      ['eth1', 'alternate', 'blocking'],
    ],
  )
})

test('readNodeFacts: an unreachable ovsdb is the ovs layer typed error', async () => {
  const exec = new FakeExecutor([
    ['ip -j link', {stdout: fx('ip-link-two-nics.json')}],
    [
      'ovs-vsctl',
      {exitCode: 1, stderr: 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)'},
    ],
  ])
  await assert.rejects(readNodeFacts(exec), OvsDbUnreachableError)
})
