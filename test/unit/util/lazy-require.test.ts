import assert from 'node:assert/strict'
import * as path from 'node:path'
import {test} from 'node:test'
import {lazyRequire} from '../../../src/util/lazy-require.js'

test('lazyRequire loads nothing until first called, then loads once and returns the same module', () => {
  const ids: string[] = []
  const get = lazyRequire<{name: string}>('some-module', (id) => {
    ids.push(id)
    return {name: id}
  })
  assert.deepEqual(ids, [])
  const first = get()
  assert.equal(first.name, 'some-module')
  assert.equal(get(), first)
  assert.deepEqual(ids, ['some-module'])
})

test('lazyRequire resolves packages and built-ins like require from src/', () => {
  assert.equal(lazyRequire<typeof path>('node:path')().join('a', 'b'), path.join('a', 'b'))
  const yaml = lazyRequire<{parse(text: string): unknown}>('yaml')
  assert.deepEqual(yaml().parse('a: 1'), {a: 1})
})
