import {test} from 'node:test'
import assert from 'node:assert/strict'
import {guestConfig} from '../../../src/metadata/guest-config.js'
import {renderInstance, selectInstance} from '../../../src/metadata/render.js'
import {normalizePath} from '../../../src/metadata/decide.js'
import {sampleInstances} from '../../helpers/metadata.js'

const [waf, ips] = sampleInstances()

test('guest-config nocloud: SMBIOS serial ds=nocloud-net with a seed URL ending in /', () => {
  const g = guestConfig({flavor: 'nocloud'})
  assert.equal(g.smbios.serial, 'ds=nocloud-net;s=http://169.254.169.254/nocloud/')
  assert.deepEqual(g.qemuArgs, [
    '-smbios',
    'type=1,manufacturer=netops,product=netops VM,serial=ds=nocloud-net;s=http://169.254.169.254/nocloud/',
  ])
  assert.match(g.cloudCfg.content, /seedfrom: http:\/\/169\.254\.169\.254\/nocloud\//)
  assert.ok(g.warnings.some((w) => /not ds=nocloud/.test(w)))
})

test('guest-config openstack: product OpenStack Nova, uuid only when it is a UUID, NIC list in order', () => {
  const g = guestConfig({flavor: 'openstack', instance: ips!})
  assert.equal(g.smbios.product, 'OpenStack Nova')
  assert.equal(g.smbios.uuid, '6f1f3f1e-7d0b-4a4e-9a39-2c0d6c0d0002')
  assert.match(g.libvirtXml, /<entry name='product'>OpenStack Nova<\/entry>/)
  const w = guestConfig({flavor: 'openstack', instance: waf!})
  assert.equal(w.smbios.uuid, undefined)
  assert.ok(w.warnings.some((x) => /not a UUID/.test(x)))
  assert.deepEqual(
    w.nics.map((n) => n.mac),
    ['52:54:00:00:00:01', '52:54:00:00:01:01', '52:54:00:00:02:01'],
  )
})

test('guest-config ec2: image-side snippet by default; AWS impersonation sets matching ec2… uuid and serial', () => {
  const g = guestConfig({flavor: 'ec2'})
  assert.equal(g.smbios.serial, undefined)
  assert.match(g.cloudCfg.content, /datasource_list: \[Ec2, None\]/)
  const aws = guestConfig({flavor: 'ec2', instance: ips!, awsImpersonation: true})
  assert.match(aws.smbios.uuid ?? '', /^ec2[0-9a-f]{5}-[0-9a-f]{4}-/)
  assert.equal(aws.smbios.uuid, aws.smbios.serial)
})

test('render picks a VM by id, ip or any MAC and shows each directory once', () => {
  assert.equal(selectInstance(sampleInstances(), {mac: '52-54-00-00-01-01'}).id, 'waf-01')
  assert.equal(selectInstance(sampleInstances(), {ip: '::ffff:127.0.0.24'}).id, 'ips-02')
  assert.throws(() => selectInstance(sampleInstances(), {instance: 'nope'}), /no instance with id nope/)
  const r = renderInstance(waf!, {flavor: 'openstack'})
  const paths = r.documents.map((d) => d.path)
  assert.ok(paths.includes('/openstack/') && !paths.includes('/openstack'))
  assert.ok(paths.includes('/openstack/2018-08-27/network_data.json'))
  const one = renderInstance(waf!, {flavor: 'ec2', path: 'latest/meta-data/nope'})
  assert.deepEqual(
    one.documents.map((d) => d.status),
    [404],
  )
  const cs = renderInstance(ips!, {flavor: 'cloudstack'})
  assert.deepEqual(cs.passwordServer, {hasPassword: true})
  assert.doesNotMatch(JSON.stringify(cs), /s3cret/)
})

test('normalizePath rejects traversal and bad escapes, collapses slashes, drops the query', () => {
  assert.equal(normalizePath('//latest//meta-data/'), '/latest/meta-data/')
  assert.equal(normalizePath('/latest/meta-data/?a=b'), '/latest/meta-data/')
  assert.equal(normalizePath('http://169.254.169.254/latest/'), '/latest/')
  for (const bad of ['/a/../b', '/a/%2e%2e/b', '/a/%2E/b', '/%zz', '/a%00', '/a\\b', 'latest'])
    assert.equal(normalizePath(bad), undefined, bad)
})
