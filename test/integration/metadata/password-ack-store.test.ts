/**
 * The CloudStack password acknowledgement in store mode, against a real 3-member etcd cluster: replicas sharing
 * one etcd (each with its own progress sink) keep the acknowledgement in their progress records
 * (`progress/<id>/<replica>`), answer `saved_password` 200 only once it is committed, and every replica reads the
 * acknowledgements through before it hands a password out (a restart, or another replica, does not hand it out again).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {etcdSkip, startEtcdCluster, type EtcdCluster} from '../../helpers/etcd.js'
import {httpGet, type Reply} from '../../helpers/metadata.js'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/start.js'
import {StoreConnection} from '../../../src/metadata/store/connection.js'
import {openProgressSink, type EtcdProgressSink, type StoredProgress} from '../../../src/metadata/store/progress-store.js'
import {parseStoreUrl} from '../../../src/metadata/store/url.js'

const skip = etcdSkip()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const VMS = [
  {id: 'cs-1', ip: '127.0.9.10', hostname: 'cs-1', password: 'one-time-pw-1'},
  {id: 'cs-2', ip: '127.0.9.11', hostname: 'cs-2', password: 'one-time-pw-2'},
  {id: 'cs-3', ip: '127.0.9.12', hostname: 'cs-3', password: 'one-time-pw-3'},
]
const ip = (id: string) => VMS.find((v) => v.id === id)!.ip

interface Replica {
  name: string
  server: StartedMetadataServer
  sink: EtcdProgressSink
  warnings: string[]
  ask(id: string, what: 'send_my_password' | 'saved_password'): Promise<Reply>
  close(): Promise<void>
}

describe('CloudStack password acknowledgements in etcd (store mode, 3-member cluster)', {skip}, () => {
  let etcd: EtcdCluster
  const open: Replica[] = []

  const connect = (prefix: string) => new StoreConnection({url: parseStoreUrl(etcd.url), prefix, callTimeoutMs: 3000})

  /** A metadata server with the CloudStack password server, its progress in etcd under `prefix`, as replica `name`. */
  async function replica(name: string, prefix: string): Promise<Replica> {
    const conn = connect(prefix)
    const warnings: string[] = []
    const sink = await openProgressSink(conn, {replica: name, listen: '127.0.0.1:0', generation: 1, onWarning: (l) => warnings.push(l)})
    const server = await startMetadataServer({inventory: {instances: VMS}, passwordPort: 0, progressSink: sink})
    let closed = false
    const r: Replica = {
      name,
      server,
      sink,
      warnings,
      ask: (id, what) => httpGet(server.passwordUrl!, {from: ip(id), headers: {DomU_Request: what}}),
      close: async () => {
        if (closed) return
        closed = true
        await server.close()
        await sink.close()
        conn.close()
      },
    }
    open.push(r)
    return r
  }

  async function readKey(prefix: string, key: string): Promise<string | null> {
    const conn = connect(prefix)
    try {
      return await conn.client.get(key).string()
    } finally {
      conn.close()
    }
  }

  async function putKey(prefix: string, key: string, value: string): Promise<void> {
    const conn = connect(prefix)
    try {
      await conn.client.put(key).value(value)
    } finally {
      conn.close()
    }
  }

  before(async () => {
    etcd = await startEtcdCluster()
  })
  after(async () => {
    for (const r of open) await r.close().catch(() => undefined)
    await etcd?.stop()
  })

  test('ack on replica a: committed before the 200; neither a restarted a nor replica b hands the password out again; a rearm is honoured everywhere', async () => {
    const prefix = '/pw1/'
    const a = await replica('a', prefix)
    const b = await replica('b', prefix) // running before the ack: it must not rely on what it read at start
    assert.equal((await a.ask('cs-1', 'send_my_password')).body, 'one-time-pw-1')
    const t = performance.now()
    const ack = await a.ask('cs-1', 'saved_password')
    const took = performance.now() - t
    assert.deepEqual([ack.status, ack.body], [200, 'saved_password'])
    console.log(`# saved_password answered 200 after ${took.toFixed(1)} ms (committed in etcd)`)
    // read right after the 200, from another client: the acknowledgement is already in etcd
    const raw = await readKey(prefix, `${prefix}progress/cs-1/a`)
    assert.ok(raw, 'progress/cs-1/a is in etcd when the 200 arrives')
    assert.equal((JSON.parse(raw) as StoredProgress).password?.state, 'saved')

    // replica b, at once after the 200
    const onB = await b.ask('cs-1', 'send_my_password')
    assert.deepEqual([onB.status, onB.body], [200, 'saved_password'], 'replica b does not hand it out again')
    assert.equal((await b.ask('cs-2', 'send_my_password')).body, 'one-time-pw-2', 'never acknowledged: still given')

    // replica a restarts
    await a.close()
    const a2 = await replica('a', prefix)
    assert.deepEqual(a2.server.passwordServer!.passwords.acknowledged(), ['cs-1'], 'restored from its own records')
    assert.equal((await a2.ask('cs-1', 'send_my_password')).body, 'saved_password', 'a restart does not hand it out again')
    assert.equal((await a2.ask('cs-2', 'send_my_password')).body, 'one-time-pw-2')

    // cs-2 acknowledges on b; a2 (started before) honours it
    assert.equal((await b.ask('cs-2', 'saved_password')).status, 200)
    assert.equal((await a2.ask('cs-2', 'send_my_password')).body, 'saved_password')

    // a rearm on b (after b learned of a's ack by reading it): every replica hands the password out again
    assert.ok(b.server.passwordServer!.passwords.rearm('cs-1'), 'b knows cs-1 as acknowledged')
    await b.sink.commit()
    assert.equal((await a2.ask('cs-1', 'send_my_password')).body, 'one-time-pw-1', 'the rearm on b is honoured by a')
    assert.equal((await b.ask('cs-1', 'send_my_password')).body, 'one-time-pw-1')
    await a2.close()
    await b.close()
  })

  test('a corrupted or foreign record is skipped with a warning naming its key; the good ones are honoured', async () => {
    const prefix = '/pw2/'
    // a valid acknowledgement from replica z, a corrupted one from y, a foreign one (cs-1's record under cs-3's key)
    const rec = (id: string, replica: string, password: unknown) =>
      JSON.stringify({id, replica, steps: {}, lastStep: 'first-request', lastStepAt: 1, requests: 0, events: 0, updatedAt: 1, password})
    await putKey(prefix, `${prefix}progress/cs-1/z`, rec('cs-1', 'z', {state: 'saved', at: 1}))
    await putKey(prefix, `${prefix}progress/cs-2/y`, rec('cs-2', 'y', {state: 'sort-of', at: 1}))
    await putKey(prefix, `${prefix}progress/cs-3/x`, rec('cs-1', 'x', {state: 'saved', at: 1}))
    const a = await replica('a', prefix)
    assert.equal((await a.ask('cs-1', 'send_my_password')).body, 'saved_password', 'the acknowledgement taken by z')
    assert.equal((await a.ask('cs-2', 'send_my_password')).body, 'one-time-pw-2', 'the corrupted record is no acknowledgement')
    assert.equal((await a.ask('cs-3', 'send_my_password')).body, 'one-time-pw-3', 'the foreign record is no acknowledgement of cs-3')
    assert.ok(
      a.warnings.some((w) => w.startsWith(`progress: skipped the record at ${prefix}progress/cs-2/y: password`)),
      a.warnings.join('\n'),
    )
    assert.ok(
      a.warnings.some((w) => w.startsWith(`progress: skipped the record at ${prefix}progress/cs-3/x: `)),
      a.warnings.join('\n'),
    )
    await a.close()
  })

  test('etcd down: saved_password is answered 503 (Retry-After), as a phone-home; a password not known as saved is not handed out; back up, the retry is 200', async () => {
    const prefix = '/pw3/'
    const a = await replica('a', prefix)
    assert.equal((await a.ask('cs-1', 'send_my_password')).body, 'one-time-pw-1')
    assert.equal((await a.ask('cs-3', 'saved_password')).status, 200)
    for (let i = 0; i < etcd.members.length; i++) await etcd.stopMember(i)
    try {
      const t = Date.now()
      const r = await a.ask('cs-1', 'saved_password')
      const took = Date.now() - t
      assert.deepEqual([r.status, r.body], [503, 'unavailable'])
      assert.equal(r.headers['retry-after'], '5')
      assert.ok(took < 7000, `answered after ${took} ms`)
      // the store cannot say whether another replica took an acknowledgement: no password is handed out
      const give = await a.ask('cs-2', 'send_my_password')
      assert.deepEqual([give.status, give.body, give.headers['retry-after']], [503, 'unavailable', '5'])
      // one this replica knows as saved is still refused
      assert.deepEqual([(await a.ask('cs-3', 'send_my_password')).body], ['saved_password'])
    } finally {
      await etcd.restartAll()
    }
    let again: Reply | undefined
    const t = Date.now()
    while (Date.now() - t < 30_000) {
      again = await a.ask('cs-1', 'saved_password')
      if (again.status === 200) break
      await sleep(500)
    }
    assert.deepEqual([again?.status, again?.body], [200, 'saved_password'])
    assert.equal((JSON.parse((await readKey(prefix, `${prefix}progress/cs-1/a`))!) as StoredProgress).password?.state, 'saved')
    await a.close()
  })
})
