/** Starting a metadata server from an inventory: the store, the listeners (metadata, password, admin), reloads. */
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {createAdminServer} from './admin/server.js'
import {Metrics} from './admin/metrics.js'
import {checkTrustProxyOverlap, createResolver, type Resolver} from './identity.js'
import {loadInventory, type LoadedInventory} from './inventory.js'
import {loadInventoryIsolated} from './isolated-load.js'
import {Health, type ConnectionCounts} from './limits.js'
import {closeServer, hostPort, listen} from './listen.js'
import {createPasswordServer, type PasswordLogEntry, type PasswordServer} from './password-server.js'
import {callbackKind, durableCallback, handleCallback, type CallbackCounters} from './progress/callbacks.js'
import type {ProgressSink} from './progress/sink.js'
import {ProgressTracker} from './progress/tracker.js'
import {DEFAULT_CALLBACK_BASE, withProgressVendorData} from './progress/vendor-data.js'
import {createReloader, InventoryWatcher, type ReloadResult} from './reload.js'
import {createMetadataServer, type MetadataServer, type MetadataServerOptions, type MetadataStats, type RequestLogEntry} from './server.js'
import {MemoryStore} from './store.js'
import type {StoreConnection} from './store/connection.js'
import {EtcdInventoryStore} from './store/etcd.js'
import type {BackoffOptions} from './store/follow-state.js'
import {StoreFollower, type StoreHealth} from './store/follower.js'
import type {Instance} from './types.js'

/** Where the built-in example inventory lives (works from src/ under tsx and from dist/). */
export function exampleInventoryPath(): string {
  const candidates = [
    new URL('./examples/lab-inventory.yaml', import.meta.url),
    new URL('../../../src/metadata/examples/lab-inventory.yaml', import.meta.url),
  ]
  for (const c of candidates) {
    const p = fileURLToPath(c)
    if (existsSync(p)) return p
  }
  return fileURLToPath(candidates[0]!)
}

export interface StartMetadataServerOptions {
  /** A YAML file or directory, an inventory object, or an already-loaded inventory. Default: the built-in example. */
  inventory?: string | Record<string, unknown> | LoadedInventory
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (a free port). */
  port?: number
  namespace?: string
  trustProxy?: string[]
  /** Allow a `trustProxy` entry that covers an instance's own address (refused at start and reload otherwise). */
  trustProxyOverlapOk?: boolean
  proxySharedSecret?: string
  imdsv2?: 'optional' | 'required'
  /** Also start the CloudStack password server on this port (0 = free port). Default: not started. */
  passwordPort?: number
  logger?: (entry: RequestLogEntry) => void
  passwordLogger?: (entry: PasswordLogEntry) => void
  headersTimeoutMs?: number
  requestTimeoutMs?: number
  keepAliveTimeoutMs?: number
  /** The inventory already loaded from `inventory` (a path): skips the first load. */
  loaded?: LoadedInventory
  /** Parse the inventory file in a child process (no YAML peak in this process, no stall on reload). */
  isolatedLoad?: boolean
  /** With dataDir: forget the progress kept there. */
  resetProgress?: boolean
  /** Reload when the inventory file/directory changes (needs `inventory` to be a path). */
  watch?: boolean
  /** Debounce of the file watch, ms. Default 200. */
  watchDebounceMs?: number
  /** Called after every reload attempt (watch, SIGHUP via `reload()`), ok or refused. */
  onReload?: (r: ReloadResult) => void
  /** Keep provisioning progress here (a JSON-lines journal); default: in memory only. */
  dataDir?: string
  /** Keep provisioning progress in this sink (store mode: openProgressSink); `dataDir` is then not used. */
  progressSink?: ProgressSink
  /** Add cloud-init phone_home + reporting webhook to every VM's vendor-data; a string is the base URL the VMs call (default http://169.254.169.254). */
  phoneHome?: boolean | string
  /** Also start the admin listener (progress JSON, /healthz, /metrics) here. */
  admin?: {host: string; port: number}
  /** See MetadataServerOptions.pinIdleMs / pinMaxMs. */
  pinIdleMs?: number
  pinMaxMs?: number
  /** See MetadataServerOptions.maxConnections / maxConnectionsPerClient / sendTimeoutMs (per worker with `workers`). */
  maxConnections?: number
  maxConnectionsPerClient?: number
  sendTimeoutMs?: number
  /** One line when a part degrades (accept: EMFILE…) and when it recovers; /healthz lists what is degraded now. */
  note?: (line: string) => void
  /**
   * Serve from this many worker processes (node:cluster, one shared listening socket; see cluster.ts).
   * Only startWithFallbacks / startMetadataCluster look at it; 1 or unset = this process serves.
   */
  workers?: number
  /** Follow the inventory published in etcd instead of reading `inventory` (metadata serve --store). */
  store?: StoreFollowSettings
}

/** A replica: where the store is, who this replica is, where its cache is. */
export interface StoreFollowSettings {
  /** The connection to etcd (the caller closes it). */
  connection: StoreConnection
  /** --replica-name. */
  replica: string
  /** --store-cache DIR. */
  cacheDir?: string
  /** Lifecycle lines (unreachable, reachable again, compacted, started from the cache). */
  note?: (line: string) => void
  /** Reconnect backoff (default 250 ms doubling to 5 s). */
  backoff?: BackoffOptions
}

/** What a replica served first (the startup document). */
interface StoreStart {
  generation: number | null
  instances: number
  fromCache: boolean
}

/** A running metadata server as `metadata serve` drives it: one process, or a primary with workers. */
export interface RunningMetadataServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  host: string
  port: number
  /** Set when the password server was started. */
  passwordUrl?: string
  passwordPort?: number
  inventory: LoadedInventory
  /** Set when the admin listener was started, e.g. http://127.0.0.1:8808. */
  adminUrl?: string
  progress: ProgressTracker
  metrics: Metrics
  /** The instances served now (after the last good reload). */
  instances(): readonly Instance[]
  /** Re-read the inventory now; an invalid one is refused and the current one keeps serving. */
  reload(trigger?: ReloadResult['trigger']): Promise<ReloadResult>
  stats(): MetadataStats
  /** Stop accepting, let in-flight requests finish, close idle keep-alive connections. */
  close(): Promise<void>
  /** Cut every connection now (the drain deadline passed). */
  closeAllConnections(): void
  /** Store mode: what was served first, and the store part of /healthz. */
  store?: {start: StoreStart; health(): StoreHealth}
}

export interface StartedMetadataServer extends RunningMetadataServer {
  server: MetadataServer
  passwordServer?: PasswordServer
}

/** The base URL VMs call home to, or undefined when phone-home is off. */
export function phoneHomeBase(phoneHome: boolean | string | undefined): string | undefined {
  if (phoneHome === undefined || phoneHome === false) return undefined
  return phoneHome === true ? DEFAULT_CALLBACK_BASE : phoneHome
}

function isLoaded(v: unknown): v is LoadedInventory {
  return (
    typeof v === 'object' && v !== null && Array.isArray((v as LoadedInventory).instances) && Array.isArray((v as LoadedInventory).files)
  )
}

/** Everything one started server shares: the records, who asks, progress and counters. */
export interface Parts {
  /** The inventory file or directory; undefined when given inline. */
  path: string | undefined
  load: (src: string | Record<string, unknown>) => Promise<LoadedInventory>
  inventory: LoadedInventory
  prepare: (list: readonly Instance[]) => readonly Instance[]
  store: MemoryStore
  resolver: Resolver
  progress: ProgressTracker
  metrics: Metrics
  counters: CallbackCounters
  /** What is degraded now (/healthz); each part degrades and recovers with one note line. */
  health: Health
  /** Store mode: the follower of the inventory in etcd (instead of the file reloads). */
  follower?: StoreFollower
  storeStart?: StoreStart
  /** Store mode: called with the served list after each new generation is swapped in. */
  afterStoreApply: Array<(served: readonly Instance[]) => void>
}

/** Store mode, step 1: the follower and its first load (etcd, or the cache while etcd is down). */
async function followStore(
  opts: StartMetadataServerOptions,
  s: StoreFollowSettings,
  serve: (list: readonly Instance[]) => void,
  metrics: Metrics,
): Promise<{follower: StoreFollower; inventory: LoadedInventory; start: StoreStart}> {
  const follower = new StoreFollower({
    store: new EtcdInventoryStore(s.connection),
    storeText: s.connection.o.url.text,
    replica: s.replica,
    ...(s.cacheDir === undefined ? {} : {cacheDir: s.cacheDir}),
    apply: serve,
    onReload: (r) => {
      metrics.reload(r.ok)
      opts.onReload?.(r)
    },
    ...(s.note ? {note: s.note} : {}),
    ...(s.backoff ? {backoff: s.backoff} : {}),
  })
  const first = await follower.load()
  return {
    follower,
    inventory: {instances: first.instances, files: [], warnings: []},
    start: {generation: first.generation, instances: first.instances.length, fromCache: first.fromCache},
  }
}

/** Step 1: load the inventory (unless given loaded) and build the store, resolver and progress tracker. */
export async function prepareParts(opts: StartMetadataServerOptions): Promise<Parts> {
  const source = opts.store ? undefined : (opts.inventory ?? exampleInventoryPath())
  const load = (src: string | Record<string, unknown>) =>
    opts.isolatedLoad && typeof src === 'string' ? loadInventoryIsolated(src) : loadInventory(src)
  const base = phoneHomeBase(opts.phoneHome)
  const prepare = (list: readonly Instance[]): readonly Instance[] => (base === undefined ? list : withProgressVendorData(list, base))
  // a --trust-proxy covering a VM's own address is refused: at start (throws) and in a reload (refused, the old one kept)
  const checkOverlap = (list: readonly Instance[]) => checkTrustProxyOverlap(opts.trustProxy ?? [], list, opts.trustProxyOverlapOk === true)
  const metrics = new Metrics()
  const afterStoreApply: Parts['afterStoreApply'] = []
  const store = new MemoryStore() // filled below, before anything serves from it
  const followed = opts.store
    ? await followStore(
        opts,
        opts.store,
        (list) => {
          checkOverlap(list)
          store.replace(prepare(list)) // one synchronous swap, as a file reload
          for (const f of afterStoreApply) f(store.all())
        },
        metrics,
      )
    : undefined
  const inventory = followed?.inventory ?? (isLoaded(source) ? source : (opts.loaded ?? (await load(source!))))
  checkOverlap(inventory.instances)
  const resolver = createResolver({
    ...(opts.trustProxy ? {trustProxy: opts.trustProxy} : {}),
    ...(opts.proxySharedSecret ? {proxySharedSecret: opts.proxySharedSecret} : {}),
  })
  const health = new Health(opts.note)
  const progress = new ProgressTracker(
    opts.progressSink !== undefined
      ? {sink: opts.progressSink}
      : opts.dataDir === undefined
        ? {}
        : {
            dataDir: opts.dataDir,
            ...(opts.resetProgress ? {reset: true} : {}),
            // a journal write that fails (EMFILE, ENOSPC, EIO) is retried; /healthz lists it meanwhile
            onJournal: (err) => (err ? health.degrade('journal', err) : health.recover('journal')),
          },
  )
  store.replace(prepare(inventory.instances))
  return {
    path: typeof source === 'string' ? source : undefined,
    load,
    inventory,
    prepare,
    store,
    resolver,
    progress,
    metrics,
    counters: {callbacks: {}},
    health,
    ...(followed ? {follower: followed.follower, storeStart: followed.start} : {}),
    afterStoreApply,
  }
}

/** The `store` part of a running server (store mode only). */
export function storeView(p: Parts): Pick<RunningMetadataServer, 'store'> {
  const {follower, storeStart} = p
  return follower && storeStart ? {store: {start: storeStart, health: () => follower.health()}} : {}
}

/** The start options handed to createMetadataServer as they are. */
const PASSED_TO_SERVER = [
  'namespace',
  'imdsv2',
  'logger',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'keepAliveTimeoutMs',
  'pinIdleMs',
  'pinMaxMs',
  'maxConnections',
  'maxConnectionsPerClient',
  'sendTimeoutMs',
] as const satisfies ReadonlyArray<keyof MetadataServerOptions>

/** The options of `o` named in `keys` that are set (an absent option stays absent, never `undefined`). */
function pickDefined<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
  return out
}

/** One answered request as the metrics and the progress tracker take it (in this process or sent by a worker). */
export interface SeenRequest {
  /** The VM's instance id, when the requester is one. */
  instance: string | undefined
  ip: string
  unknown: boolean
  path: string | undefined
  status: number
  flavor: string | undefined
  seconds: number
}

/** Count an answered request in the metrics and the provisioning progress. */
export function recordSeen(p: Pick<Parts, 'metrics' | 'progress'>, o: SeenRequest): void {
  p.metrics.observe(o.flavor ?? 'none', o.status, o.seconds)
  if (o.flavor === 'callback') return // progress from callbacks is recorded by handleCallback; a forged one is no progress
  if (o.instance !== undefined) p.progress.observe(o.instance, o.path ?? '', o.status)
  else if (o.unknown) p.progress.observeUnknown(o.ip)
}

/** The server options shared by this process's server and a cluster worker's. */
export function serverSettings(opts: StartMetadataServerOptions): Partial<Pick<MetadataServerOptions, (typeof PASSED_TO_SERVER)[number]>> {
  return pickDefined(opts, PASSED_TO_SERVER)
}

/** Step 2: the metadata server, its answers counted in the metrics and the provisioning progress. */
function metadataServer(opts: StartMetadataServerOptions, p: Parts): MetadataServer {
  const {progress, counters, metrics} = p
  return createMetadataServer({
    store: p.store,
    resolver: p.resolver,
    ...serverSettings(opts),
    health: p.health,
    observer: (o) => recordSeen(p, {...o, instance: o.who.instance?.id, ip: o.who.ip}),
    postHandler: (req, who, path) =>
      callbackKind(path) === undefined
        ? undefined
        : handleCallback(req, who, path, progress, counters).then((r) =>
            // what a 200 acknowledges is durable first (journal written, or committed in the store); else 503
            durableCallback(
              r,
              () => progress.commit(),
              (why) => metrics.callbacksUnavailable[why]++,
            ),
          ),
  })
}

/** Step 3 (optional): the CloudStack password server on the metadata host. */
export async function startPasswordServer(opts: StartMetadataServerOptions, p: Parts, host: string, port: number) {
  const server = createPasswordServer({
    store: p.store,
    resolver: p.resolver,
    acks: p.progress.passwords, // kept in the progress journal: a restart does not hand a saved password out again
    ...(opts.passwordLogger ? {logger: opts.passwordLogger} : {}),
  })
  const bound = await listen(server, host, port, (err) => p.health.degrade('password accept', err))
  return {server, port: bound.port}
}

/** Step 4 (optional): the admin listener (progress JSON, /healthz, /metrics). */
export async function startAdmin(
  admin: {host: string; port: number},
  p: Parts,
  warm: () => {rendered: number; total: number},
  live: {connections: () => ConnectionCounts; degraded?: () => string[]},
) {
  const adminServer = createAdminServer({
    degraded: () => [...p.health.list(), ...(live.degraded?.() ?? [])],
    connections: live.connections,
    instances: () => p.store.all(),
    progress: p.progress,
    metrics: p.metrics,
    callbacks: p.counters,
    source: p.follower?.source ?? p.path ?? '<inline inventory>',
    warm,
    ...(p.follower ? {store: () => p.follower!.health()} : {}),
  })
  const bound = await listen(adminServer, admin.host, admin.port, (err) => p.health.degrade('admin accept', err))
  return {server: adminServer, url: `http://${hostPort(admin.host, bound.port)}`}
}

/** Step 5: reloads (SIGHUP via the returned function, the file watch when asked); `afterApply` sees each new list. */
export function startReloads(
  opts: StartMetadataServerOptions,
  p: Parts,
  closers: Array<() => Promise<void>>,
  afterApply?: (served: readonly Instance[]) => void,
): (trigger?: ReloadResult['trigger']) => Promise<ReloadResult> {
  const {store, metrics, follower} = p
  if (follower) {
    // store mode: the follower swaps each new generation in; SIGHUP reads `current` again
    if (afterApply) p.afterStoreApply.push(afterApply)
    follower.follow()
    closers.push(() => follower.close())
    return (trigger = 'api') => follower.reload(trigger)
  }
  const reload = createReloader({
    source: p.path,
    load: p.load,
    apply: (next) => {
      checkTrustProxyOverlap(opts.trustProxy ?? [], next.instances, opts.trustProxyOverlapOk === true)
      store.replace(p.prepare(next.instances))
      afterApply?.(store.all())
    },
    served: () => store.all().length,
    onReload: (r) => {
      metrics.reload(r.ok)
      opts.onReload?.(r)
    },
  })
  if (opts.watch && p.path !== undefined) {
    const watcher = new InventoryWatcher(p.path, () => void reload('watch'), opts.watchDebounceMs ?? 200)
    watcher.start()
    closers.push(() => Promise.resolve(watcher.stop()))
  }
  return reload
}

/**
 * Load an inventory and serve it (for the client harness, tests and demos).
 * Resolves once listening; `close()` drains and stops every listener.
 */
export async function startMetadataServer(opts: StartMetadataServerOptions = {}): Promise<StartedMetadataServer> {
  const p = await prepareParts(opts)
  const {store, progress, metrics} = p
  const host = opts.host ?? '127.0.0.1'
  const server = metadataServer(opts, p)
  const closers: Array<() => Promise<void>> = []
  const cleanup = async () => {
    await Promise.all(closers.map((c) => c()))
    progress.close()
  }
  try {
    const addr = await listen(server, host, opts.port ?? 0)
    closers.push(() => closeServer(server))
    const password = opts.passwordPort === undefined ? undefined : await startPasswordServer(opts, p, host, opts.passwordPort)
    if (password) closers.push(() => closeServer(password.server))
    const admin = opts.admin
      ? await startAdmin(opts.admin, p, () => server.metadata.warm(), {connections: () => server.metadata.connections()})
      : undefined
    if (admin) closers.push(() => closeServer(admin.server))
    const reload = startReloads(opts, p, closers)

    return {
      url: `http://${hostPort(host, addr.port)}`,
      host,
      port: addr.port,
      ...(password
        ? {passwordUrl: `http://${hostPort(host, password.port)}`, passwordPort: password.port, passwordServer: password.server}
        : {}),
      ...(admin ? {adminUrl: admin.url} : {}),
      inventory: p.inventory,
      server,
      progress,
      metrics,
      instances: () => store.all(),
      reload,
      ...storeView(p),
      stats: () => server.metadata.stats(),
      close: cleanup,
      closeAllConnections() {
        server.closeAllConnections()
        password?.server.closeAllConnections()
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
