import {test} from 'node:test'
import assert from 'node:assert/strict'
import {FileStore} from '../../../src/metadata/file-store.js'
import {MemoryStore} from '../../../src/metadata/store.js'
import {createMetadataServer} from '../../../src/metadata/server.js'
import {inventoryFromObject} from '../../../src/metadata/inventory.js'
import {tempDir} from '../../helpers/metadata.js'

test('FileStore reloads a changed file; an invalid file keeps the previous records and throws', async () => {
  const t = tempDir()
  try {
    const file = t.write('inv.yaml', 'instances:\n  - {id: a, ip: 10.0.0.1}\n')
    const store = await FileStore.open(file)
    const v1 = store.version
    assert.equal(store.get('10.0.0.1')?.id, 'a')
    t.write('inv.yaml', 'instances:\n  - {id: b, ip: 10.0.0.1}\n')
    await store.reload()
    assert.equal(store.get('10.0.0.1')?.id, 'b')
    assert.ok(store.version > v1)
    t.write('inv.yaml', 'instances:\n  - {id: c}\n')
    await assert.rejects(store.reload(), /has no `ip:`/)
    assert.equal(store.get('10.0.0.1')?.id, 'b')
    assert.equal(store.byId('b')?.ip, '10.0.0.1')
    assert.equal(store.all().length, 1)
  } finally {
    t.cleanup()
  }
})

test('the server re-renders its documents when the store version changes', () => {
  const store = new MemoryStore(inventoryFromObject({instances: [{id: 'a', ip: '10.0.0.1'}]}).instances)
  const server = createMetadataServer({store})
  assert.equal(server.metadata.documentsFor('10.0.0.1')?.get('/latest/meta-data/instance-id')?.body.toString(), 'a')
  store.replace(inventoryFromObject({instances: [{id: 'z', ip: '10.0.0.1'}]}).instances)
  server.metadata.refresh()
  assert.equal(server.metadata.documentsFor('10.0.0.1')?.get('/latest/meta-data/instance-id')?.body.toString(), 'z')
})
