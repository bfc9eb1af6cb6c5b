/**
 * A `metadata serve --workers N` worker process (cluster.ts runs runWorker() in it): it answers requests on the shared
 * listening socket and nothing else. The inventory comes from the primary (at start and after every
 * reload); what it answered goes back in batches; a callback is answered 200 only after the primary says
 * the event is in the journal. Signals are the primary's business: it sends `drain` (and `cut`).
 */
import cluster from 'node:cluster'
import type {IncomingMessage} from 'node:http'
import type {CallbackCall, FromWorker, ToWorker, WorkerSettings} from './cluster.js'
import {createResolver, type Requester} from './identity.js'
import {Health} from './limits.js'
import {listen} from './listen.js'
import {callbackKind, handleCallback, type CallbackCounters, type CallbackProgress, type CallbackResult} from './progress/callbacks.js'
import type {WebhookEvent} from './progress/tracker.js'
import {createMetadataServer, type MetadataServer} from './server.js'
import type {SeenRequest} from './start.js'
import {MemoryStore} from './store.js'
import type {Instance} from './types.js'

/** Answered requests are sent to the primary at least this often (and at most this many at once). */
const BATCH_MS = 20
const BATCH_MAX = 512
const WARM_REPORT_MS = 250
const LIMITS_REPORT_MS = 1000
/** A callback the primary does not confirm in this time is answered 503 (cloud-init tries again). */
const DURABLE_TIMEOUT_MS = 10_000

const send = (m: FromWorker, done?: () => void) => {
  if (process.connected) process.send?.(m, undefined, {}, () => done?.())
  else done?.()
}

/** A callback's effects, recorded to be replayed on the primary's tracker. */
class CallbackRelay implements CallbackProgress {
  readonly calls: CallbackCall[] = []
  forged = 0

  phoneHome(id: string): void {
    this.calls.push({kind: 'phone-home', id})
  }

  report(id: string, event: WebhookEvent): void {
    this.calls.push({kind: 'report', id, event})
  }
}

class Worker {
  private rows: SeenRequest[] = []
  private timer: NodeJS.Timeout | undefined
  private seq = 0
  private readonly waiting = new Map<number, (ok: boolean) => void>()
  private readonly store: MemoryStore
  private readonly server: MetadataServer

  constructor(settings: WorkerSettings, instances: readonly Instance[]) {
    this.store = new MemoryStore(instances)
    const id = cluster.worker?.id ?? 0
    const resolver = createResolver({
      ...(settings.trustProxy ? {trustProxy: settings.trustProxy} : {}),
      ...(settings.proxySharedSecret ? {proxySharedSecret: settings.proxySharedSecret} : {}),
    })
    this.server = createMetadataServer({
      store: this.store,
      resolver,
      ...settings.server,
      health: new Health((line) => process.stderr.write(`metadata worker ${id}: ${line}\n`)),
      ...(settings.log ? {logger: (entry) => process.stderr.write(JSON.stringify({...entry, worker: id}) + '\n')} : {}),
      observer: (o) =>
        this.seen({
          instance: o.who.instance?.id,
          ip: o.who.ip,
          unknown: o.unknown,
          path: o.path,
          status: o.status,
          flavor: o.flavor,
          seconds: o.seconds,
        }),
      postHandler: (req, who, path) => (callbackKind(path) === undefined ? undefined : this.callback(req, who, path)),
    })
  }

  async listen(settings: WorkerSettings): Promise<void> {
    const addr = await listen(this.server, settings.host, settings.port)
    send({type: 'listening', port: addr.port})
    // the background prewarm's progress, for the primary's /healthz (also sent with every batch)
    let last = -1
    const warmth = setInterval(() => {
      const warm = this.server.metadata.warm()
      if (warm.rendered !== last) send({type: 'warm', warm})
      last = warm.rendered
    }, WARM_REPORT_MS)
    warmth.unref()
    // connection counts and what is degraded, for the primary's /metrics and /healthz
    const limits = setInterval(() => {
      const m = this.server.metadata
      send({type: 'limits', connections: m.connections(), degraded: m.health.list()})
    }, LIMITS_REPORT_MS)
    limits.unref()
    this.server.on('close', () => {
      clearInterval(warmth)
      clearInterval(limits)
    })
  }

  private seen(row: SeenRequest): void {
    this.rows.push(row)
    if (this.rows.length >= BATCH_MAX) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS)
  }

  /** Send the answered requests not sent yet. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.rows.length === 0) return
    send({type: 'seen', rows: this.rows, warm: this.server.metadata.warm()})
    this.rows = []
  }

  private async callback(req: IncomingMessage, who: Requester, path: string): Promise<CallbackResult> {
    const relay = new CallbackRelay()
    const counters: CallbackCounters = {callbacks: {}}
    const r = await handleCallback(req, who, path, relay, counters)
    this.flush() // the VM's earlier requests reach the primary before its callback
    const seq = ++this.seq
    const durable = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq)
        resolve(false)
      }, DURABLE_TIMEOUT_MS)
      this.waiting.set(seq, (ok) => {
        clearTimeout(timer)
        resolve(ok)
      })
    })
    send({type: 'callback', seq, calls: relay.calls, forged: relay.forged, counts: counters.callbacks})
    if (relay.calls.length > 0 && !(await durable)) return {status: 503, kind: r.kind, reason: 'progress not confirmed by the primary'}
    return r
  }

  onMessage(m: ToWorker): void {
    if (m.type === 'durable') {
      this.waiting.get(m.seq)?.(m.ok)
      this.waiting.delete(m.seq)
    } else if (m.type === 'inventory') this.store.replace(m.instances)
    else if (m.type === 'drain') this.drain()
    else if (m.type === 'cut') this.server.closeAllConnections()
  }

  private drain(): void {
    this.server.close(() => {
      this.flush()
      send({type: 'stopped', clientErrors: this.server.metadata.stats().clientErrors}, () => process.exit(0))
    })
    this.server.closeIdleConnections()
  }
}

/** Serve as a worker of the primary that forked this process. */
export function runWorker(): void {
  // Ctrl-C reaches the whole process group, systemd's SIGTERM the whole cgroup: the primary decides
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined)
  let worker: Worker | undefined
  process.on('message', (m: ToWorker) => {
    if (m.type === 'start') {
      worker = new Worker(m.settings, m.instances)
      worker.listen(m.settings).catch((err: Error) => {
        process.stderr.write(`metadata worker: ${err.message}\n`)
        process.exit(1)
      })
    } else worker?.onMessage(m)
  })
  send({type: 'ready'}) // messages sent before this module listened would be lost: the primary waits for this
}
