import {test} from 'node:test'
import assert from 'node:assert/strict'
import {canonicalPath, DocumentSnapshot, type Doc} from '../../../src/metadata/doc-cache.js'
import {renderAllDocuments, type Prebuilt} from '../../../src/metadata/documents.js'
import {inventoryFromObject} from '../../../src/metadata/inventory.js'
import type {FlavorContext, Instance} from '../../../src/metadata/types.js'
import {withProgressVendorData} from '../../../src/metadata/progress/vendor-data.js'
import {KEY, sampleInstances} from '../../helpers/metadata.js'

const mac = (i: number) => `52:54:00:aa:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`

/**
 * A fleet with what the compact store must tell apart: one profile whose VMs share most answers, a
 * zone that is the same for some VMs and different for more than the few shared answers kept per
 * entry, VMs with two NICs or none, one without keys, and one user-data bigger than a slab.
 */
function fleet(opts: {zoneOf?: (i: number) => string; hostOf?: (i: number) => string; count?: number} = {}): Instance[] {
  const count = opts.count ?? 14
  const instances = Array.from({length: count}, (_, i) => ({
    id: `app-${i}`,
    hostname: opts.hostOf?.(i) ?? `app-${i}`,
    ip: `10.9.0.${i + 1}`,
    profile: 'app',
    availability_zone: opts.zoneOf?.(i) ?? (i < 4 ? 'rack-a' : `rack-${i}`),
    interfaces:
      i === 5
        ? []
        : i % 4 === 1
          ? [
              {name: 'mgmt', mac: mac(i)},
              {name: 'data', mac: mac(i + 100), address: `10.8.0.${i + 1}/24`},
            ]
          : [{name: 'mgmt', mac: mac(i)}],
    ...(i === 6 ? {public_keys: null} : {}),
    ...(i === 7 ? {user_data: `#cloud-config\n# ${'x'.repeat(300 * 1024)}\n`} : {}),
  }))
  return inventoryFromObject({
    profiles: {
      app: {
        user_data: '#cloud-config\nhostname: {{ hostname }}\n',
        vendor_data: '#cloud-config\ntimezone: UTC\n',
        meta_data: {role: 'app'},
        public_keys: [KEY],
      },
    },
    instances,
  }).instances
}

/** What the server answered before: the rendered document of the path, else of its canonical path. */
function reference(all: Map<string, Prebuilt>, path: string): Doc | undefined {
  const p = all.get(path) ?? all.get(canonicalPath(path))
  return p === undefined ? undefined : {status: p.status, flavor: p.flavor, contentType: String(p.headers['content-type']), body: p.body}
}

/** Every path any VM has, each also with a trailing slash, and a few nobody has (a MAC as part of a segment, twice…). */
function probes(instances: readonly Instance[], ctx: FlavorContext): string[] {
  const paths = new Set<string>([
    '/nope',
    '/2009-04-04/nope',
    '/openstack/2012-08-10/nope',
    '/latest/meta-data/network/interfaces/macs/nope/mac',
  ])
  instances.forEach((instance, launchIndex) => {
    for (const {mac: m} of instance.interfaces) {
      const macs = '/latest/meta-data/network/interfaces/macs'
      for (const p of [
        `${macs}/${m}x/mac`,
        `${macs}/x${m}/mac`,
        `${macs}/${m}/${m}`,
        `${macs}/${m}${m}`,
        `/${m}${macs}/${m}/mac`,
        `/2016-09-02/meta-data/network/interfaces/macs/${m}/mac/`,
      ])
        paths.add(p)
    }
    for (const path of renderAllDocuments(instance, {...ctx, launchIndex}).keys()) {
      paths.add(path)
      paths.add(path + '/')
    }
  })
  return [...paths]
}

function assertAnswersAsRendered(snap: DocumentSnapshot, instances: readonly Instance[], ctx: FlavorContext = {}): void {
  const all = probes(instances, ctx)
  instances.forEach((instance, launchIndex) => {
    const rendered = renderAllDocuments(instance, {...ctx, launchIndex})
    for (const path of all) {
      const want = reference(rendered, path)
      const got = snap.lookup(instance, path)
      if (want === undefined) {
        assert.equal(got, undefined, `${instance.id} ${path}`)
        continue
      }
      assert.ok(got, `${instance.id} ${path}`)
      assert.deepEqual({...got, body: got.body.toString('latin1')}, {...want, body: want.body.toString('latin1')}, `${instance.id} ${path}`)
    }
  })
}

test('every VM answers every path (and every path with a slash) exactly as renderAllDocuments does', () => {
  const instances = [...fleet(), ...sampleInstances()]
  const snap = new DocumentSnapshot(1, instances)
  assertAnswersAsRendered(snap, instances)
})

test('a VM whose answer differs from the shared one for the same entry gets its own, in any render order', () => {
  // zones: rack-a for 4 VMs, then one each: more distinct answers than an entry shares
  const instances = fleet({count: 20})
  const snap = new DocumentSnapshot(1, instances)
  for (const i of [19, 0, 12, 3, 7, 4]) {
    assert.equal(
      snap.lookup(instances[i]!, '/latest/meta-data/placement/availability-zone')?.body.toString(),
      i < 4 ? 'rack-a' : `rack-${i}`,
    )
    assert.equal(snap.lookup(instances[i]!, '/latest/meta-data/instance-id')?.body.toString(), `app-${i}`)
  }
  assertAnswersAsRendered(snap, instances)
})

test('dated versions and slash-ended paths answer from the canonical tree; MAC paths only for the VM own MACs', () => {
  const instances = fleet()
  const snap = new DocumentSnapshot(1, instances)
  const [a, b] = [instances[0]!, instances[1]!]
  const text = (i: Instance, path: string) => snap.lookup(i, path)?.body.toString()
  assert.equal(text(a, '/2009-04-04/meta-data/instance-id'), 'app-0')
  assert.equal(text(a, '/2016-09-02/meta-data/'), text(a, '/2021-03-23/meta-data'))
  assert.equal(text(a, '/openstack/2012-08-10/meta_data.json'), text(a, '/openstack/latest/meta_data.json'))
  assert.equal(text(a, '/latest/meta-data/instance-id/'), 'app-0')
  for (const version of ['latest', '2009-04-04', '2021-03-23']) {
    assert.equal(text(a, `/${version}/meta-data/network/interfaces/macs/${mac(0)}/mac`), mac(0))
    assert.equal(text(b, `/${version}/meta-data/network/interfaces/macs/${mac(101)}/device-number`), '1')
    assert.equal(text(a, `/${version}/meta-data/network/interfaces/macs/${mac(1)}/mac`), undefined, "another VM's MAC")
    assert.equal(text(b, `/${version}/meta-data/network/interfaces/macs/${mac(0)}/`), undefined, "another VM's MAC")
  }
  assert.equal(text(a, `/latest/meta-data/network/interfaces/macs/\u00000/mac`), undefined)
})

test('a reload is a new snapshot: the old one keeps answering the old records', () => {
  const v1 = fleet()
  const old = new DocumentSnapshot(1, v1)
  assert.equal(old.lookup(v1[2]!, '/latest/meta-data/hostname')?.body.toString(), 'app-2')
  // renamed hosts, other zones, a VM gone, one more, the phone-home vendor-data part
  const v2 = withProgressVendorData(
    fleet({count: 16, hostOf: (i) => `web-${i}`, zoneOf: (i) => (i % 2 === 0 ? 'even' : 'odd')}).filter((i) => i.id !== 'app-3'),
  )
  const next = new DocumentSnapshot(2, v2)
  assert.ok(next.prewarm(Infinity))
  assertAnswersAsRendered(next, v2)
  assert.equal(next.lookup(v2[2]!, '/latest/meta-data/hostname')?.body.toString(), 'web-2')
  assertAnswersAsRendered(old, v1)
  assert.equal(old.store.get('10.9.0.4')?.id, 'app-3')
  assert.equal(next.store.get('10.9.0.4'), undefined)
})

test('lookup renders a VM on first use; prewarm renders the rest until its deadline', () => {
  const instances = fleet()
  const snap = new DocumentSnapshot(1, instances)
  assert.deepEqual(snap.warm(), {rendered: 0, total: instances.length})
  assert.equal(snap.prewarm(performance.now() - 1), false)
  assert.deepEqual(snap.warm(), {rendered: 0, total: instances.length})
  snap.lookup(instances[9]!, '/latest/meta-data/instance-id')
  assert.deepEqual(snap.warm(), {rendered: 1, total: instances.length})
  assert.equal(snap.prewarm(Infinity), true)
  assert.deepEqual(snap.warm(), {rendered: instances.length, total: instances.length})
})

test('the custom namespace and launch indexes are rendered per snapshot context', () => {
  const instances = fleet()
  const ctx = {namespace: 'acme'}
  const snap = new DocumentSnapshot(1, instances, ctx)
  assert.ok(snap.lookup(instances[3]!, '/acme/latest/meta_data.json'))
  assert.match(snap.lookup(instances[3]!, '/openstack/latest/meta_data.json')?.body.toString() ?? '', /"launch_index":\s*3/)
  assertAnswersAsRendered(snap, instances, ctx)
})

test('an instance that is in no record of the snapshot is answered, not kept', () => {
  const [stranger] = fleet({count: 1, hostOf: () => 'stranger'})
  const snap = new DocumentSnapshot(1, fleet({count: 2}).slice(1))
  assert.equal(snap.lookup(stranger!, '/latest/meta-data/hostname')?.body.toString(), 'stranger')
  assert.deepEqual(snap.warm(), {rendered: 0, total: 1})
})

test('the tree EC2 and CloudStack share is answered as ec2; CloudStack-only leaves as cloudstack (for /metrics)', () => {
  const instances = fleet({count: 2})
  const snap = new DocumentSnapshot(1, instances)
  const vm = instances[1]!
  for (const path of ['/latest/meta-data/', '/latest/meta-data/instance-id', '/latest/user-data', '/2009-04-04/meta-data/instance-id'])
    assert.equal(snap.lookup(vm, path)?.flavor, 'ec2', path)
  for (const path of ['/latest/meta-data/vm-id', '/latest/meta-data/service-offering', '/latest/meta-data/cloud-identifier'])
    assert.equal(snap.lookup(vm, path)?.flavor, 'cloudstack', path)
  assert.equal(renderAllDocuments(vm).get('/latest/meta-data/instance-id')?.flavor, 'ec2')
  assert.equal(renderAllDocuments(vm).get('/latest/meta-data/vm-id')?.flavor, 'cloudstack')
  assert.equal(snap.lookup(vm, '/openstack/latest/meta_data.json')?.flavor, 'openstack')
})
