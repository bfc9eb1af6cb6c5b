import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createReloader, type ReloadResult} from '../../../src/metadata/reload.js'
import {MemoryStore} from '../../../src/metadata/store.js'
import {createMetadataServer} from '../../../src/metadata/server.js'
import {inventoryFromObject, loadInventory, type LoadedInventory} from '../../../src/metadata/inventory.js'
import {tempDir} from '../../helpers/metadata.js'

test('a reload swaps the served records; an invalid file is refused and the previous records keep serving', async () => {
  const t = tempDir()
  try {
    const file = t.write('inv.yaml', 'instances:\n  - {id: a, ip: 10.0.0.1}\n')
    const store = new MemoryStore((await loadInventory(file)).instances)
    const results: ReloadResult[] = []
    const reload = createReloader({
      source: file,
      load: loadInventory,
      apply: (next) => store.replace(next.instances),
      served: () => store.all().length,
      onReload: (r) => results.push(r),
    })
    const v1 = store.version
    assert.equal(store.get('10.0.0.1')?.id, 'a')
    t.write('inv.yaml', 'instances:\n  - {id: b, ip: 10.0.0.1}\n')
    const ok = await reload('SIGHUP')
    assert.deepEqual(
      {ok: ok.ok, trigger: ok.trigger, source: ok.source, instances: ok.instances},
      {ok: true, trigger: 'SIGHUP', source: file, instances: 1},
    )
    assert.equal(store.get('10.0.0.1')?.id, 'b')
    assert.ok(store.version > v1)
    t.write('inv.yaml', 'instances:\n  - {id: c}\n')
    const refused = await reload()
    assert.equal(refused.ok, false)
    assert.equal(refused.trigger, 'api')
    assert.match(refused.error ?? '', /has no `ip:`/)
    assert.ok(refused.issues?.length)
    assert.equal(store.get('10.0.0.1')?.id, 'b')
    assert.equal(store.byId('b')?.ip, '10.0.0.1')
    assert.equal(store.all().length, 1)
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false],
    )
  } finally {
    t.cleanup()
  }
})

test('reloads run one after the other; an inline inventory has nothing to reload', async () => {
  const order: string[] = []
  let release: () => void = () => undefined
  const gate = new Promise<void>((r) => (release = r))
  const reload = createReloader({
    source: 'inv.yaml',
    load: async (src) => {
      order.push(`load ${order.length}`)
      if (order.length === 1) await gate
      const next: LoadedInventory = {instances: [], files: [src], warnings: []}
      return next
    },
    apply: () => order.push('apply'),
    served: () => 0,
  })
  const first = reload('watch')
  const second = reload('SIGHUP')
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(order, ['load 0'])
  release()
  assert.equal((await first).trigger, 'watch')
  assert.equal((await second).trigger, 'SIGHUP')
  assert.deepEqual(order, ['load 0', 'apply', 'load 2', 'apply'])

  const inline = await createReloader({
    source: undefined,
    load: () => Promise.reject(new Error('not called')),
    apply: () => undefined,
    served: () => 3,
  })()
  assert.deepEqual(inline, {
    ok: false,
    trigger: 'api',
    source: '<inline inventory>',
    instances: 3,
    ms: 0,
    error: 'the inventory was not read from a file: nothing to reload',
  })
})

test('the server re-renders its documents when the store version changes', () => {
  const store = new MemoryStore(inventoryFromObject({instances: [{id: 'a', ip: '10.0.0.1'}]}).instances)
  const server = createMetadataServer({store})
  assert.equal(server.metadata.documentsFor('10.0.0.1')?.get('/latest/meta-data/instance-id')?.body.toString(), 'a')
  store.replace(inventoryFromObject({instances: [{id: 'z', ip: '10.0.0.1'}]}).instances)
  server.metadata.refresh()
  assert.equal(server.metadata.documentsFor('10.0.0.1')?.get('/latest/meta-data/instance-id')?.body.toString(), 'z')
})
