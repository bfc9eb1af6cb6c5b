/**
 * The fleet part of `npm run bench:metadata` (BENCH_ONLY=fleet runs it alone): two
 * `netops metadata serve --store` replicas (the built CLI, each its own process) over a private
 * 3-member etcd cluster (test/helpers/etcd.ts), BENCH_FLEET_VMS (default 1,000) VMs in the inventory.
 *
 * a. Propagation: 20 pushes (every VM's hostname and user-data change each time). For each push, the
 *    time from the push starting (read current, write the generation, flip) and from the flip (the
 *    compare-and-swap on `current`) until each replica answers a VM with the new hostname, polled every
 *    5 ms per replica on new connections, each poll from another VM's address (a VM that asked
 *    within 2 s stays on its crawl's snapshot: crawl pinning).
 * b. Storm: every VM at once doing cloud-init 22.4's Ec2 crawl and phone_home — the request sequence
 *    taken from a real crawl's request log (Debian's cloud-init code, test/helpers/cloud-init.ts) and
 *    replayed by a node client per VM, a new connection per request, from the VM's own 127.62.x.y
 *    address, homed on replica i % 2 and failing over to the other one on a refused or reset
 *    connection (as a virtual IP would); replica 0 is SIGKILLed when half of the storm's requests are answered.
 *    A VM fails when a request fails on both replicas, an answer is not its own, or its phone-home
 *    is not answered 200 within cloud-init's 10 tries (3 s apart). Then `metadata status --store`
 *    must count every VM done.
 *
 * Nothing is pinned to a core here: 2 replicas, 3 etcd members and the client share the machine.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {EtcdInventoryStore} from '../src/metadata/store/etcd.js'
import {prepareInventory} from '../src/metadata/store/generation.js'
import {pushInventory} from '../src/metadata/store/inventory-store.js'
import {parseStoreUrl} from '../src/metadata/store/url.js'
import {cloudInitMissingReason, crawl} from '../test/helpers/cloud-init.js'
import {etcdMissingReason, startEtcdCluster, type EtcdCluster} from '../test/helpers/etcd.js'
import {
  fleetInventory,
  fleetStatus,
  fleetVms,
  hostnameIn,
  routedRequest,
  startFleet,
  startVirtualIp,
  type Fleet,
  type FleetVm,
} from '../test/helpers/fleet.js'
import {f2, ok, table} from './report.js'

const VMS = Number(process.env['BENCH_FLEET_VMS'] ?? 1000)
const PUSHES = 20
const PREFIX = '/netops-bench/'
const NET = 62

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------
interface Propagation {
  /** ms from push start until replica r serves it, per push. */
  fromPush: number[][]
  /** ms from the flip until replica r serves it, per push. */
  fromFlip: number[][]
}

/** Poll one replica (5 ms apart, rotating VM addresses) until it answers `gen`'s hostname; resolves with the time it did. */
async function servedAt(port: number, vms: readonly FleetVm[], gen: string, start: {i: number}, give: number): Promise<number> {
  const deadline = performance.now() + give
  while (performance.now() < deadline) {
    const vm = vms[start.i++ % vms.length]!
    const t = performance.now()
    try {
      const r = await routedRequest([port], 0, vm.ip, 'GET', '/latest/meta-data/local-hostname')
      if (r.status === 200 && r.body === hostnameIn(vm, gen)) return t
    } catch {
      // a replica that is reconnecting: keep polling
    }
    await sleep(5)
  }
  throw new Error(`replica on port ${port} did not serve ${gen} within ${give} ms`)
}

async function propagation(dir: string, etcd: EtcdCluster, fleet: Fleet, vms: readonly FleetVm[]): Promise<Propagation> {
  const store = new EtcdInventoryStore({url: parseStoreUrl(etcd.url), prefix: PREFIX})
  const out: Propagation = {fromPush: fleet.replicas.map(() => []), fromFlip: fleet.replicas.map(() => [])}
  // each replica polls its own stretch of addresses
  const cursors = fleet.replicas.map((_, r) => ({i: r * Math.floor(vms.length / 2)}))
  try {
    for (let k = 2; k < PUSHES + 2; k++) {
      const gen = `g${k}`
      const file = join(dir, `fleet-${gen}.yaml`)
      writeFileSync(file, stringify(fleetInventory(vms, gen)))
      const input = await prepareInventory(file)
      await sleep(2100) // every address idle for longer than the crawl pin
      let flip = 0
      const t0 = performance.now()
      // pollers start with the push: nothing new can be served before the flip anyway
      const polls = Promise.all(fleet.replicas.map((r, i) => servedAt(r.port, vms, gen, cursors[i]!, 15_000)))
      await pushInventory(store, input, {
        dryRun: false,
        storeText: etcd.url,
        beforeFlip: () => {
          flip = performance.now()
          return Promise.resolve()
        },
      })
      const at = await polls
      at.forEach((t, r) => {
        out.fromPush[r]!.push(t - t0)
        out.fromFlip[r]!.push(Math.max(0, t - flip))
      })
    }
  } finally {
    store.close()
  }
  return out
}

// ---------------------------------------------------------------------------------------------
interface StormResult {
  vms: number
  seconds: number
  requests: number
  failed: number
  wrong: number
  rerouted: number
  done: number
  perVm: number
  killedAfter: number
  /** The first wrong answer, to say what it was. */
  wrongExample: string | undefined
}

async function fleetStorm(etcd: EtcdCluster, fleet: Fleet, vms: readonly FleetVm[], gen: string): Promise<StormResult> {
  // every address idle for longer than the crawl pin (2 s), so that no VM continues a "crawl" the propagation pollers began
  await sleep(2100)
  // the sequence: one real cloud-init crawl (Ec2 + phone_home) of VM 0 through a virtual IP
  const vip = await startVirtualIp(fleet, () => 0)
  const model = vms[0]!
  const real = await crawl({flavor: 'ec2', server: vip.address, source: model.ip, nics: {[model.mac]: 'eth0'}, phoneHome: true})
  await vip.close()
  if (!real.ok || real.phoneHome?.status !== 200) throw new Error(`the model crawl failed: ${real.error ?? JSON.stringify(real.phoneHome)}`)
  // [method, url, status] of every request cloud-init made, in order; the VM's id and MAC are replaced per VM below
  const plan = real.requests.map(([method, url]) => ({method, path: new URL(url).pathname}))

  const ports = fleet.replicas.map((r) => r.port)
  let requests = 0
  let killedAfter = 0
  let wrongExample: string | undefined
  let kill: Promise<void> | undefined
  const t0 = performance.now()
  // half-way: when half of the storm's requests are answered (every VM is mid-crawl then)
  const half = Math.ceil((vms.length * plan.length) / 2)
  const count = () => {
    if (++requests === half) {
      killedAfter = (performance.now() - t0) / 1000
      kill = fleet.kill(0)
    }
  }
  const one = async (vm: FleetVm): Promise<{failed: boolean; wrong: boolean; rerouted: boolean}> => {
    const home = vm.index % ports.length
    let rerouted = false
    let wrong = false
    try {
      for (const step of plan) {
        const path = step.path.replaceAll(model.id, vm.id).replaceAll(model.mac, vm.mac)
        if (step.method === 'POST') {
          // cc_phone_home: form-encoded, up to 10 tries 3 s apart
          const host = hostnameIn(vm, gen)
          const body = `instance_id=${vm.id}&hostname=${host}&fqdn=${host}`
          let status = 0
          for (let k = 0; k < 10 && status !== 200; k++) {
            if (k > 0) await sleep(3000)
            const r = await routedRequest(ports, home, vm.ip, 'POST', path, body, {'content-type': 'application/x-www-form-urlencoded'})
            count()
            rerouted ||= r.rerouted > 0
            status = r.status
          }
          if (status !== 200) return {failed: true, wrong, rerouted}
          continue
        }
        const r = await routedRequest(ports, home, vm.ip, step.method, path)
        count()
        rerouted ||= r.rerouted > 0
        if (r.status !== 200) return {failed: true, wrong, rerouted}
        const want = path.endsWith('/meta-data/instance-id')
          ? vm.id
          : path.endsWith('/meta-data/local-hostname')
            ? hostnameIn(vm, gen)
            : undefined
        if (want !== undefined && r.body !== want) {
          wrong = true
          wrongExample ??= `${vm.ip} ${path} from replica r${r.replica}: ${JSON.stringify(r.body.slice(0, 80))}, not ${want}`
        }
      }
      return {failed: false, wrong, rerouted}
    } catch {
      return {failed: true, wrong, rerouted}
    }
  }
  const results = await Promise.all(vms.map(one))
  const seconds = (performance.now() - t0) / 1000
  await kill
  const status = await fleetStatus(etcd.url, PREFIX)
  return {
    vms: vms.length,
    seconds,
    requests,
    failed: results.filter((r) => r.failed).length,
    wrong: results.filter((r) => r.wrong).length,
    rerouted: results.filter((r) => r.rerouted).length,
    done: status.summary.done,
    perVm: plan.length,
    killedAfter,
    wrongExample,
  }
}

// ---------------------------------------------------------------------------------------------
/** Run the fleet part, print its tables; resolves with its rows for the targets table. */
export async function fleetBench(): Promise<string[][]> {
  const missing = etcdMissingReason() ?? cloudInitMissingReason()
  if (missing) throw new Error(`fleet bench: ${missing}`)
  const dir = mkdtempSync(join(tmpdir(), 'netops-bench-fleet-'))
  const etcd = await startEtcdCluster()
  let fleet: Fleet | undefined
  try {
    const vms = fleetVms(VMS, 'vm', NET)
    const first = join(dir, 'fleet-g1.yaml')
    writeFileSync(first, stringify(fleetInventory(vms, 'g1')))
    const store = new EtcdInventoryStore({url: parseStoreUrl(etcd.url), prefix: PREFIX})
    await pushInventory(store, await prepareInventory(first), {dryRun: false, storeText: etcd.url}).finally(() => store.close())
    fleet = await startFleet(2, (i) => ['--store', etcd.url, '--store-prefix', PREFIX, '--replica-name', `r${i}`])

    const p = await propagation(dir, etcd, fleet, vms)
    const all = (rows: number[][]) => rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!)))
    const first1 = (rows: number[][]) => rows[0]!.map((_, k) => Math.min(...rows.map((r) => r[k]!)))
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
    const row = (name: string, xs: number[]) => {
      const s = sorted(xs)
      return [name, `${f2(pct(s, 50))} ms`, `${f2(pct(s, 99))} ms`, `${f2(s[s.length - 1]!)} ms`]
    }
    console.log(
      `\n4a. fleet propagation: ${PUSHES} pushes of ${VMS} instances (every VM changed), 2 replicas over a 3-member etcd; until a VM gets the new hostname`,
    )
    console.log(
      table([
        ['from', 'p50', 'p99', 'max'],
        row('flip → first replica serves it', first1(p.fromFlip)),
        row('flip → replica r0 serves it', p.fromFlip[0]!),
        row('flip → replica r1 serves it', p.fromFlip[1]!),
        row('flip → both replicas serve it', all(p.fromFlip)),
        row('push start → both replicas serve it', all(p.fromPush)),
      ]),
    )
    console.log(
      `   push start: read current + write the ${VMS} instances' keys + flip (in-process, no CLI start-up); p99 of ${PUSHES} pushes is the slowest`,
    )
    console.log('   nothing pinned: the replicas, the 3 etcd members and the pollers share every core')
    const p99 = pct(sorted(all(p.fromFlip)), 99)

    const s = await fleetStorm(etcd, fleet, vms, `g${PUSHES + 1}`)
    console.log(
      `\n4b. fleet storm: ${s.vms} VMs at once, cloud-init 22.4's Ec2 crawl + phone_home (${s.perVm} requests, replayed from a real crawl), VM i → replica i % 2, replica r0 SIGKILLed after ${f2(s.killedAfter)} s`,
    )
    console.log(
      table([
        ['VMs', 'all served in', 'VMs/s', 'requests', 'requests/s', 'failed over', 'failed', 'wrong data', 'done in status --store'],
        [
          String(s.vms),
          `${f2(s.seconds)} s`,
          f2(s.vms / s.seconds),
          String(s.requests),
          f2(s.requests / s.seconds),
          String(s.rerouted),
          String(s.failed),
          String(s.wrong),
          String(s.done),
        ],
      ]),
    )
    if (s.wrongExample) console.log(`   wrong data, e.g. ${s.wrongExample}`)
    return [
      ['fleet: push → served by both replicas, p99 < 1 s', `${f2(p99)} ms`, ok(p99 < 1000)],
      [
        `fleet storm, a replica killed: 0 of ${s.vms} VMs failed`,
        `${s.failed} failed, ${s.wrong} wrong`,
        ok(s.failed === 0 && s.wrong === 0),
      ],
      ['fleet storm: every VM done in status --store', `${s.done}/${s.vms}`, ok(s.done === s.vms)],
    ]
  } finally {
    await fleet?.stop()
    await etcd.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
