/**
 * A replica following the inventory published in etcd (`metadata serve --store`).
 *
 * load() = read `current` and that generation at one revision, check it against its manifest (when etcd
 * cannot be reached: the --store-cache file, or StoreUnreachableError). follow() then runs one loop:
 *
 *   watch `current` from (last revision seen + 1) on a watch stream of its own
 *     → a change: read the new generation at the event's revision, check it, apply it (one synchronous
 *       swap: the caller's MemoryStore.replace), log it as a reload with trigger "store"
 *     → the stream fails (the member we were on died): the other members are tried at once
 *     → it keeps failing for `unreachableAfterMs` (every member down, no majority): state "unreachable"
 *       since the first failure; keep serving, wait (backoff 250 ms doubling to 5 s, jittered), watch again
 *       from the same revision: etcd replays what changed meanwhile
 *     → etcd answers that the revision was compacted: read `current` again (a full reload), watch from there
 *
 * We do not use etcd3's Watcher: it resumes on its own, from the revision of its last response header (a
 * reconnect before the catch-up events arrive skips them), and on compaction it emits a bare "Watcher
 * canceled" error and drops the compact revision. Here the revision advances only once a change is
 * applied, and compaction is a case of its own. The state (connected / unreachable since, generation,
 * revision) is the pure follow-state.ts.
 */
import {StoreDataError, StoreUnreachableError} from '../../errors.js'
import type {ReloadResult} from '../reload.js'
import type {Instance} from '../types.js'
import {cacheFile, readCache, writeCache} from './cache.js'
import {RevisionCompactedError, type CurrentWatch, type EtcdInventoryStore} from './etcd.js'
import {
  backoffDelay,
  degradedText,
  DEFAULT_BACKOFF,
  followStep,
  initialFollowState,
  type BackoffOptions,
  type FollowEvent,
  type FollowState,
} from './follow-state.js'
import {checkManifest} from './inventory-store.js'

export interface StoreFollowerOptions {
  store: EtcdInventoryStore
  /** `etcd://…` as the user wrote it (messages, /healthz). */
  storeText: string
  /** This replica's name (/healthz). */
  replica: string
  /** --store-cache DIR. */
  cacheDir?: string
  /** Serve these records from now on: one synchronous swap (a request sees all old or all new). */
  apply(instances: readonly Instance[]): void
  /** Every reload attempt from the store (a new generation, a refused one, SIGHUP). */
  onReload?(r: ReloadResult): void
  /** Lifecycle lines (unreachable, reachable again, compacted, served from the cache). */
  note?(line: string): void
  now?: () => number
  random?: () => number
  backoff?: BackoffOptions
  /**
   * How long the store may fail before the replica calls it unreachable (default 3000 ms): a member that
   * dies, an election, a busy host make watches fail for a moment while the cluster still has a majority.
   */
  unreachableAfterMs?: number
}

/** The `store` part of /healthz. */
export interface StoreHealth {
  url: string
  prefix: string
  replica: string
  state: 'connected' | 'unreachable'
  generation: number | null
  revision: string | null
  /** When `state` last changed (ISO). */
  since: string
  degraded: string | null
  /** The cache file (--store-cache), null without one. */
  cache: string | null
}

/** What load() served first. */
export interface FollowStart {
  generation: number | null
  instances: Instance[]
  fromCache: boolean
}

/** An error that means "try again later" (the store went away), as opposed to bad data in it. */
const transient = (err: unknown): err is StoreUnreachableError => err instanceof StoreUnreachableError

export class StoreFollower {
  private s: FollowState
  private closed = false
  private watch: CurrentWatch | undefined
  /** Ends the watch in progress (close()). */
  private stopWatch: (() => void) | undefined
  private wake: (() => void) | undefined
  /** The next pass reads `current` again instead of resuming the watch. */
  private resync = false
  /** Loads run one after the other (a SIGHUP during a watch change waits for it). */
  private chain: Promise<unknown> = Promise.resolve()
  private cacheWrite: Promise<unknown> = Promise.resolve()
  private lastCacheError = ''
  private loop: Promise<void> | undefined
  /** How many instances are served now (what a refused reload keeps). */
  private served = 0
  private readonly now: () => number
  /** Full reloads after a compacted revision (tests, /metrics later). */
  compactions = 0

  constructor(private readonly o: StoreFollowerOptions) {
    this.now = o.now ?? Date.now
    this.s = initialFollowState(this.now())
  }

  get state(): Readonly<FollowState> {
    return this.s
  }

  /** Where a reload says it came from: the store and the prefix. */
  get source(): string {
    return `${this.o.storeText} ${this.o.store.keys.prefix}`
  }

  health(): StoreHealth {
    return {
      url: this.o.storeText,
      prefix: this.o.store.keys.prefix,
      replica: this.o.replica,
      state: this.s.state,
      generation: this.s.generation,
      revision: this.s.revision,
      since: new Date(this.s.since).toISOString(),
      degraded: degradedText(this.s),
      cache: this.o.cacheDir === undefined ? null : cacheFile(this.o.cacheDir, this.o.store.keys.prefix),
    }
  }

  /** The first load: from etcd, else from the cache (and say so), else StoreUnreachableError (exit 3). */
  async load(): Promise<FollowStart> {
    try {
      const r = await this.readCurrent()
      this.event({type: 'connected', at: this.now()})
      this.event({type: 'loaded', generation: r.generation ?? null, revision: r.revision})
      if (r.generation !== undefined) this.saveCache(r.generation, r.revision, r.instances)
      this.served = r.instances.length
      return {generation: r.generation ?? null, instances: r.instances, fromCache: false}
    } catch (err) {
      if (!transient(err)) throw err
      return this.loadCache(err)
    }
  }

  private async loadCache(err: StoreUnreachableError): Promise<FollowStart> {
    const dir = this.o.cacheDir
    if (dir === undefined)
      throw new StoreUnreachableError(err.message, {
        suggestions: [...err.suggestions, 'give the replica --store-cache DIR: it then starts from its last generation while etcd is down'],
        cause: err,
      })
    let found: Awaited<ReturnType<typeof readCache>>
    try {
      found = await readCache(dir, this.o.store.keys.prefix)
    } catch (cacheErr) {
      throw new StoreUnreachableError(`${err.message}; and ${(cacheErr as Error).message}`, {
        suggestions: [...err.suggestions, ...(cacheErr instanceof StoreDataError ? cacheErr.suggestions : [])],
        cause: err,
      })
    }
    if (found === undefined)
      throw new StoreUnreachableError(
        `${err.message}; and there is no cache to start from in ${dir} (it is written after a load from etcd)`,
        {
          suggestions: err.suggestions,
          cause: err,
        },
      )
    const {cached} = found
    this.event({type: 'unreachable', at: this.now()})
    this.event({type: 'cached', generation: cached.generation, revision: cached.revision})
    this.o.note?.(`store unreachable: serving generation ${cached.generation} from the cache ${dir} (written ${cached.writtenAt})`)
    // the cache may be older than anything etcd still has, or from another cluster: read `current` first
    this.resync = true
    this.served = cached.instances.length
    return {generation: cached.generation, instances: cached.instances, fromCache: true}
  }

  /** Follow the store in the background until close(). */
  follow(): void {
    this.loop ??= this.run()
  }

  /** Read `current` again now (SIGHUP); the result is also passed to onReload. */
  reload(trigger: ReloadResult['trigger']): Promise<ReloadResult> {
    return this.serial(async () => {
      const started = performance.now()
      try {
        return await this.fullReload(trigger, true)
      } catch (err) {
        const r = this.result(trigger, false, started, undefined, (err as Error).message)
        this.o.onReload?.(r)
        return r
      }
    })
  }

  async close(): Promise<void> {
    this.closed = true
    this.stopWatch?.()
    this.wake?.()
    await this.loop
    await this.cacheWrite
  }

  private event(e: FollowEvent): void {
    this.s = followStep(this.s, e)
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn)
    this.chain = p.catch(() => undefined)
    return p
  }

  private async run(): Promise<void> {
    let failures = 0
    /**
     * Immediate retries left while connected: when a stream breaks (its member went away), the other members
     * are tried at once, before the replica calls the store unreachable and backs off. Renewed by a stream
     * that lived a while (a member that accepts watches and drops them at once does not loop without pause).
     */
    let quick = this.o.store.conn.o.url.endpoints.length
    /** When the store started failing (epoch ms; undefined while a watch works). */
    let failingSince: number | undefined
    const grace = this.o.unreachableAfterMs ?? 3000
    while (!this.closed) {
      let ended: unknown
      let created = false
      const opened = performance.now()
      try {
        if (this.resync) {
          await this.serial(() => this.fullReload('store', false))
          this.resync = false
        }
        ;({ended, created} = await this.watchOnce())
      } catch (err) {
        ended = err
      }
      if (this.closed) break
      const lived = performance.now() - opened
      if (ended instanceof RevisionCompactedError) {
        this.compactions++
        this.o.note?.(`store: ${ended.message}; reading the current generation again`)
        this.resync = true
        continue
      }
      if (created) {
        failures = 0
        failingSince = undefined
      }
      if (created && lived >= 1000) quick = this.o.store.conn.o.url.endpoints.length
      if (transient(ended) && quick > 0 && this.s.state === 'connected') {
        quick--
        continue
      }
      quick = 0
      failures++
      failingSince ??= this.now()
      // bad data in the store was refused (and logged): the store itself is reachable
      if (!(ended instanceof StoreDataError) && (this.s.state !== 'connected' || this.now() - failingSince >= grace))
        this.lost(ended, failingSince)
      await this.sleep(backoffDelay(failures, (this.o.random ?? Math.random)(), this.o.backoff ?? DEFAULT_BACKOFF))
    }
  }

  private lost(err: unknown, since: number): void {
    const was = this.s.state
    this.event({type: 'unreachable', at: since})
    if (was === 'connected') {
      const served = this.s.generation === null ? 'nothing published yet' : `still serving generation ${this.s.generation}`
      this.o.note?.(`store: ${(err as Error).message}; ${served}; reconnecting`)
    }
  }

  private connected(): void {
    if (this.s.state === 'unreachable') {
      const down = Math.round((this.now() - this.s.since) / 100) / 10
      this.o.note?.(`store: reachable again after ${down} s; following from revision ${this.s.revision ?? '(start)'}`)
    }
    this.event({type: 'connected', at: this.now()})
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined
        resolve()
      }, ms)
      this.wake = () => {
        clearTimeout(t)
        this.wake = undefined
        resolve()
      }
    })
  }

  /** One watch stream from the last revision seen; resolves with why it ended, and whether etcd had accepted it. */
  private watchOnce(): Promise<{ended: unknown; created: boolean}> {
    const from = (BigInt(this.s.revision ?? '0') + 1n).toString()
    return new Promise((resolve, reject) => {
      let wanted: {generation: number | undefined; revision: string} | undefined
      let busy = false
      let done = false
      let created = false
      const finish = (err: unknown) => {
        if (done) return
        done = true
        this.watch?.close()
        this.watch = undefined
        this.stopWatch = undefined
        resolve({ended: err, created})
      }
      this.stopWatch = () => finish(undefined)
      const drain = async () => {
        if (busy) return
        busy = true
        while (wanted && !done) {
          const w = wanted
          wanted = undefined
          try {
            await this.serial(() => this.change(w.generation, w.revision))
          } catch (err) {
            finish(err)
          }
        }
        busy = false
      }
      this.o.store
        .watchCurrent(from, {
          created: () => {
            created = true
            this.connected()
          },
          changed: (generation, revision) => {
            wanted = {generation, revision} // only the newest matters
            void drain()
          },
          progress: (revision) => {
            if (!busy && !wanted) this.event({type: 'seen', revision})
          },
          compacted: () => undefined, // ended() follows with a RevisionCompactedError
          ended: finish,
        })
        .then((w) => {
          if (done || this.closed) w.close()
          else this.watch = w
          if (this.closed) finish(undefined)
        }, reject)
    })
  }

  /** `current` changed at `revision` (to `generation`; undefined: deleted or not a number). */
  private async change(generation: number | undefined, revision: string): Promise<void> {
    if (generation === undefined) {
      this.o.note?.(
        `store: ${this.o.store.keys.current} was deleted or overwritten at revision ${revision}; still serving generation ${this.s.generation ?? 'none'}`,
      )
      this.event({type: 'seen', revision})
      return
    }
    if (generation === this.s.generation && !this.s.fromCache) {
      this.event({type: 'seen', revision})
      return
    }
    const started = performance.now()
    try {
      const manifest = await this.o.store.readManifest(generation, revision)
      const g = await this.o.store.readGeneration(generation, revision)
      checkManifest(g, generation, manifest, this.o.storeText)
      this.applyGeneration(
        'store',
        started,
        generation,
        revision,
        g.instances.map((i) => i.record),
      )
    } catch (err) {
      if (transient(err)) throw err
      this.refused('store', started, err)
      this.event({type: 'seen', revision})
    }
  }

  /** Read `current` and its generation (a full reload); `always`: report even when nothing changed (SIGHUP). */
  private async fullReload(trigger: ReloadResult['trigger'], always: boolean): Promise<ReloadResult> {
    const started = performance.now()
    let r: Awaited<ReturnType<StoreFollower['readCurrent']>>
    try {
      r = await this.readCurrent()
    } catch (err) {
      if (transient(err)) throw err
      this.refused(trigger, started, err)
      throw err
    }
    this.connected()
    if (r.generation === undefined || (r.generation === this.s.generation && !this.s.fromCache)) {
      if (r.generation === undefined && this.s.generation !== null)
        this.o.note?.(`store: nothing is published under ${this.o.store.keys.prefix} now; still serving generation ${this.s.generation}`)
      this.event({type: 'seen', revision: r.revision})
      const result = this.result(trigger, true, started, this.s.generation ?? undefined)
      if (always) this.o.onReload?.(result)
      return result
    }
    return this.applyGeneration(trigger, started, r.generation, r.revision, r.instances)
  }

  private applyGeneration(
    trigger: ReloadResult['trigger'],
    started: number,
    generation: number,
    revision: string,
    instances: Instance[],
  ): ReloadResult {
    this.o.apply(instances)
    this.served = instances.length
    this.event({type: 'loaded', generation, revision})
    const r = this.result(trigger, true, started, generation, undefined, instances.length)
    this.o.onReload?.(r)
    this.saveCache(generation, revision, instances)
    return r
  }

  private refused(trigger: ReloadResult['trigger'], started: number, err: unknown): void {
    this.o.onReload?.(this.result(trigger, false, started, undefined, (err as Error).message))
  }

  private result(
    trigger: ReloadResult['trigger'],
    ok: boolean,
    started: number,
    generation: number | undefined,
    error?: string,
    instances?: number,
  ): ReloadResult {
    return {
      ok,
      trigger,
      source: this.source,
      instances: instances ?? this.served,
      ms: Math.round(performance.now() - started),
      ...(generation === undefined ? {} : {generation}),
      ...(error === undefined ? {} : {error}),
    }
  }

  /** `current`, and the generation it names read at the same revision and checked against its manifest. */
  private async readCurrent(): Promise<{generation: number | undefined; revision: string; instances: Instance[]}> {
    const cur = await this.o.store.readCurrent()
    if (cur.generation === undefined) return {generation: undefined, revision: cur.revision, instances: []}
    const g = await this.o.store.readGeneration(cur.generation, cur.revision)
    checkManifest(g, cur.generation, cur.manifest, this.o.storeText)
    return {generation: cur.generation, revision: cur.revision, instances: g.instances.map((i) => i.record)}
  }

  /** Write the cache in the background (one write at a time); a failure is one note, not a stop. */
  private saveCache(generation: number, revision: string, instances: Instance[]): void {
    const dir = this.o.cacheDir
    if (dir === undefined) return
    const c = {
      store: this.o.storeText,
      prefix: this.o.store.keys.prefix,
      generation,
      revision,
      writtenAt: new Date(this.now()).toISOString(),
      instances,
    }
    this.cacheWrite = this.cacheWrite
      .then(() => writeCache(dir, c))
      .then(
        () => (this.lastCacheError = ''),
        (err: Error) => {
          if (err.message !== this.lastCacheError) this.o.note?.(`store cache: cannot write in ${dir}: ${err.message}`)
          this.lastCacheError = err.message
        },
      )
  }
}
