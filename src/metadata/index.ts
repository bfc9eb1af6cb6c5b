import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {AddressInfo} from 'node:net'
import {ListenError} from '../errors.js'
import {createResolver} from './identity.js'
import {loadInventory, type LoadedInventory} from './inventory.js'
import {createPasswordServer, type PasswordLogEntry, type PasswordServer} from './password-server.js'
import {createMetadataServer, LISTEN_BACKLOG, type MetadataServer, type MetadataStats, type RequestLogEntry} from './server.js'
import {MemoryStore} from './store.js'
import {InventoryWatcher, loadInventoryIsolated, type ReloadResult} from './file-store.js'
import {createAdminServer} from './admin/server.js'
import {Metrics} from './admin/metrics.js'
import {callbackKind, handleCallback, type CallbackCounters} from './progress/callbacks.js'
import {ProgressTracker} from './progress/tracker.js'
import {DEFAULT_CALLBACK_BASE, withProgressVendorData} from './progress/vendor-data.js'
import type {Instance} from './types.js'
import type {InventoryIssue} from './inventory.js'

export * from './types.js'
export {createMetadataServer, LISTEN_BACKLOG, normalizePath} from './server.js'
export type {MetadataServer, MetadataServerOptions, MetadataStats, RequestLogEntry} from './server.js'
export {createResolver, signInstanceId, clientFromForwarded} from './identity.js'
export type {Resolver, Requester} from './identity.js'
export {createPasswordServer} from './password-server.js'
export type {PasswordServer, PasswordLogEntry} from './password-server.js'
export {MemoryStore, type Store} from './store.js'
export {FileStore, InventoryWatcher, loadInventoryIsolated, type ReloadResult} from './file-store.js'
export {ProgressTracker, STEPS, STATES, stepForPath} from './progress/tracker.js'
export type {InstanceProgress, ProgressRecord, ProgressState, Step, UnknownRequester, WebhookEvent} from './progress/tracker.js'
export {handleCallback, callbackKind, PHONE_HOME_PREFIX, REPORT_PATH} from './progress/callbacks.js'
export {progressCloudConfig, withProgressVendorData, DEFAULT_CALLBACK_BASE} from './progress/vendor-data.js'
export {createAdminServer, isLoopbackHost, instancesDocument, DEFAULT_ADMIN_LISTEN} from './admin/server.js'
export type {InstancesDocument, UnknownDocument, HealthDocument} from './admin/server.js'
export {Metrics} from './admin/metrics.js'
export {loadInventory, parseInventory, inventoryFromObject, formatIssue} from './inventory.js'
export type {LoadedInventory, InventoryIssue} from './inventory.js'
export {renderAllDocuments} from './documents.js'
export {TokenIssuer} from './tokens.js'
export {startWithFallbacks, serveStartup, runUntilSignal} from './lifecycle.js'
export type {FallbackOptions, ServeRun, ServeStartup, ServeStartupOptions, RunUntilSignalOptions} from './lifecycle.js'

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
  proxySharedSecret?: string
  imdsv2?: 'optional' | 'required'
  /** Also start the CloudStack password server on this port (0 = free port). Default: not started. */
  passwordPort?: number
  logger?: (entry: RequestLogEntry) => void
  passwordLogger?: (entry: PasswordLogEntry) => void
  headersTimeoutMs?: number
  requestTimeoutMs?: number
  keepAliveTimeoutMs?: number
  /** false = node:http only (see MetadataServerOptions.fastPath). */
  fastPath?: boolean
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
  /** Add cloud-init phone_home + reporting webhook to every VM's vendor-data; a string is the base URL the VMs call (default http://169.254.169.254). */
  phoneHome?: boolean | string
  /** Also start the admin listener (progress JSON, /healthz, /metrics) here. */
  admin?: {host: string; port: number}
  /** See MetadataServerOptions.pinIdleMs / pinMaxMs. */
  pinIdleMs?: number
  pinMaxMs?: number
}

export interface StartedMetadataServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  host: string
  port: number
  /** Set when the password server was started. */
  passwordUrl?: string
  passwordPort?: number
  inventory: LoadedInventory
  server: MetadataServer
  passwordServer?: PasswordServer
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
}

function isLoaded(v: unknown): v is LoadedInventory {
  return (
    typeof v === 'object' && v !== null && Array.isArray((v as LoadedInventory).instances) && Array.isArray((v as LoadedInventory).files)
  )
}

export function listen(server: import('node:http').Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new ListenError(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${err.code ?? err.message}`, {
          suggestions:
            err.code === 'EADDRINUSE'
              ? ['another process uses that port: pick another with --listen HOST:PORT', `see who: ss -ltnp 'sport = :${port}'`]
              : err.code === 'EACCES'
                ? ['ports below 1024 need root or CAP_NET_BIND_SERVICE; use 8807 and DNAT 169.254.169.254:80 to it']
                : ['check the --listen address exists on this host'],
          cause: err,
        }),
      )
    }
    server.once('error', onError)
    server.listen({host, port, backlog: LISTEN_BACKLOG}, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}

export async function closeServer(server: import('node:http').Server): Promise<void> {
  if (!server.listening) return
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Load an inventory and serve it (for the client harness, tests and demos).
 * Resolves once listening; `close()` drains and stops both servers.
 */
export async function startMetadataServer(opts: StartMetadataServerOptions = {}): Promise<StartedMetadataServer> {
  const source = opts.inventory ?? exampleInventoryPath()
  const load = (src: string | Record<string, unknown>) =>
    opts.isolatedLoad && typeof src === 'string' ? loadInventoryIsolated(src) : loadInventory(src)
  const inventory = isLoaded(source) ? source : (opts.loaded ?? (await load(source)))
  const base =
    opts.phoneHome === undefined || opts.phoneHome === false ? undefined : opts.phoneHome === true ? DEFAULT_CALLBACK_BASE : opts.phoneHome
  const prepare = (list: readonly Instance[]): readonly Instance[] => (base === undefined ? list : withProgressVendorData(list, base))
  const store = new MemoryStore(prepare(inventory.instances))
  const resolver = createResolver({
    ...(opts.trustProxy ? {trustProxy: opts.trustProxy} : {}),
    ...(opts.proxySharedSecret ? {proxySharedSecret: opts.proxySharedSecret} : {}),
  })
  const progress = new ProgressTracker(
    opts.dataDir === undefined ? {} : {dataDir: opts.dataDir, ...(opts.resetProgress ? {reset: true} : {})},
  )
  const metrics = new Metrics()
  const counters: CallbackCounters = {callbacks: {}}
  const host = opts.host ?? '127.0.0.1'
  const server = createMetadataServer({
    store,
    resolver,
    ...(opts.namespace === undefined ? {} : {namespace: opts.namespace}),
    ...(opts.imdsv2 === undefined ? {} : {imdsv2: opts.imdsv2}),
    ...(opts.logger === undefined ? {} : {logger: opts.logger}),
    ...(opts.headersTimeoutMs === undefined ? {} : {headersTimeoutMs: opts.headersTimeoutMs}),
    ...(opts.requestTimeoutMs === undefined ? {} : {requestTimeoutMs: opts.requestTimeoutMs}),
    ...(opts.keepAliveTimeoutMs === undefined ? {} : {keepAliveTimeoutMs: opts.keepAliveTimeoutMs}),
    ...(opts.fastPath === undefined ? {} : {fastPath: opts.fastPath}),
    ...(opts.pinIdleMs === undefined ? {} : {pinIdleMs: opts.pinIdleMs}),
    ...(opts.pinMaxMs === undefined ? {} : {pinMaxMs: opts.pinMaxMs}),
    observer: (o) => {
      metrics.observe(o.flavor ?? 'none', o.status, o.seconds)
      if (o.flavor === 'callback') return // progress from callbacks is recorded by handleCallback; a forged one is no progress
      if (o.who.instance !== undefined) progress.observe(o.who.instance.id, o.path ?? '', o.status)
      else if (o.unknown) progress.observeUnknown(o.who.ip)
    },
    postHandler: (req, who, path) => (callbackKind(path) === undefined ? undefined : handleCallback(req, who, path, progress, counters)),
  })
  const closers: Array<() => Promise<void>> = []
  const cleanup = async () => {
    await Promise.all(closers.map((c) => c()))
    progress.close()
  }
  try {
    const addr = await listen(server, host, opts.port ?? 0)
    closers.push(() => closeServer(server))
    let passwordServer: PasswordServer | undefined
    let passwordPort: number | undefined
    if (opts.passwordPort !== undefined) {
      const pw = createPasswordServer({store, resolver, ...(opts.passwordLogger ? {logger: opts.passwordLogger} : {})})
      passwordPort = (await listen(pw, host, opts.passwordPort)).port
      passwordServer = pw
      closers.push(() => closeServer(pw))
    }
    let adminUrl: string | undefined
    if (opts.admin) {
      const admin = createAdminServer({
        instances: () => store.all(),
        progress,
        metrics,
        callbacks: counters,
        source: typeof source === 'string' ? source : '<inline inventory>',
        warm: () => server.metadata.warm(),
      })
      const a = await listen(admin, opts.admin.host, opts.admin.port)
      adminUrl = `http://${hostPort(opts.admin.host, a.port)}`
      closers.push(() => closeServer(admin))
    }

    let chain: Promise<unknown> = Promise.resolve()
    const reloadNow = async (trigger: ReloadResult['trigger']): Promise<ReloadResult> => {
      const started = performance.now()
      const path = typeof source === 'string' ? source : '<inline inventory>'
      const ms = () => Math.round(performance.now() - started)
      if (typeof source !== 'string') {
        return {
          ok: false,
          trigger,
          source: path,
          instances: store.all().length,
          ms: 0,
          error: 'the inventory was not read from a file: nothing to reload',
        }
      }
      let result: ReloadResult
      try {
        const next = await load(source)
        store.replace(prepare(next.instances)) // one synchronous swap: a request sees all old or all new
        metrics.reload(true)
        result = {
          ok: true,
          trigger,
          source: path,
          instances: next.instances.length,
          ms: ms(),
          ...(next.warnings.length ? {warnings: next.warnings} : {}),
        }
      } catch (err) {
        metrics.reload(false)
        const issues = (err as {details?: {issues?: InventoryIssue[]}}).details?.issues
        result = {
          ok: false,
          trigger,
          source: path,
          instances: store.all().length,
          ms: ms(),
          error: (err as Error).message,
          ...(issues ? {issues} : {}),
        }
      }
      opts.onReload?.(result)
      return result
    }
    const reload = (trigger: ReloadResult['trigger'] = 'api'): Promise<ReloadResult> => {
      const p = chain.then(() => reloadNow(trigger))
      chain = p.catch(() => undefined)
      return p
    }
    if (opts.watch && typeof source === 'string') {
      const watcher = new InventoryWatcher(source, () => void reload('watch'), opts.watchDebounceMs ?? 200)
      watcher.start()
      closers.push(async () => watcher.stop())
    }

    return {
      url: `http://${hostPort(host, addr.port)}`,
      host,
      port: addr.port,
      ...(passwordPort === undefined ? {} : {passwordUrl: `http://${hostPort(host, passwordPort)}`, passwordPort}),
      ...(adminUrl === undefined ? {} : {adminUrl}),
      inventory,
      server,
      ...(passwordServer ? {passwordServer} : {}),
      progress,
      metrics,
      instances: () => store.all(),
      reload,
      stats: () => server.metadata.stats(),
      close: cleanup,
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
