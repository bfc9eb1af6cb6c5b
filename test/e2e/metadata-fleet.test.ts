/**
 * Many compute nodes: `netops metadata serve --store` replicas (the built CLI, each its own process)
 * over a real 3-member etcd cluster (test/helpers/etcd.ts), crawled by Debian 12's cloud-init
 * datasource code (test/helpers/cloud-init.ts; Ec2, OpenStack and NoCloud VMs mixed, each from its
 * own 127.61.x.y address) through a virtual IP that homes VM i on replica i % 2 and fails over to the
 * other one when the home replica refuses or resets (test/helpers/fleet.ts). Every VM also runs
 * cloud-init's own phone_home module with the config the replica served, through the same address.
 *
 * One etcd cluster for the file; each test uses its own store prefix.
 * Needs /usr/bin/etcd and the unpacked cloud-init (scripts/install-test-deps.sh); skipped with the
 * reason without them, and FAILS under CI=true.
 */
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import {stringify} from 'yaml'
import {cloudInitSkip, crawl, type CrawlFlavor, type CrawlResult} from '../helpers/cloud-init.js'
import {etcdSkip, startEtcdCluster, type EtcdCluster} from '../helpers/etcd.js'
import {
  fleetInventory,
  fleetStatus,
  fleetVms,
  generationsSeen,
  health,
  hostnameIn,
  pushInventoryCli,
  startFleet,
  startVirtualIp,
  storm,
  waitFor,
  type Fleet,
  type FleetVm,
  type VirtualIp,
} from '../helpers/fleet.js'
import {tempDir} from '../helpers/metadata.js'
import {ensureBuilt} from '../helpers/metadata-serve.js'
import {EtcdInventoryStore} from '../../src/metadata/store/etcd.js'
import {prepareInventory} from '../../src/metadata/store/generation.js'
import {pushInventory} from '../../src/metadata/store/inventory-store.js'
import {parseStoreUrl} from '../../src/metadata/store/url.js'

const skip = etcdSkip() || cloudInitSkip()
const FLAVORS: CrawlFlavor[] = ['ec2', 'openstack', 'nocloud']
/** Crawls at once: python processes on 2 shared cores. */
const CONCURRENCY = 10

/** Is member i the raft leader? (etcd's JSON gateway: POST /v3/maintenance/status) */
async function leaderIndex(etcd: EtcdCluster): Promise<number> {
  for (const [i, m] of etcd.members.entries()) {
    if (!m.process) continue
    try {
      const res = await fetch(`http://${m.endpoint}/v3/maintenance/status`, {method: 'POST', body: '{}', signal: AbortSignal.timeout(2000)})
      const s = (await res.json()) as {header?: {member_id?: string}; leader?: string}
      if (s.leader !== undefined && s.leader === s.header?.member_id) return i
    } catch {
      // this member does not answer: try the next one
    }
  }
  return 0
}

describe('a fleet of metadata replicas over a 3-member etcd cluster (built CLI, cloud-init 22.4 clients)', {skip}, () => {
  const t = tempDir('netops-fleet-')
  let etcd: EtcdCluster
  let fleet: Fleet | undefined
  let vip: VirtualIp | undefined

  before(async () => {
    ensureBuilt()
    etcd = await startEtcdCluster()
  })
  after(async () => {
    await vip?.close()
    await fleet?.stop()
    await etcd?.stop()
    t.cleanup()
  })

  /** Push generation `gen` of these VMs under `prefix`; resolves with the store's generation number. */
  const push = (prefix: string, vms: FleetVm[], gen: string) =>
    pushInventoryCli(etcd.url, prefix, t.write(`${prefix.replaceAll('/', '')}-${gen}.yaml`, stringify(fleetInventory(vms, gen))))

  /** Two replicas r0, r1 following `prefix`, and the virtual IP in front of them (VM i → r(i % 2)). */
  async function startPair(prefix: string, vms: FleetVm[]): Promise<{fleet: Fleet; vip: VirtualIp}> {
    await stopPair().catch(() => undefined) // what a failed test before left running
    fleet = await startFleet(2, (i) => ['--store', etcd.url, '--store-prefix', prefix, '--replica-name', `r${i}`])
    const home = new Map(vms.map((vm) => [vm.ip, vm.index % 2]))
    vip = await startVirtualIp(fleet, (source) => home.get(source) ?? 0)
    return {fleet, vip}
  }
  async function stopPair(): Promise<void> {
    await vip?.close()
    await fleet?.stop()
    vip = undefined
    fleet = undefined
  }

  const crawlVm = (v: VirtualIp, vm: FleetVm, phoneHome = true): Promise<CrawlResult> =>
    crawl({
      flavor: FLAVORS[vm.index % FLAVORS.length]!,
      server: v.address,
      source: vm.ip,
      nics: {[vm.mac]: 'eth0'},
      phoneHome,
      deadlineS: 120,
    })

  /** The VM is configured with its own identity from generation `gen` (and, with phone_home, called home with a 200). */
  function assertConfigured(vm: FleetVm, r: CrawlResult, gen: string, phoneHome = true): void {
    const where = `${vm.id} (${r.flavor}) from ${vm.ip}`
    assert.equal(r.ok, true, `${where}: ${r.error ?? ''}\n${(r.log ?? []).join('\n')}`)
    assert.equal(r.instanceId, vm.id, where)
    assert.equal(r.localHostname, hostnameIn(vm, gen), where)
    assert.deepEqual(generationsSeen(r), [gen], `${where}: documents of one generation`)
    if (phoneHome) assert.equal(r.phoneHome?.status, 200, `${where}: phone_home ${JSON.stringify(r.phoneHome)}`)
  }

  /** status --store --json until every VM is done (the phone-homes were answered 200, so they are committed already). */
  async function assertAllDone(prefix: string, vms: FleetVm[]) {
    const s = await fleetStatus(etcd.url, prefix)
    const notDone = vms.filter((vm) => s.instances.find((i) => i.id === vm.id)?.state !== 'done').map((vm) => vm.id)
    assert.deepEqual(notDone, [], `not done in status --store: ${JSON.stringify(s.summary)}`)
    assert.equal(s.total, vms.length)
    assert.equal(s.provisioned, vms.length)
    assert.deepEqual(s.neverAsked, [])
    return s
  }

  test('a storm over 2 replicas, one SIGKILLed half-way: its VMs fail over to the other, every VM ends configured and done', async () => {
    const prefix = '/fleet-kill/'
    const vms = fleetVms(40, 'fk', 61)
    await push(prefix, vms, 'g1')
    const {fleet: f, vip: v} = await startPair(prefix, vms)
    const results = await storm(vms, (vm) => crawlVm(v, vm), {concurrency: CONCURRENCY, atHalf: () => f.kill(0)})
    results.forEach((r, i) => assertConfigured(vms[i]!, r, 'g1'))
    assert.equal(v.failed, 0, 'no connection found no replica')
    // VMs homed on r0 that crawled after the kill were all answered by r1
    const movedOver = vms.filter((vm) => vm.index % 2 === 0 && (v.stats.get(vm.ip)?.rerouted ?? 0) > 0)
    assert.ok(movedOver.length >= 5, `${movedOver.length} VMs of r0 failed over to r1`)

    const s = await assertAllDone(prefix, vms)
    for (const i of s.instances) {
      // the replicas that answered it at the virtual IP; a request r0 answered just before the kill may not have reached etcd
      const servedBy = [...(v.stats.get(i.ip)?.servedBy.keys() ?? [])].map((n) => `r${n}`).sort()
      assert.ok(
        i.replicas.length > 0 && i.replicas.every((name) => servedBy.includes(name)),
        `${i.id}: status says ${i.replicas.join(',')}, served by ${servedBy.join(',')}`,
      )
      if (servedBy.length === 1) assert.deepEqual(i.replicas, servedBy, i.id)
    }
    // a VM that one replica began and the other finished is one VM (one record, merged)
    assert.equal(new Set(s.instances.map((i) => i.id)).size, vms.length)
    // the killed replica's presence lease runs out (TTL 10 s): only r1 is listed live
    await waitFor('r0 to leave the live replicas', async () => {
      const live = (await fleetStatus(etcd.url, prefix)).replicas.map((r) => r.name)
      return live.length === 1 && live[0] === 'r1' ? live : undefined
    })
    await stopPair()
  })

  test('the etcd leader SIGKILLed mid-storm: every VM ends configured and done', async () => {
    const prefix = '/fleet-member/'
    // 24: 12 done when the leader is killed; the other 12 (10 of them mid-crawl) crawl through its death and the re-election
    const vms = fleetVms(24, 'fm', 62)
    await push(prefix, vms, 'g1')
    const {vip: v} = await startPair(prefix, vms)
    let killed = -1
    const results = await storm(vms, (vm) => crawlVm(v, vm), {
      concurrency: CONCURRENCY,
      atHalf: async () => {
        killed = await leaderIndex(etcd)
        await etcd.kill(killed)
      },
    })
    results.forEach((r, i) => assertConfigured(vms[i]!, r, 'g1'))
    await assertAllDone(prefix, vms)
    await stopPair()
    await etcd.restart(killed)
  })

  test('every etcd member stopped: the replicas keep serving (degraded); members back + a push: the new generation is served, health ok', async () => {
    const prefix = '/fleet-outage/'
    const vms = fleetVms(20, 'fo', 63)
    const g1 = await push(prefix, vms, 'g1')
    const {fleet: f, vip: v} = await startPair(prefix, vms)
    for (const r of f.replicas) {
      const h = await health(r.admin)
      assert.equal(h.status, 'ok')
      assert.equal(h.store?.state, 'connected')
      assert.equal(h.store?.generation, g1)
    }

    for (let i = 0; i < etcd.members.length; i++) await etcd.stopMember(i)
    for (const r of f.replicas) {
      const h = await waitFor(`${r.index} degraded`, async () => {
        const h = await health(r.admin)
        return h.status === 'degraded' ? h : undefined
      })
      assert.equal(h.store?.state, 'unreachable')
      assert.match(h.store?.degraded ?? '', /^store unreachable since \d{4}-\d\d-\d\dT/)
      assert.equal(h.store?.generation, g1, 'still serving the last generation')
    }
    // VMs boot meanwhile (their phone-home would wait for etcd: not asked here)
    const during = await storm(vms, (vm) => crawlVm(v, vm, false), {concurrency: CONCURRENCY})
    during.forEach((r, i) => assertConfigured(vms[i]!, r, 'g1', false))

    await etcd.restartAll()
    const g2 = await push(prefix, vms, 'g2') // while the replicas are still reconnecting (backoff up to 5 s)
    for (const r of f.replicas) {
      const h = await waitFor(
        `replica ${r.index} healthy on generation ${g2}`,
        async () => {
          const h = await health(r.admin)
          return h.status === 'ok' && h.store?.generation === g2 ? h : undefined
        },
        20_000,
      )
      assert.equal(h.store?.state, 'connected')
      assert.equal(h.store?.degraded, null)
    }
    // a VM of each replica now gets the pushed generation, and phones home
    const afterPush = await Promise.all(vms.slice(0, 4).map((vm) => crawlVm(v, vm)))
    afterPush.forEach((r, i) => assertConfigured(vms[i]!, r, 'g2'))
    assert.deepEqual(
      vms.slice(0, 4).map((vm) => [...(v.stats.get(vm.ip)?.servedBy.keys() ?? [])].sort()),
      [[0], [1], [0], [1]],
      'each VM was answered by its home replica only',
    )
    await stopPair()
  })

  test('a push during a storm: no VM sees two generations, also the VMs mid-crawl at the flip; those that start after it get the new one', async () => {
    const prefix = '/fleet-push/'
    // 30: 15 done at the push, up to 10 mid-crawl across the flip, at least 5 started after it (pauseAtHalf)
    const vms = fleetVms(30, 'fp', 64)
    await push(prefix, vms, 'g1')
    const {fleet: f, vip: v} = await startPair(prefix, vms)
    let flipAt = 0
    let pushedAt = 0
    const started = new Map<number, number>()
    const finished = new Set<string>()
    // VMs that asked already and are still crawling
    const midCrawl = () => [...v.stats.keys()].filter((ip) => !finished.has(ip))
    const store = new EtcdInventoryStore({url: parseStoreUrl(etcd.url), prefix})
    try {
      const g2input = await prepareInventory(t.write('fleet-push-g2.yaml', stringify(fleetInventory(vms, 'g2'))))
      const results = await storm(
        vms,
        async (vm) => {
          started.set(vm.index, Date.now())
          const r = await crawlVm(v, vm, false)
          finished.add(vm.ip)
          return r
        },
        {
          concurrency: CONCURRENCY,
          // the crawls in flight go on through the push; the next ones start once both replicas serve it
          pauseAtHalf: true,
          atHalf: async () => {
            // in-process push, to flip `current` while crawls are mid-way (the CLI's start-up would miss them)
            const r = await pushInventory(store, g2input, {
              dryRun: false,
              storeText: etcd.url,
              beforeFlip: async () => {
                await waitFor('a crawl in flight', () => Promise.resolve(midCrawl().length > 0 ? true : undefined), 10_000, 10)
                flipAt = Date.now()
              },
            })
            pushedAt = Date.now()
            for (const rep of f.replicas)
              await waitFor(`replica ${rep.index} on generation ${r.to}`, async () =>
                (await health(rep.admin)).store?.generation === r.to ? true : undefined,
              )
          },
        },
      )
      const seen = results.map((r, i) => {
        const where = `${vms[i]!.id} (${r.flavor})`
        assert.equal(r.ok, true, `${where}: ${r.error ?? ''}`)
        assert.equal(r.instanceId, vms[i]!.id, where)
        const gens = generationsSeen(r)
        assert.equal(gens.length, 1, `${where} got documents of ${gens.join(' and ')}`)
        return gens[0]!
      })
      // crawls that asked before the flip and again after it: each kept one generation (checked above)
      const across = vms.filter((vm) => {
        const s = v.stats.get(vm.ip)
        return s !== undefined && s.firstAt < flipAt && s.lastAt > flipAt
      })
      assert.ok(across.length > 0, 'some crawls went on across the flip')
      vms.forEach((vm, i) => {
        if (started.get(i)! > pushedAt) assert.equal(seen[i], 'g2', `${vm.id} started after the push`)
      })
      assert.ok(seen.includes('g1') && seen.includes('g2'), `generations seen: ${[...new Set(seen)].join(', ')}`)
    } finally {
      store.close()
    }
    await stopPair()
  })
})
