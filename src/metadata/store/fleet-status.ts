import {StoreEmptyError} from '../../errors.js'
import {statusParts, type FleetStatusView} from '../admin/client.js'
import {instanceProgress} from '../progress/tracker.js'
import type {StoreConnection} from './connection.js'
import {EtcdInventoryStore} from './etcd.js'
import {EtcdProgressStore, mergeProgress, type ProgressChange, type ReplicaPresence, type StoredProgress} from './progress-store.js'

/**
 * `netops metadata status --store`: the fleet's progress from etcd. The current generation's VMs, every
 * replica's progress keys merged per VM (progress-store.ts), the live replicas. `FleetStatusFollower`
 * keeps that up to date from an etcd watch (for --watch) instead of polling.
 */

/** What the view is made of: the inventory's VMs, and progress/presence keys as read. */
export interface FleetState {
  store: string
  prefix: string
  generation: number
  instances: ReadonlyArray<{id: string; ip: string; hostname: string}>
  /** Key → record. */
  records: ReadonlyMap<string, StoredProgress>
  /** Key → presence. */
  replicas: ReadonlyMap<string, ReplicaPresence>
}

/** The status view of a fleet state (pure; durations of booting VMs run up to `now`). */
export function fleetView(s: FleetState, now: number): FleetStatusView {
  const merged = mergeProgress(s.records.values())
  const instances = s.instances.map((i) => {
    const r = merged.get(i.id)
    return {...instanceProgress(i, r, now), replicas: r?.replicas ?? []}
  })
  const summary = {waiting: 0, booting: 0, done: 0, failed: 0}
  for (const i of instances) summary[i.state]++
  const parts = statusParts(
    {generatedAt: new Date(now).toISOString(), total: instances.length, summary, instances},
    // addresses in no record and forged callbacks are counted by each replica (its /metrics), not in the store
    {unknown: [], forgedCallbacks: 0},
  )
  const replicas = [...s.replicas.values()]
    .map((r) => ({name: r.name, hostname: r.hostname, listen: r.listen, generation: r.generation, startedAt: r.startedAt}))
    .sort((a, b) => a.name.localeCompare(b.name))
  return {store: s.store, prefix: s.prefix, generation: s.generation, ...parts, replicas}
}

/** The current generation's VMs (StoreEmptyError when nothing is published). */
async function readInstances(
  inventory: EtcdInventoryStore,
  storeText: string,
): Promise<Pick<FleetState, 'generation' | 'instances'> & {revision: string}> {
  const current = await inventory.readCurrent()
  if (current.generation === undefined)
    throw new StoreEmptyError(`no inventory is published in ${storeText} under ${inventory.keys.prefix}`, {
      suggestions: ['publish one with: netops metadata inventory push --inventory FILE', 'check --store-prefix'],
    })
  const g = await inventory.readGeneration(current.generation, current.revision)
  return {
    revision: current.revision,
    generation: current.generation,
    instances: g.instances.map((i) => ({id: i.record.id, ip: i.record.ip, hostname: i.record.hostname})),
  }
}

/** Read the whole fleet status once. */
export async function readFleetStatus(
  conn: StoreConnection,
  storeText: string,
  now: () => number = Date.now,
  warn?: (line: string) => void,
): Promise<FleetStatusView> {
  const inventory = new EtcdInventoryStore(conn)
  const progress = new EtcdProgressStore(conn, warn)
  const {generation, instances} = await readInstances(inventory, storeText)
  const snap = await progress.readAll()
  return fleetView({store: storeText, prefix: conn.o.prefix, generation, instances, records: snap.records, replicas: snap.replicas}, now())
}

/**
 * The fleet status, kept current by etcd watches: `progress/` and `replicas/` from the revision of the
 * first read, and `inventory/current` (a new push: its VMs are read again).
 */
export class FleetStatusFollower {
  private wake: (() => void) | undefined
  private changes = 0
  private closers: Array<() => Promise<void>> = []

  private constructor(
    private state: FleetState,
    private readonly now: () => number,
  ) {}

  static async open(
    conn: StoreConnection,
    storeText: string,
    now: () => number = Date.now,
    warn?: (line: string) => void,
  ): Promise<FleetStatusFollower> {
    const inventory = new EtcdInventoryStore(conn)
    const progress = new EtcdProgressStore(conn, warn)
    const {revision, generation, instances} = await readInstances(inventory, storeText)
    const snap = await progress.readAll()
    const records = new Map(snap.records)
    const replicas = new Map(snap.replicas)
    const f = new FleetStatusFollower({store: storeText, prefix: conn.o.prefix, generation, instances, records, replicas}, now)
    const watch = await progress.watch(snap.revision, (c: ProgressChange) => {
      if (c.kind === 'progress') {
        if (c.progress) records.set(c.key, c.progress)
        else records.delete(c.key)
      } else if (c.replica) replicas.set(c.key, c.replica)
      else replicas.delete(c.key)
      f.changed()
    })
    f.closers.push(() => watch.close())
    const current = await conn.call(() =>
      conn.client
        .watch()
        .key(inventory.keys.current)
        .startRevision(String(BigInt(revision) + 1n))
        .create(),
    )
    current.on('error', () => undefined) // reconnected by etcd3
    current.on('put', () => {
      readInstances(inventory, storeText).then(
        (next) => {
          if (next.generation < f.state.generation) return // an older read finishing late
          f.state = {...f.state, generation: next.generation, instances: next.instances}
          f.changed()
        },
        () => undefined, // unreachable now: the next change or the caller's deadline
      )
    })
    f.closers.push(() => current.cancel().catch(() => undefined))
    return f
  }

  view(): FleetStatusView {
    return fleetView(this.state, this.now())
  }

  private changed(): void {
    this.changes++
    this.wake?.()
    this.wake = undefined
  }

  /**
   * Resolves after the next change (and whatever else arrives within `settleMs`, so a burst is one
   * redraw), or after `ms`, whichever comes first; true when something changed.
   */
  async next(ms: number, settleMs = 100): Promise<boolean> {
    const seen = this.changes
    const deadline = Date.now() + ms
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        setTimeout(resolve, Math.max(0, Math.min(settleMs, deadline - Date.now())))
      }
    })
    this.wake = undefined
    return this.changes !== seen
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((c) => c()))
  }
}
