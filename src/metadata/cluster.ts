/**
 * `metadata serve --workers N`: the metadata listener served by N worker processes (node:cluster, one
 * shared listening socket), for a host where one core is not enough for the server.
 *
 * The primary keeps everything that must be one: the inventory (it loads and reloads it and sends each
 * new list to every worker, so SIGHUP / a file change reaches them all at once), the progress journal
 * and its lock, the admin listener (/healthz, /metrics: counters of all workers, plus a per-worker request
 * counter), the CloudStack password server, and the signals (SIGTERM drains every worker, then stops).
 * A worker only answers requests (cluster-worker.ts): it sends what it answered to the primary in small
 * batches, and a phone-home / report callback as one message, answering the VM 200 only once the primary
 * says the event is written to the journal, as one process does.
 */
import cluster, {type Worker} from 'node:cluster'
import {fileURLToPath} from 'node:url'
import {runWorker} from './cluster-worker.js'
import {closeServer, hostPort} from './listen.js'
import {commitWithin, type CallbackCounters} from './progress/callbacks.js'
import type {WebhookEvent} from './progress/tracker.js'
import type {ConnectionCounts} from './limits.js'
import type {MetadataStats} from './server.js'
import {
  prepareParts,
  recordSeen,
  serverSettings,
  startAdmin,
  startPasswordServer,
  startReloads,
  storeView,
  type Parts,
  type RunningMetadataServer,
  type SeenRequest,
  type StartMetadataServerOptions,
} from './start.js'
import type {Instance} from './types.js'

/** What a worker needs to serve: the listener and the server options (all plain data). */
export interface WorkerSettings {
  host: string
  port: number
  /** The server options (without the logger: a worker writes its own log lines). */
  server: Omit<ReturnType<typeof serverSettings>, 'logger'>
  trustProxy?: string[]
  proxySharedSecret?: string
  /** Write the JSON request log lines to stderr (with the worker's id). */
  log: boolean
}

/** One recorded callback call, replayed on the primary's tracker. */
export type CallbackCall = {kind: 'phone-home'; id: string} | {kind: 'report'; id: string; event: WebhookEvent}

export type ToWorker =
  | {type: 'start'; settings: WorkerSettings; instances: readonly Instance[]}
  | {type: 'inventory'; instances: readonly Instance[]}
  | {type: 'durable'; seq: number; ok: boolean}
  | {type: 'drain'}
  | {type: 'cut'}

export type FromWorker =
  | {type: 'ready'}
  | {type: 'listening'; port: number}
  | {type: 'seen'; rows: SeenRequest[]; warm: {rendered: number; total: number}}
  | {type: 'warm'; warm: {rendered: number; total: number}}
  | {type: 'callback'; seq: number; calls: CallbackCall[]; forged: number; counts: CallbackCounters['callbacks']}
  | {type: 'stopped'; clientErrors: number}
  | {type: 'limits'; connections: ConnectionCounts; degraded: string[]}

/** Set in a worker's environment: this module, run as the worker's main script, starts the worker. */
const WORKER_ENV = 'NETOPS_METADATA_WORKER'

/** The primary's view of the requests the workers answered (what `stats()` reports). */
class ClusterStats {
  private readonly stats: MetadataStats = {requests: 0, byStatus: {}, unknownRequesters: {}, clientErrors: 0}

  seen(rows: readonly SeenRequest[]): void {
    for (const r of rows) {
      this.stats.requests++
      this.stats.byStatus[r.status] = (this.stats.byStatus[r.status] ?? 0) + 1
      if (r.unknown) this.stats.unknownRequesters[r.ip] = (this.stats.unknownRequesters[r.ip] ?? 0) + 1
    }
  }

  clientErrors(n: number): void {
    this.stats.clientErrors += n
  }

  copy(): MetadataStats {
    return structuredClone(this.stats)
  }
}

/** Replay a worker's callback on the primary's tracker and counters. */
function applyCallback(p: Parts, m: Extract<FromWorker, {type: 'callback'}>): void {
  for (const c of m.calls) {
    if (c.kind === 'phone-home') p.progress.phoneHome(c.id)
    else p.progress.report(c.id, c.event)
  }
  p.progress.forged += m.forged
  for (const [k, n] of Object.entries(m.counts)) p.counters.callbacks[k] = (p.counters.callbacks[k] ?? 0) + n
}

/** The workers: forked, fed, restarted when one dies, drained together. */
class WorkerPool {
  private readonly workers = new Set<Worker>()
  private readonly warmth = new Map<number, {rendered: number; total: number}>()
  private readonly limits = new Map<number, Extract<FromWorker, {type: 'limits'}>>()
  private stopping = false
  readonly stats = new ClusterStats()

  constructor(
    private readonly p: Parts,
    private readonly settings: WorkerSettings,
    private readonly note: (line: string) => void,
  ) {}

  /** Fork one worker; resolves with the port it listens on. */
  fork(): Promise<number> {
    const w = cluster.fork({[WORKER_ENV]: '1'})
    this.workers.add(w)
    let listened = false
    return new Promise((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') w.send({type: 'start', settings: this.settings, instances: this.p.store.all()} satisfies ToWorker)
        else if (m.type === 'listening') {
          listened = true
          resolve(m.port)
        } else this.onMessage(w, m)
      })
      w.on('error', () => undefined) // a send to a worker that just died: its exit is handled below
      w.once('exit', (code, signal) => {
        this.workers.delete(w)
        this.warmth.delete(w.id)
        this.limits.delete(w.id)
        reject(new Error(`metadata worker ${w.id} exited (${signal ?? code}) before listening`))
        if (this.stopping || !listened) return // one that never started is not restarted (no crash loop)
        this.note(`metadata worker ${w.id} exited (${signal ?? code}); starting another`)
        this.fork().catch((err: Error) => this.note(err.message))
      })
    })
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'seen') {
      for (const r of m.rows) recordSeen(this.p, r)
      this.stats.seen(m.rows)
      this.p.metrics.workerRequests.set(w.id, (this.p.metrics.workerRequests.get(w.id) ?? 0) + m.rows.length)
      this.warmth.set(w.id, m.warm)
    } else if (m.type === 'warm') this.warmth.set(w.id, m.warm)
    else if (m.type === 'callback') {
      applyCallback(this.p, m)
      // durable (journal written, or committed in the store) before the worker answers 200; else it answers 503
      void commitWithin(() => this.p.progress.commit()).then((outcome) => {
        if (outcome !== 'ok') this.p.metrics.callbacksUnavailable[outcome]++
        if (w.isConnected()) w.send({type: 'durable', seq: m.seq, ok: outcome === 'ok'} satisfies ToWorker)
      })
    } else if (m.type === 'stopped') this.stats.clientErrors(m.clientErrors)
    else if (m.type === 'limits') this.limits.set(w.id, m)
  }

  /** Every worker's connections, summed (each worker enforces the limits on its own). */
  connections(): ConnectionCounts {
    const sum: ConnectionCounts = {open: 0, refused: {global: 0, 'per-client': 0}, sendTimeouts: 0}
    for (const {connections: c} of this.limits.values()) {
      sum.open += c.open
      sum.refused.global += c.refused.global
      sum.refused['per-client'] += c.refused['per-client']
      sum.sendTimeouts += c.sendTimeouts
    }
    return sum
  }

  /** What is degraded in any worker, each line with its worker. */
  degraded(): string[] {
    return [...this.limits].flatMap(([id, m]) => m.degraded.map((d) => `worker ${id} ${d}`))
  }

  broadcast(m: ToWorker): void {
    for (const w of this.workers) if (w.isConnected()) w.send(m)
  }

  /** The least-warm worker's prewarm progress (every worker renders its own documents). */
  warm(): {rendered: number; total: number} {
    const all = [...this.warmth.values()]
    const total = this.p.store.all().length
    return all.length === 0 ? {rendered: 0, total} : all.reduce((a, b) => (b.rendered < a.rendered ? b : a))
  }

  /** Drain every worker and wait for them to exit (killed after `deadlineMs`). */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true
    const exits = [...this.workers].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))))
    this.broadcast({type: 'drain'})
    const kill = setTimeout(() => {
      for (const w of this.workers) w.process.kill('SIGKILL')
    }, deadlineMs)
    await Promise.all(exits)
    clearTimeout(kill)
  }
}

/** How long `close()` waits for the workers to drain before killing them (runUntilSignal cuts connections sooner). */
const WORKER_STOP_MS = 15_000

/**
 * Start a primary that serves the metadata listener from `opts.workers` worker processes. Call it in the
 * cluster primary only. Resolves once every worker listens; `close()` drains them all and stops.
 */
export async function startMetadataCluster(opts: StartMetadataServerOptions): Promise<RunningMetadataServer> {
  const n = Math.max(1, opts.workers ?? 1)
  const p = await prepareParts(opts)
  const host = opts.host ?? '127.0.0.1'
  const {logger, ...server} = serverSettings(opts)
  const settings: WorkerSettings = {
    host,
    port: opts.port ?? 0,
    server,
    ...(opts.trustProxy ? {trustProxy: opts.trustProxy} : {}),
    ...(opts.proxySharedSecret ? {proxySharedSecret: opts.proxySharedSecret} : {}),
    log: logger !== undefined,
  }
  // the workers accept on the shared socket themselves (the kernel spreads the connections): with
  // node's default round-robin the primary accepts every connection and hands it over, and on a new
  // connection per request (cloud-init) that hand-over costs more than the answer (bench:metadata part 3)
  if (process.env['NODE_CLUSTER_SCHED_POLICY'] === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE
  // a worker runs this module (not the CLI with the primary's arguments) and gets structured clones
  cluster.setupPrimary({exec: fileURLToPath(import.meta.url), args: [], serialization: 'advanced'})
  const pool = new WorkerPool(p, settings, (line) => process.stderr.write(line + '\n'))
  const closers: Array<() => Promise<void>> = []
  const cleanup = async () => {
    await pool.stop(WORKER_STOP_MS)
    await Promise.all(closers.map((c) => c()))
    p.progress.close()
  }
  try {
    const ports = await Promise.all(Array.from({length: n}, () => pool.fork()))
    const port = ports[0]!
    const password = opts.passwordPort === undefined ? undefined : await startPasswordServer(opts, p, host, opts.passwordPort)
    if (password) closers.push(() => closeServer(password.server))
    const admin = opts.admin
      ? await startAdmin(opts.admin, p, () => pool.warm(), {
          connections: () => pool.connections(),
          degraded: () => pool.degraded(),
        })
      : undefined
    if (admin) closers.push(() => closeServer(admin.server))
    const reload = startReloads(opts, p, closers, (instances) => pool.broadcast({type: 'inventory', instances}))
    return {
      url: `http://${hostPort(host, port)}`,
      host,
      port,
      ...(password ? {passwordUrl: `http://${hostPort(host, password.port)}`, passwordPort: password.port} : {}),
      ...(admin ? {adminUrl: admin.url} : {}),
      inventory: p.inventory,
      progress: p.progress,
      metrics: p.metrics,
      instances: () => p.store.all(),
      reload,
      ...storeView(p),
      stats: () => pool.stats.copy(),
      close: cleanup,
      closeAllConnections() {
        pool.broadcast({type: 'cut'})
        password?.server.closeAllConnections()
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

if (cluster.isWorker && process.env[WORKER_ENV] === '1') runWorker()
