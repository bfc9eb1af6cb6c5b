import assert from 'node:assert/strict'
import {test} from 'node:test'
import {LineCounter, parseDocument} from 'yaml'
import {nodeAtPath, nodePosition} from '../../../src/util/yaml-position.js'

const TEXT = ['groups:', '  core: {port: 19}', 'switches:', '  - host: a', '    username:', '  - b', ''].join('\n')

function at(path: PropertyKey[], options?: {key?: boolean}): string {
  const lc = new LineCounter()
  const doc = parseDocument(TEXT, {lineCounter: lc})
  const p = nodePosition(lc, nodeAtPath(doc, path, options))
  return `${p.line}:${p.column}`
}

test('nodeAtPath finds values by map key and list index; with key: true the key of the last entry', () => {
  assert.equal(at(['groups', 'core', 'port']), '2:16')
  assert.equal(at(['groups', 'core', 'port'], {key: true}), '2:10')
  assert.equal(at(['switches', 0, 'host']), '4:11')
  assert.equal(at(['switches', 1]), '6:5')
})

test('a path past what the file holds gives the deepest node there is; a key with no value is its key', () => {
  assert.equal(at(['switches', 1, 'host']), '6:5')
  assert.equal(at(['switches', 0, 'port']), '4:5')
  assert.equal(at(['switches', 0, 'username']), '5:5')
  assert.equal(at(['nothing', 'here']), '1:1')
  assert.equal(at([]), '1:1')
})
