import {test} from 'node:test'
import assert from 'node:assert/strict'
import {UsageError} from '../../../src/errors.js'
import {replicaName} from '../../../src/metadata/replica.js'

test('--replica-name: 1-64 of A-Z a-z 0-9 . _ -; the host name by default, refused with a hint when it does not fit', () => {
  assert.equal(replicaName('compute-07.dc1_a'), 'compute-07.dc1_a')
  assert.equal(
    replicaName(undefined, () => 'node1'),
    'node1',
  )
  for (const bad of ['', 'a b', 'x'.repeat(65), 'a/b'])
    assert.throws(
      () => replicaName(bad),
      (err: unknown) => err instanceof UsageError && err.message.startsWith(`--replica-name ${bad}:`),
    )
  assert.throws(() => replicaName(undefined, () => 'höst'), /the host name `höst` cannot name a replica: give --replica-name/)
})
