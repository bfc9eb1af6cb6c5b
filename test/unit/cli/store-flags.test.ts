import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {storeConnection} from '../../../src/cli/store-flags.js'
import {UsageError} from '../../../src/errors.js'
import {parseStoreUrl} from '../../../src/metadata/store/url.js'

describe('storeConnection', () => {
  const flags = {store: parseStoreUrl('etcd://127.0.0.1:2379'), 'store-prefix': '/netops/metadata/'}

  test('no TLS and no credentials by default', () => {
    assert.deepEqual(storeConnection(flags, {}), {url: flags.store, prefix: '/netops/metadata/'})
  })

  test('user and password come from the environment, together', () => {
    const c = storeConnection(flags, {NETOPS_METADATA_STORE_USER: 'netops', NETOPS_METADATA_STORE_PASSWORD: 's3cret'})
    assert.deepEqual(c.auth, {user: 'netops', password: 's3cret'})
    assert.throws(() => storeConnection(flags, {NETOPS_METADATA_STORE_USER: 'netops'}), UsageError)
    assert.throws(() => storeConnection(flags, {NETOPS_METADATA_STORE_PASSWORD: 's3cret'}), UsageError)
  })

  test('--store-ca turns TLS on with the file contents', () => {
    const ca = new URL(import.meta.url).pathname
    const c = storeConnection({...flags, 'store-ca': ca}, {})
    assert.ok(c.tls && c.tls.ca.length > 0 && c.tls.cert === undefined)
  })
})
