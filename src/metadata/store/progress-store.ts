import {hostname as osHostname} from 'node:os'
import type {IKeyValue} from 'etcd3'
import type {Lease} from 'etcd3'
import {checkProgressRecord} from '../progress/journal-entry.js'
import {checkPasswordMark, type PasswordMark} from '../progress/password-mark.js'
import type {ProgressSink} from '../progress/sink.js'
import type {ProgressRecord, Step} from '../progress/tracker.js'
import type {StoreConnection} from './connection.js'
import {prefixEnd, storeKeys, type StoreKeys} from './layout.js'
import {WriteBatcher} from './write-batcher.js'

/**
 * Provisioning progress in etcd (store mode; key layout: layout.ts). Each replica writes, per VM it
 * served, its own record under `progress/<id>/<replica>` (coalesced batches: write-batcher.ts) and keeps
 * `replicas/<replica>` alive on a lease. Readers merge a VM's records over replicas (`mergeProgress`),
 * so a VM whose first requests reached replica A and whose phone-home reached B is one VM, done.
 */

/** One VM as one replica saw it: the value of `progress/<id>/<replica>`. */
export interface StoredProgress extends ProgressRecord {
  replica: string
  /** Epoch ms of the write. */
  updatedAt: number
}

/** The value of `replicas/<name>`: a live replica. */
export interface ReplicaPresence {
  name: string
  pid: number
  hostname: string
  /** The metadata listener, host:port. */
  listen: string
  /** ISO-8601. */
  startedAt: string
  /** The inventory generation it serves (null: none yet). */
  generation: number | null
}

/** A VM's fleet record: the merge of its replicas' records. */
export interface FleetProgress extends ProgressRecord {
  /** Replicas that served it, sorted. */
  replicas: string[]
}

const STEP_NAMES: readonly Step[] = ['firstRequest', 'metaData', 'userData', 'vendorData', 'done']

/**
 * Merge the records of every replica, per VM: each step the earliest over replicas, `failedAt` and
 * `lastStep`/`lastStepAt` the latest, requests and events summed, the replicas sorted. Pure.
 */
export function mergeProgress(records: Iterable<StoredProgress>): Map<string, FleetProgress> {
  const out = new Map<string, FleetProgress>()
  for (const r of records) {
    const m = out.get(r.id)
    if (m === undefined) {
      out.set(r.id, {
        id: r.id,
        steps: {...r.steps},
        ...(r.failedAt === undefined ? {} : {failedAt: r.failedAt}),
        lastStep: r.lastStep,
        lastStepAt: r.lastStepAt,
        requests: r.requests,
        events: r.events,
        replicas: [r.replica],
      })
      continue
    }
    for (const s of STEP_NAMES) {
      const t = r.steps[s]
      if (t !== undefined && (m.steps[s] === undefined || t < m.steps[s])) m.steps[s] = t
    }
    if (r.failedAt !== undefined && (m.failedAt === undefined || r.failedAt > m.failedAt)) m.failedAt = r.failedAt
    if (r.lastStepAt > m.lastStepAt) {
      m.lastStep = r.lastStep
      m.lastStepAt = r.lastStepAt
    }
    m.requests += r.requests
    m.events += r.events
    if (!m.replicas.includes(r.replica)) m.replicas.push(r.replica)
  }
  for (const m of out.values()) m.replicas.sort()
  return out
}

/** Why a valid record does not belong at `<id>/<replica>` (the key below `progress/`), or undefined when it does. Pure. */
function foreignReason(rest: string, r: StoredProgress): string | undefined {
  const [id, replica, ...more] = rest.split('/')
  let names: [string, string] | undefined
  try {
    if (id !== undefined && replica !== undefined && more.length === 0) names = [decodeURIComponent(id), decodeURIComponent(replica)]
  } catch {
    // a bad escape: not a key this layout makes
  }
  if (names === undefined) return 'not a progress/<id>/<replica> key'
  if (names[0] !== r.id || names[1] !== r.replica)
    return `foreign: the record is ${r.id.slice(0, 64)} as replica ${r.replica.slice(0, 64)} saw it, not what its key names`
  return undefined
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

/**
 * A stored progress value checked as the file journal checks its records (journal-entry.ts): the store is
 * outside input too (another version, an operator's etcdctl put). Pure.
 */
export function checkStoredProgress(value: string): {ok: true; progress: StoredProgress} | {ok: false; reason: string} {
  let v: unknown
  try {
    v = JSON.parse(value)
  } catch {
    return {ok: false, reason: 'not JSON'}
  }
  const checked = checkProgressRecord(v)
  if (!checked.ok) return {ok: false, reason: checked.reason.replace(/^rec(\.|: )/, '')}
  const r = v as Record<string, unknown>
  if (typeof r['replica'] !== 'string' || r['replica'] === '') return {ok: false, reason: 'replica: expected a non-empty string'}
  for (const k of ['requests', 'events', 'updatedAt'])
    if (r[k] !== undefined && !isCount(r[k])) return {ok: false, reason: `${k}: expected a number (0 or more)`}
  const password = r['password'] === undefined ? undefined : checkPasswordMark(r['password'])
  if (password?.ok === false) return password
  const rec = checked.record
  return {
    ok: true,
    progress: {
      ...rec,
      ...(password === undefined ? {} : {password: password.mark}),
      replica: r['replica'],
      requests: (r['requests'] as number | undefined) ?? 0,
      events: (r['events'] as number | undefined) ?? 0,
      updatedAt: (r['updatedAt'] as number | undefined) ?? rec.lastStepAt,
    },
  }
}

/** A stored progress value as read (undefined: not a well-formed progress record). */
export function parseStoredProgress(value: string): StoredProgress | undefined {
  const c = checkStoredProgress(value)
  return c.ok ? c.progress : undefined
}

function parsePresence(value: string): ReplicaPresence | undefined {
  try {
    const v = JSON.parse(value) as Partial<ReplicaPresence> | null
    if (typeof v?.name !== 'string') return undefined
    return {
      name: v.name,
      pid: typeof v.pid === 'number' ? v.pid : 0,
      hostname: typeof v.hostname === 'string' ? v.hostname : '',
      listen: typeof v.listen === 'string' ? v.listen : '',
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
      generation: typeof v.generation === 'number' ? v.generation : null,
    }
  } catch {
    return undefined
  }
}

/** Everything under `progress/` and `replicas/`, read at one revision. */
export interface ProgressSnapshot {
  /** Key → record (unreadable values are left out). */
  records: Map<string, StoredProgress>
  replicas: Map<string, ReplicaPresence>
  revision: string
}

/** What a watch of `progress/` and `replicas/` reports. */
export interface ProgressChange {
  kind: 'progress' | 'replica'
  key: string
  /** The new value; undefined when the key was deleted (a replica's lease ended). */
  progress?: StoredProgress
  replica?: ReplicaPresence
}

const PAGE = 1000

/** Reading and writing progress keys over one StoreConnection. */
export class EtcdProgressStore {
  readonly keys: StoreKeys

  constructor(
    readonly conn: StoreConnection,
    /** Told about each stored record that is skipped (a line naming its key and why). */
    private readonly warn: (line: string) => void = () => undefined,
  ) {
    this.keys = storeKeys(conn.o.prefix)
  }

  /**
   * A progress key's value, checked, and for the VM and replica its key names (a record copied under another
   * key is foreign); a bad one is skipped with a warning naming the key.
   */
  private progressOf(kv: IKeyValue): StoredProgress | undefined {
    const key = kv.key.toString()
    const c = checkStoredProgress(kv.value.toString())
    const reason = c.ok ? foreignReason(key.slice(this.keys.progress.length), c.progress) : c.reason
    if (reason === undefined && c.ok) return c.progress
    this.warn(`progress: skipped the record at ${key}: ${reason}`)
    return undefined
  }

  /** One transaction of puts (the batcher keeps it at most 128). */
  async write(puts: ReadonlyArray<{key: string; value: Buffer}>): Promise<void> {
    await this.conn.call(() =>
      this.conn.client.kv.txn({success: puts.map((p) => ({request_put: {key: Buffer.from(p.key), value: p.value}}))}),
    )
  }

  /** Every key under `prefix`, page by page at one revision (the latest when not given). */
  private async readPrefix(prefix: string, revision?: string): Promise<{kvs: IKeyValue[]; revision: string}> {
    const kvs: IKeyValue[] = []
    const end = prefixEnd(prefix)
    let from = Buffer.from(prefix)
    let at = revision
    for (;;) {
      const page = await this.conn.call(() =>
        this.conn.client.kv.range({key: from, range_end: end, limit: PAGE, ...(at === undefined ? {} : {revision: at})}),
      )
      at ??= page.header.revision
      kvs.push(...page.kvs)
      const last = page.kvs.at(-1)
      if (!page.more || !last) break
      from = Buffer.concat([last.key, Buffer.from([0])])
    }
    return {kvs, revision: at}
  }

  /** Every progress record and every live replica, at one revision. */
  async readAll(): Promise<ProgressSnapshot> {
    const progress = await this.readPrefix(this.keys.progress)
    const replicas = await this.readPrefix(this.keys.replicas, progress.revision)
    const snap: ProgressSnapshot = {records: new Map(), replicas: new Map(), revision: progress.revision}
    for (const kv of progress.kvs) {
      const r = this.progressOf(kv)
      if (r) snap.records.set(kv.key.toString(), r)
    }
    for (const kv of replicas.kvs) {
      const r = parsePresence(kv.value.toString())
      if (r) snap.replicas.set(kv.key.toString(), r)
    }
    return snap
  }

  /** The records one replica wrote (a restarted replica starts from them). */
  async readReplica(replica: string): Promise<StoredProgress[]> {
    const suffix = '/' + encodeURIComponent(replica)
    const {kvs} = await this.readPrefix(this.keys.progress)
    const out: StoredProgress[] = []
    for (const kv of kvs) {
      const key = kv.key.toString()
      if (!key.endsWith(suffix) || key.slice(this.keys.progress.length, -suffix.length).includes('/')) continue
      const r = this.progressOf(kv)
      if (r?.replica === replica) out.push(r)
    }
    return out
  }

  /** Every replica's record of one VM, read now (linearizable: every write committed before is in it). */
  async readInstance(id: string): Promise<StoredProgress[]> {
    const {kvs} = await this.readPrefix(`${this.keys.progress}${encodeURIComponent(id)}/`)
    return kvs.map((kv) => this.progressOf(kv)).filter((r): r is StoredProgress => r !== undefined)
  }

  /** The live replicas. */
  async readReplicas(): Promise<ReplicaPresence[]> {
    const {kvs} = await this.readPrefix(this.keys.replicas)
    return kvs.map((kv) => parsePresence(kv.value.toString())).filter((r): r is ReplicaPresence => r !== undefined)
  }

  /**
   * Follow `progress/` and `replicas/` from `afterRevision` + 1 (every change after a readAll at that
   * revision). etcd3 reconnects a broken watch by itself, from the last revision it saw.
   */
  async watch(afterRevision: string, onChange: (c: ProgressChange) => void): Promise<{close(): Promise<void>}> {
    const start = String(BigInt(afterRevision) + 1n)
    const watchers = await Promise.all(
      [this.keys.progress, this.keys.replicas].map((p) =>
        this.conn.call(() => this.conn.client.watch().prefix(p).startRevision(start).create()),
      ),
    )
    const [progress, replicas] = watchers as [(typeof watchers)[number], (typeof watchers)[number]]
    progress.on('put', (kv) => {
      const r = this.progressOf(kv)
      if (r) onChange({kind: 'progress', key: kv.key.toString(), progress: r})
    })
    progress.on('delete', (kv) => onChange({kind: 'progress', key: kv.key.toString()}))
    replicas.on('put', (kv) => {
      const r = parsePresence(kv.value.toString())
      if (r) onChange({kind: 'replica', key: kv.key.toString(), replica: r})
    })
    replicas.on('delete', (kv) => onChange({kind: 'replica', key: kv.key.toString()}))
    for (const w of watchers) w.on('error', () => undefined) // a broken watch is reconnected by etcd3
    return {close: async () => void (await Promise.all(watchers.map((w) => w.cancel().catch(() => undefined))))}
  }
}

export interface ProgressSinkOptions {
  /** The replica's name (--replica-name): the last segment of its progress keys. */
  replica: string
  hostname?: string
  /** The metadata listener, host:port. */
  listen: string
  generation: number | null
  pid?: number
  /** TTL of the presence lease, seconds. Default 10. */
  leaseTtlSeconds?: number
  /** A batch goes out at most this long after the first change. Default 50 ms. */
  batchMs?: number
  /** Puts per transaction. Default 128. */
  maxOps?: number
  clock?: () => number
  /** Told about write and presence failures (they are retried). */
  onError?: (err: unknown) => void
  /** Told about each stored record skipped as malformed (its key and why). */
  onWarning?: (line: string) => void
}

/**
 * A replica's ProgressSink in etcd: its records written in coalesced batches, and its presence key on a
 * lease. Open it with openProgressSink; close it after the server stopped.
 */
export class EtcdProgressSink implements ProgressSink {
  readonly store: EtcdProgressStore
  readonly batcher: WriteBatcher
  private presence: ReplicaPresence
  private lease: Lease | undefined
  private regrant: NodeJS.Timeout | undefined
  private regrantMs = 0
  private closed = false
  private readonly clock: () => number
  private readonly ttl: number

  constructor(
    conn: StoreConnection,
    private readonly o: ProgressSinkOptions,
    readonly restored: readonly ProgressRecord[] = [],
  ) {
    this.store = new EtcdProgressStore(conn, o.onWarning)
    this.clock = o.clock ?? Date.now
    this.ttl = o.leaseTtlSeconds ?? 10
    this.batcher = new WriteBatcher({
      write: (puts) => this.store.write(puts),
      intervalMs: o.batchMs ?? 50,
      maxOps: o.maxOps ?? 128,
      ...(o.onError ? {onError: o.onError} : {}),
    })
    this.presence = {
      name: o.replica,
      pid: o.pid ?? process.pid,
      hostname: o.hostname ?? osHostname(),
      listen: o.listen,
      startedAt: new Date(this.clock()).toISOString(),
      generation: o.generation,
    }
  }

  append(record: ProgressRecord): void {
    const replica = this.o.replica
    this.batcher.append(this.store.keys.progressOf(record.id, replica), () => {
      const stored: StoredProgress = {...record, steps: {...record.steps}, replica, updatedAt: this.clock()}
      return Buffer.from(JSON.stringify(stored))
    })
  }

  commit(): Promise<void> {
    return this.batcher.commit()
  }

  /** The CloudStack password marks the other replicas hold for `id`, read now from etcd (this replica's own are the tracker's). */
  async passwordMarks(id: string): Promise<PasswordMark[]> {
    const records = await this.store.readInstance(id)
    return records.flatMap((r) => (r.replica !== this.o.replica && r.password !== undefined ? [r.password] : []))
  }

  /** Update the presence key (e.g. the generation served now). */
  async announce(change: Partial<Pick<ReplicaPresence, 'generation' | 'listen'>> = {}): Promise<void> {
    this.presence = {...this.presence, ...change}
    if (this.closed) return
    if (this.lease === undefined || this.lease.revoked()) this.lease = this.newLease()
    const lease = this.lease
    await this.store.conn.call(() => lease.put(this.store.keys.replica(this.o.replica)).value(JSON.stringify(this.presence)).exec())
    this.regrantMs = 0
  }

  private newLease(): Lease {
    const lease = this.store.conn.client.lease(this.ttl)
    lease.on('lost', (err) => {
      if (this.closed || this.lease !== lease) return
      this.o.onError?.(err)
      this.lease = undefined
      this.retryPresence()
    })
    return lease
  }

  /** Put the presence key again on a new lease, with backoff (250 ms doubling to 5 s) while etcd refuses. */
  retryPresence(): void {
    if (this.closed || this.regrant !== undefined) return
    this.regrantMs = Math.min(5000, this.regrantMs ? this.regrantMs * 2 : 250)
    this.regrant = setTimeout(() => {
      this.regrant = undefined
      this.announce().catch((err: unknown) => {
        this.o.onError?.(err)
        this.retryPresence()
      })
    }, this.regrantMs)
    this.regrant.unref()
  }

  /** Write what is pending, then revoke the lease (the presence key goes at once). */
  async close(): Promise<void> {
    if (this.closed) return
    await this.batcher.close()
    this.closed = true
    if (this.regrant !== undefined) clearTimeout(this.regrant)
    const lease = this.lease
    this.lease = undefined
    if (lease) await lease.revoke({deadline: Date.now() + 2000}).catch(() => lease.release())
  }
}

/**
 * Open a replica's progress sink: read back what this replica wrote before (a restart keeps its steps),
 * put its presence key on a lease. When etcd cannot be reached now, the sink starts empty and the
 * presence key is put once it can (progress is written as soon as etcd answers).
 */
export async function openProgressSink(conn: StoreConnection, o: ProgressSinkOptions): Promise<EtcdProgressSink> {
  const store = new EtcdProgressStore(conn, o.onWarning)
  const previous = await store.readReplica(o.replica).catch((err: unknown) => {
    o.onError?.(err)
    return [] as StoredProgress[]
  })
  const restored = previous.map(({replica: _r, updatedAt: _u, ...rec}): ProgressRecord => rec)
  const sink = new EtcdProgressSink(conn, o, restored)
  await sink.announce().catch((err: unknown) => {
    o.onError?.(err)
    sink.retryPresence()
  })
  return sink
}
