import {test} from 'node:test'
import assert from 'node:assert/strict'
import {renderReloadLogLine, renderServeStartup} from '../../../../src/cli/render/metadata.js'
import type {ServeStartup} from '../../../../src/metadata/lifecycle.js'

const startup = (store?: ServeStartup['store']): ServeStartup => ({
  listening: {metadata: 'http://0.0.0.0:8807', password: null},
  inventory: {source: 'etcd://10.0.0.5:2379 /netops/metadata/', builtIn: false, files: [], instances: 3},
  namespace: null,
  imdsv2: 'optional',
  trustProxy: [],
  signedProxyHeaders: false,
  paths: {},
  admin: null,
  progress: {dataDir: null, phoneHome: null, watch: false},
  pid: 1,
  ...(store ? {store} : {}),
})

test('startup text of a replica: where the inventory comes from, its generation, the cache, and that it is followed', () => {
  const store = {url: 'etcd://10.0.0.5:2379', prefix: '/netops/metadata/', replica: 'node-7', generation: 4, instances: 3, fromCache: false}
  const text = renderServeStartup(startup(store))
  assert.match(text, /^inventory from etcd:\/\/10\.0\.0\.5:2379 under \/netops\/metadata\/: generation 4; replica node-7$/m)
  assert.match(text, /inventory followed from the store \(etcd watch; SIGHUP reads it again\)/)
  assert.match(
    renderServeStartup(startup({...store, fromCache: true})),
    /generation 4 \(from the cache: etcd unreachable\); replica node-7/,
  )
  assert.match(renderServeStartup(startup({...store, generation: null})), /: nothing published yet; replica node-7/)
  assert.doesNotMatch(renderServeStartup(startup()), /inventory from etcd/)
})

test('a reload from the store is the reload JSON line with trigger "store" and the generation', () => {
  const line = renderReloadLogLine(
    {ok: true, trigger: 'store', source: 'etcd://10.0.0.5:2379 /netops/metadata/', generation: 5, instances: 3, ms: 12},
    new Date('2026-12-04T10:00:00.000Z'),
  )
  assert.equal(
    line,
    '{"time":"2026-12-04T10:00:00.000Z","event":"reload","trigger":"store","ok":true,"source":"etcd://10.0.0.5:2379 /netops/metadata/","generation":5,"instances":3,"ms":12}',
  )
  const file = renderReloadLogLine({ok: true, trigger: 'watch', source: 'vms.yaml', instances: 3, ms: 1}, new Date(0))
  assert.ok(!file.includes('generation'), 'a file reload line is unchanged')
})
