/**
 * Provisioning progress in etcd (store mode) against a real 3-member etcd cluster on loopback ports:
 * two metadata servers ("replicas" a and b, same inventory, each with its own etcd progress sink), VMs
 * whose crawl hits one and whose phone-home hits the other, `metadata status --store` (--json, human,
 * --watch on a pipe) through the built CLI, replica presence on a lease, and etcd going away.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {request} from 'node:http'
import {stringify} from 'yaml'
import {REPO} from '../../helpers/cli.js'
import {etcdSkip, startEtcdCluster, type EtcdCluster} from '../../helpers/etcd.js'
import {httpGet, type Reply} from '../../helpers/metadata.js'
import {ensureBuilt, runCli} from '../../helpers/metadata-serve.js'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/start.js'
import {StoreConnection} from '../../../src/metadata/store/connection.js'
import {EtcdInventoryStore} from '../../../src/metadata/store/etcd.js'
import {readFleetStatus} from '../../../src/metadata/store/fleet-status.js'
import {prepareDocs} from '../../../src/metadata/store/generation.js'
import {pushInventory} from '../../../src/metadata/store/inventory-store.js'
import {openProgressSink, type EtcdProgressSink, type StoredProgress} from '../../../src/metadata/store/progress-store.js'
import {parseStoreUrl} from '../../../src/metadata/store/url.js'
import type {FleetStatusView} from '../../../src/metadata/admin/client.js'

const skip = etcdSkip()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const vm = (i: number) => ({id: `vm-${String(i).padStart(2, '0')}`, ip: `127.3.0.${i + 1}`})
function inventory(n: number): Record<string, unknown> {
  return {instances: Array.from({length: n}, (_, i) => ({...vm(i), hostname: vm(i).id, user_data: '#cloud-config\nruncmd: [true]\n'}))}
}

function post(url: string, from: string, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body)},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers}))
      },
    )
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

const phoneHome = (base: string, i: number) =>
  post(`${base}/phone-home/${vm(i).id}`, vm(i).ip, `instance_id=${vm(i).id}&hostname=${vm(i).id}`)

async function crawl(base: string, i: number): Promise<void> {
  for (const doc of ['meta-data', 'user-data', 'vendor-data']) {
    const r = await httpGet(`${base}/nocloud/${doc}`, {from: vm(i).ip})
    assert.equal(r.status, 200, `${vm(i).id} ${doc}`)
  }
}

interface Replica {
  name: string
  conn: StoreConnection
  sink: EtcdProgressSink
  server: StartedMetadataServer
  close(): Promise<void>
}

describe('provisioning progress in etcd (3-member cluster)', {skip}, () => {
  let etcd: EtcdCluster
  const open: Replica[] = []

  const connect = (prefix: string, callTimeoutMs = 5000) => new StoreConnection({url: parseStoreUrl(etcd.url), prefix, callTimeoutMs})

  /** A metadata server with the inventory inline and its progress in etcd under `prefix`, as replica `name`. */
  async function replica(name: string, prefix: string, n: number, leaseTtlSeconds = 10): Promise<Replica> {
    const conn = connect(prefix)
    const sink = await openProgressSink(conn, {replica: name, listen: '127.0.0.1:0', generation: 1, leaseTtlSeconds})
    const server = await startMetadataServer({
      inventory: inventory(n),
      phoneHome: true,
      progressSink: sink,
      admin: {host: '127.0.0.1', port: 0},
    })
    await sink.announce({listen: `${server.host}:${server.port}`})
    let closed = false
    const r: Replica = {
      name,
      conn,
      sink,
      server,
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

  async function publish(prefix: string, n: number): Promise<void> {
    const store = new EtcdInventoryStore({url: parseStoreUrl(etcd.url), prefix})
    try {
      await pushInventory(store, prepareDocs([{file: 'vms.yaml', text: stringify(inventory(n))}]), {dryRun: false, storeText: etcd.url})
    } finally {
      store.close()
    }
  }

  async function readKey(prefix: string, key: string): Promise<string | null> {
    const conn = connect(prefix)
    try {
      return await conn.client.get(key).string()
    } finally {
      conn.close()
    }
  }

  before(async () => {
    ensureBuilt()
    etcd = await startEtcdCluster()
  })
  after(async () => {
    for (const r of open) await r.close().catch(() => undefined)
    await etcd?.stop()
  })

  test('crawl on replica a, phone-home on replica b: the 200 comes after the key is in etcd, and the fleet has one VM, done, on a,b', async () => {
    const prefix = '/p1/'
    await publish(prefix, 2)
    const a = await replica('a', prefix, 2)
    const b = await replica('b', prefix, 2)
    await crawl(a.server.url, 0)
    const home = await phoneHome(b.server.url, 0)
    assert.equal(home.status, 200, home.body)
    // read right after the 200, from another client: the phone-home is already committed
    const raw = await readKey(prefix, `${prefix}progress/vm-00/b`)
    assert.ok(raw, 'progress/vm-00/b is in etcd when the 200 arrives')
    const stored = JSON.parse(raw) as StoredProgress
    assert.equal(stored.replica, 'b')
    assert.equal(typeof stored.steps.done, 'number')
    assert.equal(stored.lastStep, 'phone-home')

    await a.sink.commit() // the GET steps are batched (≤ 50 ms): make sure they are out
    const conn = connect(prefix)
    let view: FleetStatusView
    try {
      view = await readFleetStatus(conn, etcd.url)
    } finally {
      conn.close()
    }
    assert.equal(view.total, 2)
    assert.equal(view.provisioned, 1)
    assert.equal(view.instances.length, 1, 'one VM, not one per replica')
    const v = view.instances[0]!
    assert.equal(v.id, 'vm-00')
    assert.equal(v.state, 'done')
    assert.deepEqual(v.replicas, ['a', 'b'])
    assert.ok(v.steps.metaData && v.steps.userData && v.steps.vendorData && v.steps.done, JSON.stringify(v.steps))
    assert.ok(String(v.steps.firstRequest) <= v.steps.metaData, 'first request at or before meta-data')
    assert.deepEqual(
      view.neverAsked.map((n) => n.id),
      ['vm-01'],
    )
    assert.deepEqual(
      view.replicas.map((r) => r.name),
      ['a', 'b'],
    )

    // the same through the built CLI, --json and human
    const json = await runCli(['metadata', 'status', '--store', etcd.url, '--store-prefix', prefix, '--json'])
    assert.equal(json.status, 0, json.stderr)
    const doc = JSON.parse(json.stdout) as FleetStatusView
    assert.equal(doc.generation, 1)
    assert.equal(doc.provisioned, 1)
    assert.deepEqual(
      doc.instances.map((i) => [i.id, i.state, i.replicas.join(',')]),
      [['vm-00', 'done', 'a,b']],
    )
    assert.deepEqual(
      doc.replicas.map((r) => r.name),
      ['a', 'b'],
    )
    const human = await runCli(['metadata', 'status', '--store-prefix', prefix], {NETOPS_METADATA_STORE: etcd.url})
    assert.equal(human.status, 0, human.stderr)
    assert.match(human.stdout, /^generation 1 in etcd:\/\/.*; 2 live replicas: a \(127\.0\.0\.1:\d+\), b \(127\.0\.0\.1:\d+\)$/m)
    assert.match(human.stdout, /^VM\s+ADDRESS\s+STATE\s+LAST STEP\s+WHEN\s+HOW LONG\s+REPLICA$/m)
    assert.match(human.stdout, /^vm-00\s+127\.3\.0\.1\s+done\s+phone-home\s+.*\sa,b$/m)
    await a.close()
    await b.close()
  })

  test('a replica is listed while it lives: its presence key goes when it closes, or when its lease expires (SIGKILL)', async () => {
    const prefix = '/p2/'
    const a = await replica('a', prefix, 1)
    const present = JSON.parse((await readKey(prefix, `${prefix}replicas/a`))!) as {
      name: string
      pid: number
      generation: number
      listen: string
    }
    assert.deepEqual([present.name, present.pid, present.generation, present.listen], ['a', process.pid, 1, `127.0.0.1:${a.server.port}`])
    await a.close()
    assert.equal(await readKey(prefix, `${prefix}replicas/a`), null, 'revoked on close')

    // a replica process killed with SIGKILL: nothing revokes its lease, etcd expires it (TTL 2 s here)
    const code = [
      `import {StoreConnection} from './src/metadata/store/connection.js'`,
      `import {openProgressSink} from './src/metadata/store/progress-store.js'`,
      `import {parseStoreUrl} from './src/metadata/store/url.js'`,
      `const conn = new StoreConnection({url: parseStoreUrl(${JSON.stringify(etcd.url)}), prefix: ${JSON.stringify(prefix)}})`,
      `await openProgressSink(conn, {replica: 'dead', listen: '127.0.0.1:9', generation: 1, leaseTtlSeconds: 2})`,
      `process.stdout.write('ready\\n')`,
      `setInterval(() => undefined, 1000)`,
    ].join('\n')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined))
        child.once('exit', (c) => reject(new Error(`the replica exited (${c})`)))
      })
      await sleep(3000) // longer than the TTL: the lease is kept alive
      assert.ok(await readKey(prefix, `${prefix}replicas/dead`), 'kept alive past its TTL')
    } finally {
      child.kill('SIGKILL')
    }
    const t = Date.now()
    while ((await readKey(prefix, `${prefix}replicas/dead`)) !== null && Date.now() - t < 15_000) await sleep(200)
    assert.equal(await readKey(prefix, `${prefix}replicas/dead`), null, 'gone once its lease expired')
    assert.ok(Date.now() - t < 6000, `gone ${Date.now() - t} ms after the kill`)
  })

  test('status --store: exit 5 when nothing is published, exit 3 when etcd cannot be reached', async () => {
    const empty = await runCli(['metadata', 'status', '--store', etcd.url, '--store-prefix', '/nothing/', '--json'])
    assert.equal(empty.status, 5, empty.stderr)
    assert.equal((JSON.parse(empty.stdout) as {error: {code: string}}).error.code, 'NETOPS_METADATA_STORE_EMPTY')
    const down = await runCli(['metadata', 'status', '--store', 'etcd://127.0.0.1:1', '--json'])
    assert.equal(down.status, 3, down.stderr)
    assert.equal((JSON.parse(down.stdout) as {error: {code: string}}).error.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
  })

  test('status --store --watch on a pipe follows the etcd watch: one line per change, exit 0 when the last VM phones home', async () => {
    const prefix = '/p4/'
    const n = 4
    await publish(prefix, n)
    const a = await replica('a', prefix, n)
    const b = await replica('b', prefix, n)
    await crawl(a.server.url, 0)
    await a.sink.commit()
    const child = spawn(
      process.execPath,
      [`${REPO}/bin/run.js`, 'metadata', 'status', '--store', etcd.url, '--store-prefix', prefix, '--watch', '--timeout', '60'],
      {env: {...process.env, NO_COLOR: '1'}, cwd: REPO},
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    try {
      const t = Date.now()
      while (!stdout.includes('vm-00') && Date.now() - t < 20_000) await sleep(50)
      assert.match(stdout, /vm-00 127\.3\.0\.1 booting vendor-data \(0\/4 provisioned\) on a/)
      // every VM: crawl on one replica, phone home on the other
      for (let i = 0; i < n; i++) {
        const [crawlOn, homeOn] = i % 2 === 0 ? [a, b] : [b, a]
        if (i > 0) await crawl(crawlOn.server.url, i)
        assert.equal((await phoneHome(homeOn.server.url, i)).status, 200)
        await sleep(150) // let the watch draw each change apart
      }
      let hang: NodeJS.Timeout | undefined
      const code = await Promise.race([exited, new Promise((r) => (hang = setTimeout(() => r('hung'), 20_000)))])
      clearTimeout(hang) // a pending timer would keep this file's process alive for up to 20 s
      assert.equal(code, 0, `exit ${String(code)}\n${stdout}\n${stderr}`)
    } finally {
      child.kill()
    }
    const lines = stdout.trim().split('\n')
    assert.equal(lines.at(-1), '4/4 provisioned')
    assert.ok(!stdout.includes('\x1b['), 'no screen redraws on a pipe')
    for (let i = 0; i < n; i++)
      assert.match(stdout, new RegExp(`^\\S+ ${vm(i).id} ${vm(i).ip.replace(/\./g, '\\.')} done phone-home .* on a,b$`, 'm'))
    assert.match(stdout, /\(4\/4 provisioned\) on a,b$/m)
    await a.close()
    await b.close()
  })

  test('etcd down: a phone-home is answered 503 (Retry-After) within about 5 s and counted; status --store exits 3; back up, the retry is 200 and in etcd; a restarted replica keeps its steps', async () => {
    const prefix = '/p5/'
    await publish(prefix, 1)
    const a = await replica('a', prefix, 1)
    await crawl(a.server.url, 0)
    await a.sink.commit()
    for (let i = 0; i < etcd.members.length; i++) await etcd.stopMember(i)
    try {
      const t = Date.now()
      const r = await phoneHome(a.server.url, 0)
      const took = Date.now() - t
      assert.equal(r.status, 503, r.body)
      assert.equal(r.headers['retry-after'], '5')
      assert.ok(took < 7000, `answered after ${took} ms`)
      const metrics = await httpGet(`${a.server.adminUrl}/metrics`)
      assert.match(metrics.body, /^netops_metadata_callbacks_unavailable_total\{reason="(timeout|error)"\} 1$/m)
      const st = await runCli(['metadata', 'status', '--store', etcd.url, '--store-prefix', prefix, '--json'])
      assert.equal(st.status, 3, st.stderr)
      assert.equal((JSON.parse(st.stdout) as {error: {code: string}}).error.code, 'NETOPS_METADATA_STORE_UNREACHABLE')
    } finally {
      await etcd.restartAll()
    }
    // cloud-init tries again: now it is committed before the 200
    let again: Reply | undefined
    const t = Date.now()
    while (Date.now() - t < 30_000) {
      again = await phoneHome(a.server.url, 0)
      if (again.status === 200) break
      await sleep(500)
    }
    assert.equal(again?.status, 200, again?.body)
    const stored = JSON.parse((await readKey(prefix, `${prefix}progress/vm-00/a`))!) as StoredProgress
    assert.equal(typeof stored.steps.done, 'number')
    assert.equal(typeof stored.steps.metaData, 'number')
    await a.close()

    // the replica restarts: it starts from what it wrote (its next write does not lose the earlier steps)
    const again2 = await replica('a', prefix, 1)
    assert.deepEqual(
      again2.sink.restored.map((r) => [r.id, typeof r.steps.metaData, typeof r.steps.done]),
      [['vm-00', 'number', 'number']],
    )
    assert.equal(again2.server.progress.stateOf('vm-00'), 'done')
    await again2.close()
  })
})
