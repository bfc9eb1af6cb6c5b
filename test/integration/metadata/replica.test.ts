/**
 * Replicas (`metadata serve --store`) against a real 3-member etcd cluster on loopback ports: one cluster for
 * the file, a prefix of its own per test. In process through the library, and through the built CLI.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, connect, type Server, type Socket} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {stringify} from 'yaml'
import {startEtcdCluster, etcdSkip, type EtcdCluster} from '../../helpers/etcd.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'
import {ensureBuilt, runCli, startServe} from '../../helpers/metadata-serve.js'
import {startMetadataServer, type ReloadResult} from '../../../src/metadata/index.js'
import {StoreConnection} from '../../../src/metadata/store/connection.js'
import {EtcdInventoryStore} from '../../../src/metadata/store/etcd.js'
import {cacheFile} from '../../../src/metadata/store/cache.js'
import {prepareDocs} from '../../../src/metadata/store/generation.js'
import {pushInventory} from '../../../src/metadata/store/inventory-store.js'
import {parseStoreUrl} from '../../../src/metadata/store/url.js'
import type {StoreHealth} from '../../../src/metadata/store/follower.js'

const skip = etcdSkip()
const VMS = 20
const ip = (i: number) => `127.3.0.${i + 1}`
const FAST = {initialMs: 100, maxMs: 1000}
/** The server's default crawl-pin idle time: a VM that asked within it stays on its snapshot. */
const PIN_IDLE_MS = 2000

function inventoryText(gen: number, vms = VMS): string {
  return stringify({
    instances: Array.from({length: vms}, (_, i) => ({
      id: `vm-${i}`,
      ip: ip(i),
      hostname: `vm-${i}-g${gen}`,
      meta_data: {generation: gen},
      user_data: `#cloud-config\n# generation ${gen}\n`,
    })),
  })
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Wait until /healthz reports generation `n`, then until every crawl pinned to the previous one went idle. */
async function servedGeneration(admin: string, n: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(`generation ${n} on /healthz`, async () => (await health(admin)).store.generation === n, timeoutMs)
  await sleep(PIN_IDLE_MS + 100)
}

async function hostname(url: string, i = 0): Promise<string> {
  return (await httpGet(`${url}/latest/meta-data/hostname`, {from: ip(i)})).body
}

interface Health {
  status: string
  instances: number
  store: StoreHealth
}

async function health(admin: string): Promise<Health> {
  return JSON.parse((await httpGet(`${admin}/healthz`)).body) as Health
}

/** A TCP pass-through to one etcd member that the test can cut (the replica's watch goes down, etcd stays up). */
class CuttableProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  port = 0

  constructor(private readonly target: number) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as {port: number}).port
    this.server = server
  }

  /** Stop accepting and reset every connection. */
  async cut(): Promise<void> {
    const s = this.server
    this.server = undefined
    for (const sock of this.sockets) sock.resetAndDestroy()
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}

describe('replicas (metadata serve --store) against a 3-member etcd cluster', {skip}, () => {
  let etcd: EtcdCluster
  const tmp = tempDir('netops-replica-')
  const conns: StoreConnection[] = []
  const connection = (prefix: string, url = etcd.url) => {
    const c = new StoreConnection({url: parseStoreUrl(url), prefix, callTimeoutMs: 2000})
    conns.push(c)
    return c
  }
  /** Publish inventoryText(gen) under `prefix` (as `netops metadata inventory push` does). */
  const push = async (prefix: string, gen: number, vms = VMS) => {
    const store = new EtcdInventoryStore(connection(prefix))
    const r = await pushInventory(store, prepareDocs([{file: 'vms.yaml', text: inventoryText(gen, vms)}]), {
      dryRun: false,
      storeText: etcd.url,
    })
    assert.equal(r.published, true)
    return r.to!
  }
  const startReplica = async (prefix: string, o: {url?: string; cacheDir?: string; reloads?: ReloadResult[]; notes?: string[]} = {}) =>
    startMetadataServer({
      store: {
        connection: connection(prefix, o.url),
        replica: 'r-test',
        backoff: FAST,
        ...(o.cacheDir ? {cacheDir: o.cacheDir} : {}),
        note: (line) => o.notes?.push(line),
      },
      host: '127.0.0.1',
      port: 0,
      admin: {host: '127.0.0.1', port: 0},
      pinIdleMs: 1500,
      onReload: (r) => o.reloads?.push(r),
    })

  before(async () => {
    etcd = await startEtcdCluster()
    ensureBuilt()
  })
  after(async () => {
    for (const c of conns) c.close()
    await etcd?.stop()
    tmp.cleanup()
  })

  test('a replica serves the pushed generation; a second push is swapped in whole, mid-crawl VMs keep theirs', async () => {
    const prefix = '/r1/'
    await push(prefix, 1)
    const reloads: ReloadResult[] = []
    const server = await startReplica(prefix, {reloads})
    try {
      assert.equal(server.store?.start.generation, 1)
      assert.equal(server.store?.start.fromCache, false)
      assert.equal(await hostname(server.url), 'vm-0-g1')
      const h = await health(server.adminUrl!)
      assert.equal(h.status, 'ok')
      assert.deepEqual(
        {...h.store, since: typeof h.store.since},
        {
          url: etcd.url,
          prefix,
          replica: 'r-test',
          state: 'connected',
          generation: 1,
          revision: h.store.revision,
          since: 'string',
          degraded: null,
          cache: null,
        },
      )

      // VMs crawl while two more generations are pushed: no crawl mixes two
      let stop = false
      const seen = new Set<number>()
      const crawler = async (i: number) => {
        while (!stop) {
          const gens: number[] = []
          for (const p of [
            '/2021-03-23/meta-data/hostname',
            '/2021-03-23/user-data',
            '/nocloud/meta-data',
            '/openstack/latest/meta_data.json',
          ]) {
            const r = await httpGet(server.url + p, {from: ip(i)})
            assert.equal(r.status, 200, `${p} for vm-${i}`)
            for (const m of r.body.matchAll(/(?:-g|generation[": ]+)(\d+)/g)) gens.push(Number(m[1]))
          }
          assert.equal(new Set(gens).size, 1, `vm-${i} crawl mixed generations ${gens.join(',')}`)
          seen.add(gens[0]!)
          await sleep(1550 + Math.random() * 200)
        }
      }
      const crawlers = Array.from({length: VMS}, (_, i) => crawler(i))
      const settled = Promise.allSettled(crawlers)
      await sleep(300)
      const g2 = await push(prefix, 2)
      await sleep(500)
      const g3 = await push(prefix, 3)
      await waitFor('generation 3 served', () => server.store?.health().generation === g3)
      await sleep(2000)
      stop = true
      for (const r of await settled) if (r.status === 'rejected') throw r.reason
      assert.ok(seen.has(3), `crawls saw ${[...seen].join(',')}`)
      const storeReloads = reloads.filter((r) => r.trigger === 'store' && r.ok)
      assert.deepEqual(
        storeReloads.map((r) => [r.generation, r.instances]),
        [
          [g2, VMS],
          [g3, VMS],
        ],
      )
      assert.equal(storeReloads[0]!.source, `${etcd.url} ${prefix}`)
      assert.equal(await hostname(server.url), 'vm-0-g3')
    } finally {
      await server.close()
    }
  })

  test('nothing published yet: serves 0 instances, degraded, and picks the first push up', async () => {
    const prefix = '/r2/'
    const server = await startReplica(prefix)
    try {
      assert.equal(server.store?.start.generation, null)
      const h = await health(server.adminUrl!)
      assert.equal(h.status, 'degraded')
      assert.equal(h.store.degraded, 'no inventory published yet')
      assert.equal((await httpGet(`${server.url}/latest/meta-data/hostname`, {from: ip(0)})).status, 404)
      await push(prefix, 1)
      await servedGeneration(server.adminUrl!, 1)
      assert.equal(await hostname(server.url), 'vm-0-g1')
      assert.equal((await health(server.adminUrl!)).status, 'ok')
    } finally {
      await server.close()
    }
  })

  test('one member killed at a time (the watch moves to another member): still connected, every push served', async () => {
    const prefix = '/r7/'
    await push(prefix, 1)
    const notes: string[] = []
    const server = await startReplica(prefix, {notes})
    try {
      for (let i = 0; i < 3; i++) {
        await etcd.kill(i)
        // the pushing client itself may need a moment to find the members left (etcd3's retry + circuit breakers)
        let g = 0
        for (let attempt = 0; g === 0; attempt++) {
          try {
            g = await push(prefix, i + 2)
          } catch (err) {
            if (attempt >= 10) throw err
            await sleep(500)
          }
        }
        await waitFor(`generation ${g} with member ${i} killed`, () => server.store?.health().generation === g)
        assert.equal(server.store?.health().state, 'connected')
        await etcd.restart(i)
      }
      assert.deepEqual(
        notes.filter((n) => /reconnecting/.test(n)),
        [],
        'one member down is not "unreachable"',
      )
    } finally {
      await server.close()
      await etcd.restartAll()
    }
  })

  test('a compacted revision while the watch is down: the replica reads current again (full reload)', async () => {
    const prefix = '/r3/'
    await push(prefix, 1)
    const proxy = new CuttableProxy(etcd.members[0]!.clientPort)
    await proxy.open()
    const notes: string[] = []
    const reloads: ReloadResult[] = []
    const server = await startReplica(prefix, {url: `etcd://127.0.0.1:${proxy.port}`, notes, reloads})
    try {
      assert.equal(await hostname(server.url), 'vm-0-g1')
      await proxy.cut()
      await waitFor('the replica notices', () => server.store?.health().state === 'unreachable')
      const h = await health(server.adminUrl!)
      assert.equal(h.status, 'degraded')
      assert.match(h.store.degraded ?? '', /^store unreachable since \d{4}-\d\d-\d\dT/)
      assert.equal(await hostname(server.url), 'vm-0-g1', 'still serving')
      for (const g of [2, 3, 4]) await push(prefix, g)
      const client = connection(prefix).client
      const rev = (await client.kv.range({key: Buffer.from(`${prefix}inventory/current`)})).header.revision
      await client.kv.compact({revision: rev, physical: true})
      await proxy.open()
      await servedGeneration(server.adminUrl!, 4)
      assert.equal(await hostname(server.url), 'vm-0-g4')
      assert.ok(
        notes.some((n) => /compacted/.test(n)),
        notes.join('\n'),
      )
      assert.deepEqual(
        reloads.filter((r) => r.trigger === 'store').map((r) => r.generation),
        [4],
        'one full reload to the latest generation, not a replay of 2 and 3',
      )
      await waitFor('health ok', async () => (await health(server.adminUrl!)).status === 'ok')
    } finally {
      await server.close()
      await proxy.cut()
    }
  })

  test('the built CLI: serves a push, keeps serving with every member down (degraded), then serves a push made after restart', async () => {
    const prefix = '/r4/'
    await push(prefix, 1)
    const cache = `${tmp.dir}/cache`
    const s = await startServe([
      ...['--store', etcd.url, '--store-prefix', prefix, '--replica-name', 'cli-1', '--store-cache', cache],
      ...['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
    ])
    try {
      assert.deepEqual(s.startup['store'], {url: etcd.url, prefix, replica: 'cli-1', generation: 1, instances: VMS, fromCache: false})
      assert.equal(await hostname(s.url), 'vm-0-g1')
      await push(prefix, 2)
      await servedGeneration(s.admin!, 2)
      assert.equal(await hostname(s.url), 'vm-0-g2')
      assert.match(s.stderr(), /"event":"reload","trigger":"store","ok":true,"source":"[^"]+","generation":2,"instances":20/)
      const file = cacheFile(cache, prefix)
      await waitFor(
        'the cache written',
        () => existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as {generation: number}).generation === 2,
      )
      assert.equal(statSync(file).mode & 0o777, 0o600)

      for (let i = 0; i < 3; i++) await etcd.stopMember(i)
      await waitFor('degraded', async () => (await health(s.admin!)).status === 'degraded')
      const h = await health(s.admin!)
      assert.equal(h.store.state, 'unreachable')
      assert.match(h.store.degraded ?? '', /^store unreachable since /)
      assert.equal(h.store.degraded, `store unreachable since ${h.store.since}`)
      assert.equal(h.store.generation, 2)
      assert.equal(h.store.cache, file)
      for (let n = 0; n < 5; n++) assert.equal(await hostname(s.url, n), `vm-${n}-g2`, 'keeps serving its last generation')

      // a replica started now, while etcd is down: from the cache, and it says so; without a cache: exit 3
      // (both started at once: each first waits for etcd to answer)
      const [cached, none] = await Promise.all([
        startServe([
          ...['--store', etcd.url, '--store-prefix', prefix, '--replica-name', 'cli-2', '--store-cache', cache],
          ...['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
        ]),
        runCli(['metadata', 'serve', '--store', etcd.url, '--store-prefix', prefix, '--listen', '127.0.0.1:0', '--admin-listen', 'off']),
      ])
      try {
        assert.deepEqual(cached.startup['store'], {url: etcd.url, prefix, replica: 'cli-2', generation: 2, instances: VMS, fromCache: true})
        assert.match(cached.stderr(), new RegExp(`store unreachable: serving generation 2 from the cache ${cache} \\(written \\d{4}-`))
        assert.equal(await hostname(cached.url), 'vm-0-g2')
        assert.equal((await health(cached.admin!)).status, 'degraded')

        assert.equal(none.status, 3, none.stderr)
        assert.match(none.stderr, /cannot reach the etcd store/)
        assert.match(none.stderr, /--store-cache/)

        await etcd.restartAll()
        await push(prefix, 3)
        await Promise.all([s, cached].map((r) => servedGeneration(r.admin!, 3, 30_000)))
        for (const r of [s, cached]) {
          assert.equal(await hostname(r.url), 'vm-0-g3')
          assert.equal((await health(r.admin!)).status, 'ok')
        }
        assert.match(s.stderr(), /store: reachable again after/)
      } finally {
        assert.equal(await cached.stop(), 0)
      }
    } finally {
      await etcd.restartAll()
      assert.equal(await s.stop(), 0, s.stderr())
    }
  })

  test('a corrupt cache while etcd is down: exit 3 naming the file', async () => {
    const prefix = '/r5/'
    const cache = `${tmp.dir}/cache5`
    const file = cacheFile(cache, prefix)
    await import('node:fs/promises').then((fs) => fs.mkdir(cache, {recursive: true}))
    writeFileSync(file, '{"format":"netops-metadata-store-cache/1","prefix":"/r5/","gener')
    const r = await runCli([
      'metadata',
      'serve',
      '--store',
      'etcd://127.0.0.1:1',
      '--store-prefix',
      prefix,
      '--store-cache',
      cache,
      '--listen',
      '127.0.0.1:0',
      '--admin-listen',
      'off',
    ])
    assert.equal(r.status, 3, r.stderr)
    assert.ok(r.stderr.includes(`the store cache ${file} is unusable`), r.stderr)
  })

  test('--inventory or --watch with --store is a usage error', async () => {
    for (const extra of [['--inventory', 'vms.yaml'], ['--no-watch']]) {
      const r = await runCli(['metadata', 'serve', '--store', etcd.url, ...extra, '--listen', '127.0.0.1:0'])
      assert.equal(r.status, 2, r.stderr)
      assert.match(r.stderr, /cannot be used with --store/)
      assert.match(r.stderr, /netops metadata inventory push/)
    }
    const bad = await runCli(['metadata', 'serve', '--store', etcd.url, '--replica-name', 'a b', '--listen', '127.0.0.1:0'])
    assert.equal(bad.status, 2, bad.stderr)
  })

  test('--workers 2 with --store: the primary follows, both workers serve a push', async () => {
    const prefix = '/r6/'
    await push(prefix, 1)
    const s = await startServe([
      ...['--store', etcd.url, '--store-prefix', prefix, '--workers', '2'],
      ...['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--cloudstack-password-port', 'off'],
    ])
    try {
      const counters = async () => {
        const text = (await httpGet(`${s.admin}/metrics`)).body
        return new Map(
          [...text.matchAll(/^netops_metadata_worker_requests_total\{worker="(\d+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
        )
      }
      assert.equal(await hostname(s.url), 'vm-0-g1')
      await push(prefix, 2)
      await servedGeneration(s.admin!, 2)
      const before = await counters()
      // new connections spread over both workers: every answer is generation 2
      for (let n = 0; n < 60; n++) assert.equal(await hostname(s.url, n % VMS), `vm-${n % VMS}-g2`)
      await sleep(200)
      const afterPush = await counters()
      assert.equal(afterPush.size, 2, JSON.stringify([...afterPush]))
      for (const [w, n] of afterPush) assert.ok(n > (before.get(w) ?? 0), `worker ${w} answered after the push`)
    } finally {
      assert.equal(await s.stop(), 0, s.stderr())
    }
  })
})
