import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parse} from 'yaml'
import {buildEc2, ec2, EC2_VERSIONS} from '../../../../src/metadata/flavors/ec2.js'
import {buildOpenstack, openstack, OPENSTACK_VERSIONS} from '../../../../src/metadata/flavors/openstack.js'
import {buildNocloud, nocloud} from '../../../../src/metadata/flavors/nocloud.js'
import {buildCloudstack, cloudstack} from '../../../../src/metadata/flavors/cloudstack.js'
import {custom} from '../../../../src/metadata/flavors/custom.js'
import type {Documents} from '../../../../src/metadata/flavors/common.js'
import {KEY, sampleInstances} from '../../../helpers/metadata.js'

const [waf, ips, bare] = sampleInstances() as [
  ReturnType<typeof sampleInstances>[0],
  ReturnType<typeof sampleInstances>[0],
  ReturnType<typeof sampleInstances>[0],
]
const body = (r: {body: string | Buffer}) => r.body.toString()

/** Walk every listing of a tree like cloud-init's crawler and return each fetched path. */
function crawl(docs: Documents, dir: string): string[] {
  const seen: string[] = []
  const r = docs.get(dir)
  assert.ok(r && r.status === 200, `${dir} must be served`)
  for (const line of body(r).split('\n').filter(Boolean)) {
    const key = /^(\d+)=/.exec(line)
    const path = line.endsWith('/') ? dir + line : key ? `${dir}${key[1]}/openssh-key` : dir + line
    if (line.endsWith('/')) seen.push(...crawl(docs, path))
    else {
      const leaf = docs.get(path)
      assert.ok(leaf, `listed ${path} must be served`)
      assert.equal(leaf.status, 200, `listed ${path} must be 200`)
      seen.push(path)
    }
  }
  return seen
}

test('ec2: / lists every version and each version tree crawls with no listed entry missing', () => {
  for (const instance of [waf, ips, bare]) {
    const docs = buildEc2(instance)
    assert.equal(body(ec2(instance, '/')), EC2_VERSIONS.join('\n'))
    for (const v of EC2_VERSIONS) {
      const leaves = crawl(docs, `/${v}/meta-data/`)
      assert.ok(leaves.includes(`/${v}/meta-data/instance-id`))
    }
  }
})

test('ec2: directories answer with and without the trailing slash; leaves only without', () => {
  for (const p of ['/latest/meta-data', '/2009-04-04/meta-data/placement', '/latest/meta-data/public-keys']) {
    assert.equal(ec2(waf, p).status, 200, p)
    assert.equal(body(ec2(waf, p)), body(ec2(waf, p + '/')), p)
  }
  assert.equal(ec2(waf, '/latest/meta-data/instance-id').status, 200)
  assert.equal(ec2(waf, '/latest/meta-data/instance-id/').status, 404)
})

test('ec2: the documented leaves carry the record', () => {
  const v = '/2021-03-23/meta-data/'
  assert.equal(body(ec2(waf, v + 'instance-id')), 'waf-01')
  assert.equal(body(ec2(waf, v + 'local-hostname')), 'waf-01')
  assert.equal(body(ec2(waf, v + 'hostname')), 'waf-01')
  assert.equal(body(ec2(waf, v + 'local-ipv4')), '127.0.0.23')
  assert.equal(body(ec2(waf, v + 'mac')), '52:54:00:00:00:01')
  assert.equal(body(ec2(waf, v + 'placement/availability-zone')), 'nova')
  assert.equal(body(ec2(waf, v + 'public-keys/')), '0=ops@bastion')
  assert.equal(body(ec2(waf, v + 'public-keys/0/openssh-key')), KEY)
  assert.equal(body(ec2(waf, v + 'network/interfaces/macs/')), '52:54:00:00:00:01/\n52:54:00:00:01:01/\n52:54:00:00:02:01/')
  const inside = v + 'network/interfaces/macs/52:54:00:00:01:01/'
  assert.equal(body(ec2(waf, inside + 'local-ipv4s')), '10.1.0.5')
  assert.equal(body(ec2(waf, inside + 'ipv6s')), 'fd00:1::5')
  assert.equal(body(ec2(waf, inside + 'subnet-ipv4-cidr-block')), '10.1.0.0/24')
  assert.equal(body(ec2(waf, inside + 'subnet-ipv6-cidr-blocks')), 'fd00:1::/64')
  assert.equal(body(ec2(waf, inside + 'device-number')), '1')
  // the inline port has no address: its address leaves are not listed (and so never 404 while listed)
  assert.doesNotMatch(body(ec2(waf, v + 'network/interfaces/macs/52:54:00:00:02:01/')), /local-ipv4s/)
})

test('ec2: user-data is raw, and 404 (not listed) when the VM has none', () => {
  const r = ec2(waf, '/latest/user-data')
  assert.equal(r.status, 200)
  assert.equal(body(r), '#!/bin/sh\necho "waf-01 ready in b12" > /etc/motd\n')
  assert.equal(r.contentType, 'application/octet-stream')
  assert.equal(ec2(bare, '/latest/user-data').status, 404)
  assert.equal(body(ec2(bare, '/latest/')), 'dynamic/\nmeta-data/')
  assert.equal(body(ec2(waf, '/latest/')), 'dynamic/\nmeta-data/\nuser-data')
})

test('ec2: dynamic/instance-identity lists only the document, a JSON identity of the VM', () => {
  assert.equal(body(ec2(waf, '/2021-03-23/dynamic/instance-identity')), 'document')
  assert.equal(body(ec2(waf, '/2021-03-23/dynamic/instance-identity/')), 'document')
  const doc = JSON.parse(body(ec2(waf, '/latest/dynamic/instance-identity/document'))) as Record<string, unknown>
  assert.equal(doc['instanceId'], 'waf-01')
  assert.equal(doc['availabilityZone'], 'nova')
  assert.equal(doc['privateIp'], '127.0.0.23')
  assert.equal(ec2(waf, '/latest/dynamic/instance-identity/pkcs7').status, 404)
  crawl(buildEc2(waf), '/2016-09-02/dynamic/')
})

test('ec2: a VM without keys or NICs lists neither public-keys nor network', () => {
  const listing = body(ec2(bare, '/latest/meta-data/'))
  assert.doesNotMatch(listing, /public-keys|network|mac/)
  assert.equal(ec2(bare, '/latest/meta-data/public-keys/').status, 404)
})

test('ec2: unknown paths are 404, never 5xx', () => {
  for (const p of [
    '/nope',
    '/2010-01-01/meta-data/',
    '/latest/meta-data/iam/security-credentials/',
    '/latest/dynamic/fws/instance-monitoring',
  ]) {
    assert.equal(ec2(waf, p).status, 404, p)
  }
})

test('openstack: /openstack lists dated versions up to 2018-08-27 and latest', () => {
  assert.equal(body(openstack(waf, '/openstack')), OPENSTACK_VERSIONS.join('\n'))
  assert.equal(body(openstack(waf, '/openstack/')), OPENSTACK_VERSIONS.join('\n'))
  assert.ok(OPENSTACK_VERSIONS.includes('2018-08-27'))
})

test('openstack: meta_data.json has uuid, hostname, name, public_keys, availability_zone, launch_index, meta', () => {
  const md = JSON.parse(body(openstack(ips, '/openstack/2018-08-27/meta_data.json'))) as Record<string, unknown>
  assert.equal(md['uuid'], '6f1f3f1e-7d0b-4a4e-9a39-2c0d6c0d0002')
  assert.equal(md['hostname'], 'ips-02')
  assert.equal(md['name'], 'ips-02')
  assert.deepEqual(md['public_keys'], {ops: KEY})
  assert.equal(md['availability_zone'], 'nova')
  assert.equal(md['launch_index'], 0)
  assert.deepEqual(md['meta'], {})
  const wafMd = JSON.parse(body(openstack(waf, '/openstack/latest/meta_data.json'))) as {meta: unknown; uuid: string}
  assert.deepEqual(wafMd.meta, {role: 'waf', rack: 'b12'})
  assert.equal(wafMd.uuid, 'waf-01', 'uuid defaults to the id')
})

test('openstack: optional files with nothing in them are 404 and not listed (never an empty 200)', () => {
  const docs = buildOpenstack(bare)
  assert.equal(body(docs.get('/openstack/latest/')!), 'meta_data.json')
  for (const f of ['user_data', 'vendor_data.json', 'vendor_data2.json', 'network_data.json']) {
    assert.equal(openstack(bare, `/openstack/latest/${f}`).status, 404, f)
  }
  for (const instance of [waf, ips, bare]) {
    const d = buildOpenstack(instance)
    for (const name of body(d.get('/openstack/latest')!).split('\n')) {
      const r = d.get(`/openstack/latest/${name}`)
      assert.ok(r && r.status === 200 && r.body.length > 0, `${instance.id}: listed ${name} must be a non-empty 200`)
      if (name.endsWith('.json')) JSON.parse(body(r))
    }
  }
})

test('openstack: vendor_data.json carries the vendor data under cloud-init', () => {
  assert.deepEqual(JSON.parse(body(openstack(waf, '/openstack/latest/vendor_data.json'))), {'cloud-init': '#cloud-config\ntimezone: UTC\n'})
})

test('openstack: network_data.json links NICs by MAC with static v4/v6, DHCP, routes and DNS', () => {
  const nd = JSON.parse(body(openstack(waf, '/openstack/latest/network_data.json'))) as {
    links: Array<{id: string; ethernet_mac_address: string}>
    networks: Array<Record<string, unknown>>
    services: unknown[]
  }
  assert.deepEqual(
    nd.links.map((l) => l.ethernet_mac_address),
    ['52:54:00:00:00:01', '52:54:00:00:01:01', '52:54:00:00:02:01'],
  )
  const mgmt = nd.networks.find((n) => n['ip_address'] === '200.0.0.2')!
  assert.equal(mgmt['type'], 'ipv4')
  assert.equal(mgmt['netmask'], '255.255.255.0')
  assert.deepEqual(mgmt['routes'], [{network: '0.0.0.0', netmask: '0.0.0.0', gateway: '200.0.0.1'}])
  const v6 = nd.networks.find((n) => n['type'] === 'ipv6')!
  assert.equal(v6['ip_address'], 'fd00:1::5')
  assert.deepEqual(v6['routes'], [{network: '::', netmask: '::', gateway: 'fd00:1::1'}])
  const inside4 = nd.networks.find((n) => n['ip_address'] === '10.1.0.5')!
  assert.deepEqual(inside4['routes'], [{network: '10.2.0.0', netmask: '255.255.0.0', gateway: '10.1.0.1'}])
  assert.deepEqual(nd.services, [{type: 'dns', address: '200.0.0.1'}])
  // every network's link exists
  for (const n of nd.networks) assert.ok(nd.links.some((l) => l.id === n['link']))
  const ipsNd = JSON.parse(body(openstack(ips, '/openstack/latest/network_data.json'))) as {networks: Array<{type: string}>}
  assert.deepEqual(
    ipsNd.networks.map((n) => n.type),
    ['ipv4_dhcp'],
  )
})

test('nocloud: every file is 200 even when empty', () => {
  for (const f of ['meta-data', 'user-data', 'vendor-data', 'network-config']) {
    const r = nocloud(bare, `/nocloud/${f}`)
    assert.equal(r.status, 200, f)
  }
  assert.equal(body(nocloud(bare, '/nocloud/user-data')), '')
  assert.equal(nocloud(bare, '/nocloud/other').status, 404)
})

test('nocloud: meta-data is YAML with instance-id, local-hostname, public-keys and ENI network-interfaces', () => {
  const md = parse(body(nocloud(waf, '/nocloud/meta-data'))) as Record<string, unknown>
  assert.equal(md['instance-id'], 'waf-01')
  assert.equal(md['local-hostname'], 'waf-01')
  assert.deepEqual(md['public-keys'], [KEY])
  const eni = String(md['network-interfaces'])
  assert.match(
    eni,
    /iface eth0 inet static\n {4}hwaddress ether 52:54:00:00:00:01\n {4}address 200\.0\.0\.2\n {4}netmask 255\.255\.255\.0\n {4}gateway 200\.0\.0\.1/,
  )
  assert.match(eni, /iface eth1 inet6 static\n {4}address fd00:1::5\n {4}netmask 64/)
  assert.match(eni, /iface eth2 inet manual/)
  assert.equal(md['role'], 'waf')
})

test('nocloud: network-config is version 2, matched by MAC', () => {
  const nc = parse(body(nocloud(waf, '/nocloud/network-config'))) as {version: number; ethernets: Record<string, Record<string, unknown>>}
  assert.equal(nc.version, 2)
  assert.deepEqual(nc.ethernets['eth0']!['match'], {macaddress: '52:54:00:00:00:01'})
  assert.deepEqual(nc.ethernets['eth0']!['addresses'], ['200.0.0.2/24'])
  assert.deepEqual(nc.ethernets['eth1']!['routes'], [
    {to: '::/0', via: 'fd00:1::1'},
    {to: '10.2.0.0/16', via: '10.1.0.1'},
  ])
  assert.equal(body(nocloud(bare, '/nocloud/network-config')), '')
  assert.equal(buildNocloud(waf).size, 6)
})

test('cloudstack: latest/meta-data/ has a top-level availability-zone and crawls clean', () => {
  const docs = buildCloudstack(ips)
  const listing = body(docs.get('/latest/meta-data/')!).split('\n')
  assert.ok(listing.includes('availability-zone'))
  assert.equal(body(cloudstack(ips, '/latest/meta-data/availability-zone')), 'nova')
  assert.equal(body(cloudstack(ips, '/latest/meta-data/instance-id')), 'ips-02')
  assert.equal(body(cloudstack(ips, '/latest/user-data')), '#cloud-config\nhostname: ips-02\n')
  crawl(docs, '/latest/meta-data/')
  assert.equal(cloudstack(bare, '/latest/user-data').status, 404)
})

test('custom namespace: /NAME/latest/meta_data.json and user_data, nothing without a namespace', () => {
  assert.equal((JSON.parse(body(custom(waf, '/nsfocus/latest/meta_data.json', {namespace: 'nsfocus'}))) as {uuid: string}).uuid, 'waf-01')
  assert.equal(body(custom(waf, '/nsfocus/latest/user_data', {namespace: 'nsfocus'})).startsWith('#!/bin/sh'), true)
  assert.equal(custom(bare, '/nsfocus/latest/user_data', {namespace: 'nsfocus'}).status, 404)
  assert.equal(custom(waf, '/nsfocus/latest/meta_data.json').status, 404)
})
