import {test} from 'node:test'
import assert from 'node:assert/strict'
import {stringify} from 'yaml'
import {loadInventoryIsolated} from '../../../src/metadata/isolated-load.js'
import {loadInventory} from '../../../src/metadata/inventory.js'
import {KEY, tempDir} from '../../helpers/metadata.js'

test('loadInventoryIsolated receives every record of a large inventory, in order, as loadInventory reads it', async () => {
  const t = tempDir()
  try {
    const file = t.write(
      'inv.yaml',
      stringify({
        profiles: {app: {user_data: '#cloud-config\nhostname: {{ hostname }}\n', meta_data: {role: 'app'}, public_keys: [KEY]}},
        instances: Array.from({length: 613}, (_, i) => ({
          id: `vm-${i}`,
          ip: `10.7.${i >> 8}.${i & 255}`,
          profile: 'app',
          ...(i === 5 ? {availability_zone: 'rack-b'} : {}),
        })),
      }),
    )
    const isolated = await loadInventoryIsolated(file)
    const direct = await loadInventory(file)
    assert.equal(isolated.instances.length, 613)
    assert.deepEqual(isolated, direct)
  } finally {
    t.cleanup()
  }
})

test('loadInventoryIsolated rejects an invalid inventory with its problems', async () => {
  const t = tempDir()
  try {
    const file = t.write('inv.yaml', 'instances:\n  - {id: a}\n')
    await assert.rejects(loadInventoryIsolated(file), /has no `ip:`/)
  } finally {
    t.cleanup()
  }
})
