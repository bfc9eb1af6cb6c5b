import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fleetView} from '../../../../src/metadata/store/fleet-status.js'
import {storeKeys} from '../../../../src/metadata/store/layout.js'
import type {StoreConnection} from '../../../../src/metadata/store/connection.js'
import {
  checkStoredProgress,
  EtcdProgressStore,
  mergeProgress,
  parseStoredProgress,
  type StoredProgress,
} from '../../../../src/metadata/store/progress-store.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const rec = (over: Partial<StoredProgress> & Pick<StoredProgress, 'id' | 'replica'>): StoredProgress => ({
  steps: {},
  lastStep: 'first-request',
  lastStepAt: T0,
  requests: 0,
  events: 0,
  updatedAt: T0,
  ...over,
})

describe('progress keys', () => {
  const k = storeKeys('/netops/metadata/')
  test('one key per (VM, replica), both encoded; presence under replicas/', () => {
    assert.equal(k.progressOf('vm-1', 'node-a'), '/netops/metadata/progress/vm-1/node-a')
    assert.equal(k.progressOf('rack/1', 'a b'), '/netops/metadata/progress/rack%2F1/a%20b')
    assert.equal(k.replica('node-a'), '/netops/metadata/replicas/node-a')
    assert.ok(k.progressOf('x', 'y').startsWith(k.progress) && k.replica('y').startsWith(k.replicas))
  })
})

describe('merging a VM over replicas', () => {
  test('crawl on a, phone-home on b: one VM, done, steps from both, replicas sorted', () => {
    const a = rec({
      id: 'vm-1',
      replica: 'a',
      steps: {firstRequest: T0, metaData: T0 + 10, userData: T0 + 20},
      lastStep: 'user-data',
      lastStepAt: T0 + 20,
      requests: 12,
    })
    const b = rec({
      id: 'vm-1',
      replica: 'b',
      steps: {firstRequest: T0 + 900, done: T0 + 900},
      lastStep: 'phone-home',
      lastStepAt: T0 + 900,
      requests: 1,
    })
    const m = mergeProgress([b, a]).get('vm-1')!
    assert.deepEqual(m.steps, {firstRequest: T0, metaData: T0 + 10, userData: T0 + 20, done: T0 + 900})
    assert.equal(m.lastStep, 'phone-home')
    assert.equal(m.lastStepAt, T0 + 900)
    assert.equal(m.requests, 13)
    assert.deepEqual(m.replicas, ['a', 'b'])
  })

  test('each step is the earliest over replicas; failedAt and lastStep the latest; events summed', () => {
    const m = mergeProgress([
      rec({
        id: 'v',
        replica: 'c',
        steps: {firstRequest: T0 + 5, metaData: T0 + 50},
        failedAt: T0 + 60,
        lastStep: 'x',
        lastStepAt: T0 + 60,
        events: 2,
      }),
      rec({
        id: 'v',
        replica: 'a',
        steps: {firstRequest: T0 + 1, metaData: T0 + 70},
        failedAt: T0 + 80,
        lastStep: 'y',
        lastStepAt: T0 + 80,
        events: 3,
      }),
      rec({id: 'w', replica: 'a'}),
    ])
    const v = m.get('v')!
    assert.deepEqual(v.steps, {firstRequest: T0 + 1, metaData: T0 + 50})
    assert.equal(v.failedAt, T0 + 80)
    assert.equal(v.lastStep, 'y')
    assert.equal(v.events, 5)
    assert.deepEqual(v.replicas, ['a', 'c'])
    assert.deepEqual(m.get('w')!.replicas, ['a'])
  })

  test('merging does not change the records it was given', () => {
    const a = rec({id: 'v', replica: 'a', steps: {metaData: T0 + 9}})
    const b = rec({id: 'v', replica: 'b', steps: {metaData: T0 + 1}})
    mergeProgress([a, b])
    assert.deepEqual(a.steps, {metaData: T0 + 9})
  })

  test('a stored value that is not a progress record is left out', () => {
    assert.equal(parseStoredProgress('not json'), undefined)
    assert.equal(parseStoredProgress('{"id":"v"}'), undefined)
    const ok = parseStoredProgress(JSON.stringify(rec({id: 'v', replica: 'a'})))
    assert.equal(ok?.replica, 'a')
  })

  test('a stored record is checked as the journal checks its records: each bad field is named, none gets through', () => {
    const good = rec({id: 'v', replica: 'a', steps: {metaData: T0, done: T0 + 5}})
    assert.deepEqual(checkStoredProgress(JSON.stringify(good)), {ok: true, progress: good})
    const cases: Array<[unknown, RegExp]> = [
      [null, /expected an object/],
      [[1], /expected an object/],
      [{...good, steps: {metaData: 'soon'}}, /^steps\.metaData: expected a time/],
      [{...good, steps: {bogus: T0}}, /^steps\.bogus: not a step/],
      [{...good, steps: null}, /^steps: expected an object/],
      [{...good, steps: {done: -1}}, /^steps\.done: expected a time/],
      [{...good, failedAt: 'x'}, /^failedAt/],
      [{...good, lastStepAt: null}, /^lastStepAt/],
      [{...good, id: ''}, /^id/],
      [{...good, replica: 7}, /^replica/],
      [{...good, requests: 'many'}, /^requests/],
      [{...good, updatedAt: -3}, /^updatedAt/],
      [{...good, password: 'saved'}, /^password: expected an object/],
      [{...good, password: {state: 'sort-of', at: T0}}, /^password\.state: expected saved or rearmed/],
      [{...good, password: {state: 'saved', at: 'now'}}, /^password\.at: expected a time/],
    ]
    for (const [value, reason] of cases) {
      const c = checkStoredProgress(JSON.stringify(value))
      assert.equal(c.ok, false, JSON.stringify(value))
      if (!c.ok) assert.match(c.reason, reason)
      assert.equal(parseStoredProgress(JSON.stringify(value)), undefined)
    }
    assert.deepEqual(checkStoredProgress('{'), {ok: false, reason: 'not JSON'})
  })

  test('a CloudStack password mark is kept as stored', () => {
    const marked = rec({id: 'v', replica: 'a', password: {state: 'saved', at: T0}})
    assert.deepEqual(checkStoredProgress(JSON.stringify(marked)), {ok: true, progress: marked})
  })
})

describe('the fleet view', () => {
  test('VMs of the inventory with their merged progress and replicas; never-asked apart; live replicas sorted', () => {
    const v = fleetView(
      {
        store: 'etcd://127.0.0.1:2379',
        prefix: '/p/',
        generation: 3,
        instances: [
          {id: 'vm-1', ip: '10.0.0.1', hostname: 'one'},
          {id: 'vm-2', ip: '10.0.0.2', hostname: 'two'},
        ],
        records: new Map([
          ['/p/progress/vm-1/b', rec({id: 'vm-1', replica: 'b', steps: {done: T0 + 100}, lastStep: 'phone-home', lastStepAt: T0 + 100})],
          ['/p/progress/vm-1/a', rec({id: 'vm-1', replica: 'a', steps: {firstRequest: T0}})],
          ['/p/progress/gone/a', rec({id: 'gone', replica: 'a', steps: {firstRequest: T0}})],
        ]),
        replicas: new Map([
          ['/p/replicas/b', {name: 'b', pid: 2, hostname: 'h2', listen: '10.1.0.2:80', startedAt: 'x', generation: 3}],
          ['/p/replicas/a', {name: 'a', pid: 1, hostname: 'h1', listen: '10.1.0.1:80', startedAt: 'x', generation: 3}],
        ]),
      },
      T0 + 1000,
    )
    assert.equal(v.total, 2)
    assert.equal(v.provisioned, 1)
    assert.deepEqual(v.summary, {waiting: 1, booting: 0, done: 1, failed: 0})
    assert.equal(v.instances.length, 1)
    assert.deepEqual(
      {id: v.instances[0]!.id, state: v.instances[0]!.state, replicas: v.instances[0]!.replicas, durationMs: v.instances[0]!.durationMs},
      {id: 'vm-1', state: 'done', replicas: ['a', 'b'], durationMs: 100},
    )
    assert.deepEqual(v.neverAsked, [{id: 'vm-2', ip: '10.0.0.2', hostname: 'two'}])
    assert.deepEqual(
      v.replicas.map((r) => r.name),
      ['a', 'b'],
    )
    assert.equal(v.generation, 3)
  })
})

describe('reading progress from the store', () => {
  test('a malformed record is skipped with a warning naming its key; the others are read', async () => {
    const good = rec({id: 'v', replica: 'a'})
    const kvs = [
      {key: Buffer.from('/p/progress/v/a'), value: Buffer.from(JSON.stringify(good))},
      {key: Buffer.from('/p/progress/w/a'), value: Buffer.from(JSON.stringify({...good, id: 'w', steps: {done: 'yes'}}))},
    ]
    const conn = {
      o: {prefix: '/p/'},
      call: <T>(f: () => Promise<T>) => f(),
      client: {
        kv: {
          range: (r: {key: Buffer}) =>
            Promise.resolve({kvs: r.key.toString().startsWith('/p/progress/') ? kvs : [], more: false, header: {revision: '5'}}),
        },
      },
    } as unknown as StoreConnection
    const warnings: string[] = []
    const snap = await new EtcdProgressStore(conn, (l) => warnings.push(l)).readAll()
    assert.deepEqual([...snap.records.keys()], ['/p/progress/v/a'])
    assert.deepEqual(warnings, ['progress: skipped the record at /p/progress/w/a: steps.done: expected a time (ms)'])
  })

  test('a record under a key that names another VM or replica (foreign), or under no <id>/<replica> key, is skipped with a warning', async () => {
    const good = rec({id: 'rack/1', replica: 'a b'})
    const kvs = [
      {key: Buffer.from('/p/progress/rack%2F1/a%20b'), value: Buffer.from(JSON.stringify(good))},
      {key: Buffer.from('/p/progress/v/a%20b'), value: Buffer.from(JSON.stringify(good))},
      {key: Buffer.from('/p/progress/rack%2F1/c'), value: Buffer.from(JSON.stringify(good))},
      {key: Buffer.from('/p/progress/rack%2F1/a%20b/x'), value: Buffer.from(JSON.stringify(good))},
      {key: Buffer.from('/p/progress/rack%2F1/%E0'), value: Buffer.from(JSON.stringify(good))},
    ]
    const conn = {
      o: {prefix: '/p/'},
      call: <T>(f: () => Promise<T>) => f(),
      client: {kv: {range: () => Promise.resolve({kvs, more: false, header: {revision: '5'}})}},
    } as unknown as StoreConnection
    const warnings: string[] = []
    const snap = await new EtcdProgressStore(conn, (l) => warnings.push(l)).readAll()
    assert.deepEqual([...snap.records.keys()], ['/p/progress/rack%2F1/a%20b'])
    assert.deepEqual(warnings, [
      'progress: skipped the record at /p/progress/v/a%20b: foreign: the record is rack/1 as replica a b saw it, not what its key names',
      'progress: skipped the record at /p/progress/rack%2F1/c: foreign: the record is rack/1 as replica a b saw it, not what its key names',
      'progress: skipped the record at /p/progress/rack%2F1/a%20b/x: not a progress/<id>/<replica> key',
      'progress: skipped the record at /p/progress/rack%2F1/%E0: not a progress/<id>/<replica> key',
    ])
  })
})
