import assert from 'node:assert/strict'
import {test} from 'node:test'
import {editDistance, nearest} from '../../../src/util/edit-distance.js'

test('editDistance counts insertions, deletions and substitutions', () => {
  const cases: Array<[string, string, number]> = [
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['instance-id', 'instance_id', 1],
    ['Gi1/0/19', 'Gi1/0/19', 0],
    ['Gi1/0/19', 'Gi1/0/91', 2],
  ]
  for (const [a, b, d] of cases) {
    assert.equal(editDistance(a, b), d, `${a} → ${b}`)
    assert.equal(editDistance(b, a), d, `${b} → ${a} (symmetric)`)
  }
})

test('editDistance is case-sensitive unless ignoreCase is set', () => {
  assert.equal(editDistance('GigabitEthernet', 'gigabitethernet'), 2)
  assert.equal(editDistance('GigabitEthernet', 'gigabitethernet', {ignoreCase: true}), 0)
  assert.equal(editDistance('Eth1/19', 'eth1/18', {ignoreCase: true}), 1)
})

test('nearest: the closest candidate within 2 edits (or a third of the word), else undefined', () => {
  assert.equal(nearest('usrname', ['host', 'port', 'username']), 'username')
  assert.equal(nearest('default', ['switches', 'defaults', 'groups']), 'defaults')
  assert.equal(nearest('colour', ['port', 'ssh_port', 'username', 'platform']), undefined)
  assert.equal(nearest('x', []), undefined)
})
