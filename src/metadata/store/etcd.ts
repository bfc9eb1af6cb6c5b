import {
  castGrpcError,
  GRPCOutOfRangeError,
  type IDuplexStream,
  type IKeyValue,
  type IRequestOp,
  type IWatchRequest,
  type IWatchResponse,
} from 'etcd3'
import {StoreDataError, StoreUnreachableError} from '../../errors.js'
import {StoreConnection, type StoreConnectionOptions} from './connection.js'
import {planBatches, type BatchLimits, type Generation, type KeyValue, type StoredInstance, DEFAULT_BATCH_LIMITS} from './generation.js'
import {prefixEnd, storeKeys, type StoreKeys} from './layout.js'

/** The inventory in etcd (key layout: layout.ts), over one StoreConnection. Unreadable data is exit 4. */

export interface Manifest {
  generation: number
  count: number
  digest: string
  /** The generation this one replaced (kept while replicas may still read it), null for the first. */
  previous: number | null
  createdAt: string
}

/** `current` as read: the generation it names (undefined: nothing published) and the revisions to pin reads and the flip on. */
export interface CurrentPointer {
  generation: number | undefined
  /** Mod revision of `current` (0 when absent): the flip compares it. */
  modRevision: string
  /** Store revision of the read: the generation is read at this revision. */
  revision: string
}

const PAGE = 500

/**
 * A read at a revision etcd no longer has (compacted away, gRPC OUT_OF_RANGE). A follower reads `current`
 * again; for push and pull it is, as before, "the store could not be read" (exit 3).
 */
export class RevisionCompactedError extends StoreUnreachableError {}

/** What a watch of `current` reports (watchCurrent). */
export interface CurrentWatchHandlers {
  /** etcd accepted the watch: changes from the start revision on follow. */
  created(): void
  /** `current` was set to generation `generation` (undefined: deleted, or not a generation number) at `revision`. */
  changed(generation: number | undefined, revision: string): void
  /** Every change up to `revision` has been reported (etcd's progress notice). */
  progress(revision: string): void
  /** The start revision was compacted away (etcd keeps history from `compactRevision` on): read `current` again. */
  compacted(compactRevision: string): void
  /** The watch ended: the store went away (a StoreUnreachableError), or etcd cancelled it. Called at most once. */
  ended(err: unknown): void
}

export interface CurrentWatch {
  /** Stop watching (no handler is called after this). */
  close(): void
}

export class EtcdInventoryStore {
  readonly keys: StoreKeys
  /** The connection (shared with other users of the store when given one). */
  readonly conn: StoreConnection
  private readonly limits: BatchLimits
  private readonly concurrency: number
  private readonly owned: boolean

  constructor(o: StoreConnectionOptions | StoreConnection) {
    this.owned = !(o instanceof StoreConnection)
    this.conn = o instanceof StoreConnection ? o : new StoreConnection(o)
    const opts = this.conn.o
    this.keys = storeKeys(opts.prefix)
    this.limits = opts.batchLimits ?? DEFAULT_BATCH_LIMITS
    this.concurrency = opts.writeConcurrency ?? 4
  }

  private get client() {
    return this.conn.client
  }

  /** Close the connection when this store opened it. */
  close(): void {
    if (this.owned) this.conn.close()
  }

  /** Read `current` and, when set, its manifest, at one revision. */
  async readCurrent(): Promise<CurrentPointer & {manifest: Manifest | undefined}> {
    const res = await this.call(() => this.client.kv.range({key: Buffer.from(this.keys.current)}))
    const kv = res.kvs[0]
    const pointer: CurrentPointer = {
      generation: kv ? this.generationNumber(kv) : undefined,
      modRevision: kv?.mod_revision ?? '0',
      revision: res.header.revision,
    }
    if (pointer.generation === undefined) return {...pointer, manifest: undefined}
    const m = await this.call(() =>
      this.client.kv.range({key: Buffer.from(this.keys.manifest(pointer.generation!)), revision: pointer.revision}),
    )
    return {...pointer, manifest: m.kvs[0] ? this.json<Manifest>(m.kvs[0]) : undefined}
  }

  /** Generation `n`'s manifest as it was at `revision` (undefined: none). */
  async readManifest(n: number, revision: string): Promise<Manifest | undefined> {
    const m = await this.callAt(revision, () => this.client.kv.range({key: Buffer.from(this.keys.manifest(n)), revision}))
    return m.kvs[0] ? this.json<Manifest>(m.kvs[0]) : undefined
  }

  /**
   * Watch `current` from `fromRevision` (inclusive) on one watch stream of its own: no retry here (the
   * follower owns reconnecting, and where to resume from).
   */
  async watchCurrent(fromRevision: string, h: CurrentWatchHandlers): Promise<CurrentWatch> {
    let closed = false
    // no deadline on the stream: the connection's default deadline is for calls
    const stream: IDuplexStream<IWatchRequest, IWatchResponse> = await this.call(() => this.client.watchClient.watch({deadline: Infinity}))
    const end = (err: unknown) => {
      if (closed) return
      closed = true
      stream.cancel()
      h.ended(err)
    }
    stream.on('error', (err: Error) => end(this.conn.wrap(castGrpcError(err))))
    stream.on('end', () => end(this.conn.wrap(new StoreUnreachableError('etcd ended the watch stream'))))
    stream.on('data', (res: IWatchResponse) => {
      if (closed) return
      if (res.compact_revision && res.compact_revision !== '0') {
        h.compacted(res.compact_revision)
        end(new RevisionCompactedError(`revision ${fromRevision} was compacted (etcd keeps history from ${res.compact_revision})`))
        return
      }
      if (res.canceled) {
        end(new StoreUnreachableError(`etcd cancelled the watch of ${this.keys.current}: ${res.cancel_reason || 'no reason given'}`))
        return
      }
      if (res.created) {
        h.created()
        return
      }
      if (res.events.length === 0) {
        h.progress(res.header.revision)
        return
      }
      for (const ev of res.events) {
        let generation: number | undefined
        if (ev.type === 'Put') {
          try {
            generation = this.generationNumber(ev.kv)
          } catch {
            generation = undefined
          }
        }
        h.changed(generation, ev.kv.mod_revision)
      }
    })
    stream.write({create_request: {key: Buffer.from(this.keys.current), start_revision: fromRevision, progress_notify: true}})
    return {
      close() {
        if (closed) return
        closed = true
        stream.cancel()
      },
    }
  }

  /** A whole generation, read page by page at `revision` (a consistent snapshot even while pushes go on). */
  async readGeneration(n: number, revision: string): Promise<Generation> {
    const p = await this.callAt(revision, () => this.client.kv.range({key: Buffer.from(this.keys.profiles(n)), revision}))
    const profiles = p.kvs[0] ? this.json<{profiles: Record<string, unknown>}>(p.kvs[0]).profiles : {}
    const instances: StoredInstance[] = []
    const end = prefixEnd(this.keys.instances(n))
    let from = Buffer.from(this.keys.instances(n))
    for (;;) {
      const page = await this.callAt(revision, () => this.client.kv.range({key: from, range_end: end, limit: PAGE, revision}))
      for (const kv of page.kvs) instances.push(this.json<StoredInstance>(kv))
      const last = page.kvs.at(-1)
      if (!page.more || !last) break
      from = Buffer.concat([last.key, Buffer.from([0])])
    }
    instances.sort((a, b) => a.index - b.index)
    return {profiles, instances}
  }

  /** A generation number no other push has: `seq` + 1, by compare-and-swap (retried on a race). */
  async allocateGeneration(): Promise<number> {
    const key = Buffer.from(this.keys.seq)
    for (let attempt = 0; ; attempt++) {
      const res = await this.call(() => this.client.kv.range({key}))
      const kv = res.kvs[0]
      const next = (kv ? Number(kv.value.toString()) || 0 : 0) + 1
      const txn = await this.call(() =>
        this.client.kv.txn({
          compare: [{key, target: 'Mod', result: 'Equal', mod_revision: kv?.mod_revision ?? '0'}],
          success: [{request_put: {key, value: Buffer.from(String(next))}}],
        }),
      )
      if (txn.succeeded) return next
      if (attempt >= 20)
        throw new StoreDataError(`could not allocate a generation number under ${this.keys.seq}: too many concurrent pushes`)
    }
  }

  /** Write every key of generation `n` (not yet visible: `current` does not name it), in batched transactions. */
  async writeGeneration(n: number, g: Generation): Promise<{batches: number; bytes: number}> {
    const items: KeyValue[] = [{key: this.keys.profiles(n), value: Buffer.from(JSON.stringify({profiles: g.profiles}))}]
    for (const i of g.instances) items.push({key: this.keys.instance(n, i.record.id), value: Buffer.from(JSON.stringify(i))})
    const batches = planBatches(items, this.limits)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++]!
        const success: IRequestOp[] = batch.map((kv) => ({request_put: {key: Buffer.from(kv.key), value: kv.value}}))
        await this.call(() => this.client.kv.txn({success}))
      }
    }
    await Promise.all(Array.from({length: Math.min(this.concurrency, batches.length)}, worker))
    return {batches: batches.length, bytes: items.reduce((s, kv) => s + kv.value.length, 0)}
  }

  /**
   * Publish generation `n`: one transaction that sets `current` and writes the manifest, only if `current`
   * is still at `expectModRevision`. False when another push changed it since. A flip whose answer was
   * lost (and retried) is recognised by reading `current` back.
   */
  async flip(n: number, expectModRevision: string, manifest: Manifest): Promise<boolean> {
    const current = Buffer.from(this.keys.current)
    try {
      const res = await this.call(() =>
        this.client.kv.txn({
          compare: [{key: current, target: 'Mod', result: 'Equal', mod_revision: expectModRevision}],
          success: [
            {request_put: {key: Buffer.from(this.keys.manifest(n)), value: Buffer.from(JSON.stringify(manifest))}},
            {request_put: {key: current, value: Buffer.from(String(n))}},
          ],
        }),
      )
      if (res.succeeded) return true
    } catch (err) {
      if (!(err instanceof StoreUnreachableError)) throw err
      // the answer may have been lost after the flip was applied: look before reporting a failure
      const now = await this.readCurrent().catch(() => undefined)
      if (now?.generation === n) return true
      throw err
    }
    const now = await this.readCurrent()
    return now.generation === n
  }

  /** Remove one generation's keys (a push that lost its race). */
  async deleteGeneration(n: number): Promise<void> {
    await this.call(() => this.client.kv.deleteRange({key: Buffer.from(this.keys.gen(n)), range_end: prefixEnd(this.keys.gen(n))}))
  }

  /** After publishing `n` over `previous`: delete every generation below `n` except `previous` (one transaction). */
  async deleteOlderGenerations(n: number, previous: number | undefined): Promise<void> {
    const ops: IRequestOp[] = []
    const from = Buffer.from(this.keys.gens)
    if (previous === undefined || previous >= n) {
      ops.push({request_delete_range: {key: from, range_end: Buffer.from(this.keys.gen(n))}})
    } else {
      ops.push({request_delete_range: {key: from, range_end: Buffer.from(this.keys.gen(previous))}})
      ops.push({request_delete_range: {key: prefixEnd(this.keys.gen(previous)), range_end: Buffer.from(this.keys.gen(n))}})
    }
    await this.call(() => this.client.kv.txn({success: ops}))
  }

  private generationNumber(kv: IKeyValue): number {
    const n = Number(kv.value.toString())
    if (!Number.isInteger(n) || n < 1)
      throw new StoreDataError(`${kv.key.toString()} holds \`${kv.value.toString().slice(0, 40)}\`, not a generation number`, {
        suggestions: ['another program writes under this prefix: use another --store-prefix, or push again to repair'],
      })
    return n
  }

  private json<T>(kv: IKeyValue): T {
    try {
      return JSON.parse(kv.value.toString()) as T
    } catch (err) {
      throw new StoreDataError(`${kv.key.toString()} does not hold JSON`, {
        suggestions: ['another program writes under this prefix: use another --store-prefix, or push again to repair'],
        cause: err,
      })
    }
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.conn.call(fn)
  }

  /** A read at `revision`: a compacted revision is a RevisionCompactedError. */
  private async callAt<T>(revision: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof GRPCOutOfRangeError)
        throw new RevisionCompactedError(`etcd no longer has revision ${revision} (compacted): ${err.message}`, {cause: err})
      throw this.conn.wrap(err)
    }
  }
}
