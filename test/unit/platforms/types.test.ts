import assert from 'node:assert/strict'
import {test} from 'node:test'
import {normalizePlatform} from '../../../src/platforms/types.js'

test('normalizePlatform reads the spellings inventories use, case-insensitively, and refuses the others', () => {
  assert.equal(normalizePlatform(' Cisco_NXOS '), 'nxos')
  assert.equal(normalizePlatform('IOS-XE'), 'ios')
  assert.equal(normalizePlatform('auto'), 'auto')
  assert.equal(normalizePlatform('junos'), undefined)
})
