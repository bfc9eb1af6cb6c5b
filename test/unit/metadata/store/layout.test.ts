import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {prefixEnd, storeKeys} from '../../../../src/metadata/store/layout.js'

describe('store key layout', () => {
  const k = storeKeys('/netops/metadata/')

  test('keys under the prefix, generations zero-padded so key order is generation order', () => {
    assert.equal(k.current, '/netops/metadata/inventory/current')
    assert.equal(k.seq, '/netops/metadata/inventory/seq')
    assert.equal(k.manifest(7), '/netops/metadata/inventory/gen/000000000007/manifest')
    assert.equal(k.profiles(7), '/netops/metadata/inventory/gen/000000000007/profiles')
    assert.equal(k.instance(7, 'waf-01'), '/netops/metadata/inventory/gen/000000000007/instances/waf-01')
    assert.ok(k.gen(9) < k.gen(10) && k.gen(99) < k.gen(100))
  })

  test('an instance id is encoded: a slash in it stays inside one key segment', () => {
    assert.equal(k.instance(1, 'rack/1 a'), '/netops/metadata/inventory/gen/000000000001/instances/rack%2F1%20a')
  })

  test('prefixEnd is the first key after every key with the prefix', () => {
    assert.equal(prefixEnd('/a/').toString(), '/a0')
    assert.deepEqual([...prefixEnd('\xff')], [0xc3, 0xc0])
    const end = prefixEnd(k.gen(3)).toString()
    assert.ok(k.instance(3, 'zzz') < end && k.gen(4) >= end)
  })
})
