import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {StoreDataError} from '../../../../src/errors.js'
import {cacheFile, cacheText, parseCache, readCache, writeCache, type CachedGeneration} from '../../../../src/metadata/store/cache.js'
import type {Instance} from '../../../../src/metadata/types.js'

const instances = [{id: 'vm-1', ip: '10.0.0.1', hostname: 'vm-1'}] as unknown as Instance[]
const gen: CachedGeneration = {
  store: 'etcd://127.0.0.1:2379',
  prefix: '/netops/metadata/',
  generation: 7,
  revision: '1234',
  writtenAt: '2026-12-04T10:00:00.000Z',
  instances,
}

test('one file per prefix, named by a hash of the prefix', () => {
  assert.match(cacheFile('/var/cache/netops', '/netops/metadata/'), /^\/var\/cache\/netops\/inventory-[0-9a-f]{16}\.json$/)
  assert.equal(cacheFile('/d', '/a/'), cacheFile('/d', '/a/'))
  assert.notEqual(cacheFile('/d', '/a/'), cacheFile('/d', '/b/'))
})

test('written atomically with mode 0600 and read back as written; no file → undefined', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netops-cache-'))
  try {
    assert.equal(await readCache(join(dir, 'sub'), gen.prefix), undefined)
    const file = await writeCache(join(dir, 'sub'), gen)
    assert.equal(file, cacheFile(join(dir, 'sub'), gen.prefix))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(await readCache(join(dir, 'sub'), gen.prefix), {file, cached: gen})
    assert.equal(readFileSync(file, 'utf8'), cacheText(gen))
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})

test('a cut-short, edited or foreign cache is refused with the file name and why', async () => {
  const text = cacheText(gen)
  const cases: Array<[string, string, RegExp]> = [
    ['cut short', text.slice(0, 60), /is unusable: not JSON .*cut short/],
    ['not an object', '[]', /not a JSON object/],
    ['edited record', text.replace('"vm-1"', '"vm-2"'), /do not match their digest/],
    ['another prefix', cacheText({...gen, prefix: '/other/'}), /written for the prefix "\/other\/", not \/netops\/metadata\//],
    ['another format', text.replace('store-cache/1', 'store-cache/9'), /format "netops-metadata-store-cache\/9"/],
  ]
  for (const [name, body, why] of cases) {
    assert.throws(
      () => parseCache('/c/inventory-x.json', body, gen.prefix),
      (err: unknown) =>
        err instanceof StoreDataError &&
        err.message.startsWith('the store cache /c/inventory-x.json is unusable: ') &&
        why.test(err.message),
      name,
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'netops-cache-'))
  try {
    const file = cacheFile(dir, gen.prefix)
    writeFileSync(file, text.slice(0, 30))
    await assert.rejects(readCache(dir, gen.prefix), (err: Error) => err.message.includes(file))
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})
