import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createMetadataServer} from '../../../../src/metadata/server.js'
import {canonicalPath} from '../../../../src/metadata/doc-cache.js'
import {renderAllDocuments} from '../../../../src/metadata/documents.js'
import {MemoryStore} from '../../../../src/metadata/store.js'
import {withProgressVendorData} from '../../../../src/metadata/progress/vendor-data.js'
import {sampleInstances} from '../../../helpers/metadata.js'

test('dated versions map to their canonical tree; other paths are left alone', () => {
  assert.equal(canonicalPath('/2009-04-04/meta-data/instance-id'), '/2021-03-23/meta-data/instance-id')
  assert.equal(canonicalPath('/2018-09-24'), '/2021-03-23')
  assert.equal(canonicalPath('/openstack/2012-08-10/meta_data.json'), '/openstack/latest/meta_data.json')
  assert.equal(canonicalPath('/2021-03-23/user-data'), '/2021-03-23/user-data')
  assert.equal(canonicalPath('/latest/meta-data/'), '/latest/meta-data', 'a directory is stored without its slash')
  assert.equal(canonicalPath('/'), '/')
  assert.equal(canonicalPath('/2009-04-04x/meta-data'), '/2009-04-04x/meta-data')
})

test('the shared, lazily rendered documents answer every path exactly as renderAllDocuments does', () => {
  const instances = [
    ...sampleInstances(),
    ...withProgressVendorData(sampleInstances().map((i) => ({...i, id: `${i.id}-b`, ip: i.ip.replace('127.0.0.', '127.0.9.')}))),
  ]
  const server = createMetadataServer({store: new MemoryStore(instances)})
  try {
    instances.forEach((instance, launchIndex) => {
      const want = renderAllDocuments(instance, {launchIndex})
      const got = server.metadata.documentsFor(instance.ip)
      assert.ok(got, instance.id)
      for (const [path, doc] of want) {
        const g = got.get(path)
        assert.ok(g, `${instance.id} ${path}`)
        assert.equal(g.status, doc.status, path)
        assert.equal(g.flavor, doc.flavor, path)
        assert.deepEqual(g.headers, doc.headers, path)
        assert.ok(g.body.equals(doc.body), `${instance.id} ${path} body`)
      }
    })
  } finally {
    server.close()
  }
})
