import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {stringify} from 'yaml'
import {InputError, InventoryError} from '../../../../src/errors.js'
import {
  canonicalJson,
  diffGenerations,
  diffIsEmpty,
  generationDigest,
  generationYaml,
  planBatches,
  prepareDocs,
  type KeyValue,
} from '../../../../src/metadata/store/generation.js'
import {sampleInventory} from '../../../helpers/metadata.js'

const inv = (instances: Array<Record<string, unknown>>, profiles: Record<string, unknown> = {}) =>
  prepareDocs([{file: 'vms.yaml', text: stringify({profiles, instances})}]).generation

const vm = (id: string, n: number, extra: Record<string, unknown> = {}) => ({id, ip: `10.0.0.${n}`, ...extra})

describe('prepareDocs', () => {
  test('keeps each instance as written beside its validated record, without the file position', () => {
    const g = prepareDocs([{file: 'a.yaml', text: stringify(sampleInventory())}]).generation
    const first = g.instances[0]!
    assert.equal(first.index, 0)
    assert.equal(first.source['id'], first.record.id)
    assert.equal(first.record.source, undefined)
    assert.ok(Object.keys(g.profiles).includes('waf'))
  })

  test('profiles and instances from several files join in file order', () => {
    const g = prepareDocs([
      {file: 'a.yaml', text: stringify({profiles: {p: {meta_data: {x: 1}}}})},
      {file: 'b.yaml', text: stringify({instances: [vm('b', 2, {profile: 'p'})]})},
      {file: 'c.yaml', text: stringify({instances: [vm('c', 3)]})},
    ]).generation
    assert.deepEqual(
      g.instances.map((i) => [i.index, i.record.id, i.record.meta['x']]),
      [
        [0, 'b', 1],
        [1, 'c', undefined],
      ],
    )
  })

  test('an invalid inventory throws the same InventoryError as validate, with file:line:column', () => {
    assert.throws(
      () => prepareDocs([{file: 'bad.yaml', text: 'instances:\n  - {id: a, ip: nope}\n'}]),
      (err: unknown) => err instanceof InventoryError && /bad\.yaml:2:\d+:/.test(err.message),
    )
  })
})

describe('generationYaml', () => {
  test('round-trips: preparing the pulled YAML gives the same generation (digest)', () => {
    const g = prepareDocs([{file: 'a.yaml', text: stringify(sampleInventory())}]).generation
    const back = prepareDocs([{file: 'pulled.yaml', text: generationYaml(g)}]).generation
    assert.equal(generationDigest(back), generationDigest(g))
    assert.ok(diffIsEmpty(diffGenerations(g, back)))
  })

  test('no profiles key when there are none; instances in inventory order', () => {
    const g = inv([vm('z', 1), vm('a', 2)])
    assert.equal(generationYaml(g), 'instances:\n  - id: z\n    ip: 10.0.0.1\n  - id: a\n    ip: 10.0.0.2\n')
  })
})

describe('diffGenerations', () => {
  const base = inv([vm('a', 1), vm('b', 2), vm('c', 3)])

  test('into an empty store, everything is added', () => {
    const d = diffGenerations(undefined, base)
    assert.deepEqual(
      [d.added, d.changed, d.removed, d.unchanged, d.orderChanged, d.profilesChanged],
      [['a', 'b', 'c'], [], [], 0, false, false],
    )
  })

  test('added, changed and removed by id, each sorted', () => {
    const d = diffGenerations(base, inv([vm('d', 4), vm('c', 3, {hostname: 'cee'}), vm('a', 1), vm('e', 5)]))
    assert.deepEqual(d.added, ['d', 'e'])
    assert.deepEqual(d.changed, ['c'])
    assert.deepEqual(d.removed, ['b'])
    assert.equal(d.unchanged, 1)
    assert.equal(diffIsEmpty(d), false)
  })

  test('a profile change lists the instances whose served record it changes', () => {
    const p1 = inv([vm('a', 1, {profile: 'p'}), vm('b', 2)], {p: {meta_data: {role: 'x'}}})
    const p2 = inv([vm('a', 1, {profile: 'p'}), vm('b', 2)], {p: {meta_data: {role: 'y'}}})
    const d = diffGenerations(p1, p2)
    assert.deepEqual([d.changed, d.profilesChanged, d.unchanged], [['a'], true, 1])
  })

  test('the same instances in another order: not changed, but not empty (launch indexes move)', () => {
    const d = diffGenerations(base, inv([vm('c', 3), vm('b', 2), vm('a', 1)]))
    assert.deepEqual([d.added, d.changed, d.removed, d.orderChanged], [[], [], [], true])
    assert.equal(diffIsEmpty(d), false)
  })

  test('the same inventory written with keys in another order is no change', () => {
    const d = diffGenerations(base, inv([{ip: '10.0.0.1', id: 'a'}, vm('b', 2), vm('c', 3)]))
    assert.ok(diffIsEmpty(d))
  })
})

describe('canonicalJson', () => {
  test('key order does not matter, array order does', () => {
    assert.equal(canonicalJson({b: 1, a: {d: [2, 1], c: null}}), '{"a":{"c":null,"d":[2,1]},"b":1}')
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]))
  })
})

describe('planBatches', () => {
  const kv = (key: string, bytes: number): KeyValue => ({key, value: Buffer.alloc(bytes)})

  test('at most maxOps per batch, order kept', () => {
    const items = Array.from({length: 300}, (_, i) => kv(`k${i}`, 10))
    const batches = planBatches(items, {maxOps: 128, maxBytes: 1 << 20})
    assert.deepEqual(
      batches.map((b) => b.length),
      [128, 128, 44],
    )
    assert.deepEqual(batches.flat(), items)
  })

  test('a batch closes before it would pass maxBytes (keys, values and framing counted)', () => {
    const items = [kv('a', 400), kv('b', 400), kv('c', 400), kv('d', 10)]
    const batches = planBatches(items, {maxOps: 128, maxBytes: 1000})
    assert.deepEqual(
      batches.map((b) => b.map((x) => x.key).join('')),
      ['ab', 'cd'],
    )
  })

  test('one value larger than a request is refused, naming its key', () => {
    assert.throws(
      () => planBatches([kv('small', 1), kv('/p/inventory/gen/000000000001/instances/huge', 2000)], {maxOps: 128, maxBytes: 1000}),
      (err: unknown) => err instanceof InputError && err.message.includes('instances/huge'),
    )
  })

  test('10,000 instances of about 1 KiB fit in transactions of 128 operations within 1 MiB', () => {
    const batches = planBatches(
      Array.from({length: 10_000}, (_, i) => kv(`/netops/metadata/inventory/gen/000000000001/instances/vm-${i}`, 1000)),
    )
    assert.equal(batches.length, Math.ceil(10_000 / 128))
    for (const b of batches) assert.ok(b.reduce((s, x) => s + x.key.length + x.value.length, 0) < 1024 * 1024)
  })
})
