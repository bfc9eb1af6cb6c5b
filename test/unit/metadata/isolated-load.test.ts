import {test} from 'node:test'
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {stringify} from 'yaml'
import {loadInventoryIsolated} from '../../../src/metadata/isolated-load.js'
import {loadInventory} from '../../../src/metadata/inventory.js'
import {KEY, sampleInstances, tempDir} from '../../helpers/metadata.js'

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

/** A stand-in for the loader child: emits what `script` says, in that order, on the next turns. */
function fakeChild(script: Array<['message', unknown] | ['exit' | 'close', number | null]>): (args: string[]) => ChildProcess {
  return () => {
    const child = Object.assign(new EventEmitter(), {kill: () => true})
    void (async () => {
      for (const [event, arg] of script) {
        await new Promise((r) => setImmediate(r))
        child.emit(event, arg, null)
      }
    })()
    return child as unknown as ChildProcess
  }
}

test('the loader’s last messages read after its exit are still its answer (node may emit them after exit; close comes after them)', async () => {
  const [a, b] = sampleInstances()
  const inv = await loadInventoryIsolated('inv.yaml', {
    fork: fakeChild([
      ['message', {batch: [a]}],
      ['exit', 0],
      ['message', {batch: [b]}],
      ['message', {ok: true, inventory: {instances: [], files: ['inv.yaml'], warnings: []}}],
      ['close', 0],
    ]),
  })
  assert.deepEqual(
    inv.instances.map((i) => i.id),
    [a!.id, b!.id],
  )
})

test('a loader that ends without an answer is refused once its channel closed', async () => {
  await assert.rejects(
    loadInventoryIsolated('inv.yaml', {
      fork: fakeChild([
        ['exit', 3],
        ['close', 3],
      ]),
    }),
    /the inventory loader exited \(3\) without an answer/,
  )
})
