/** The life of a long-running metadata server (`metadata serve`): start past busy defaults, describe it, stop on a signal. */
import {BindError} from './listen.js'
import {DataDirBusyError} from './progress/journal.js'
import {startMetadataCluster} from './cluster.js'
import {phoneHomeBase, startMetadataServer, type RunningMetadataServer, type StartMetadataServerOptions} from './start.js'

export interface FallbackOptions {
  /** opts.dataDir is the default one, not asked for: when another server holds it, keep progress in memory. */
  dataDirIsDefault: boolean
  /** opts.admin is the default listener, not asked for: when its port is taken, run without the admin API. */
  adminIsDefault: boolean
  /** One warning line per fallback taken. */
  warn: (line: string) => void
}

export interface ServeRun {
  started: RunningMetadataServer
  /** What was actually used: undefined when not asked for or fallen back from. */
  dataDir: string | undefined
  admin: {host: string; port: number} | undefined
}

const dirBusy = (err: unknown): err is DataDirBusyError => err instanceof DataDirBusyError
/** The admin listener's own address is taken (not the metadata port: that one is never a fallback). */
const adminBusy = (err: unknown, admin: {host: string; port: number} | undefined): err is BindError =>
  admin !== undefined && err instanceof BindError && err.errno === 'EADDRINUSE' && err.host === admin.host && err.port === admin.port

/**
 * Start once; a busy default (data dir held by another server, admin port taken) is dropped with a warning
 * and the start tried again. Anything the user asked for explicitly fails as usual.
 */
export async function startWithFallbacks(opts: StartMetadataServerOptions, fb: FallbackOptions): Promise<ServeRun> {
  const {dataDir: askedDir, admin: askedAdmin, resetProgress, ...rest} = opts
  let dataDir = askedDir
  let admin = askedAdmin
  const start = async (): Promise<ServeRun> => {
    const start = (opts.workers ?? 1) > 1 ? startMetadataCluster : startMetadataServer
    const started = await start({
      ...rest,
      ...(dataDir === undefined ? {} : {dataDir, ...(resetProgress === undefined ? {} : {resetProgress})}),
      ...(admin ? {admin} : {}),
    })
    return {started, dataDir, admin}
  }
  try {
    return await start()
  } catch (err) {
    const busyDir = fb.dataDirIsDefault && dirBusy(err)
    const busyAdmin = fb.adminIsDefault && adminBusy(err, admin)
    if (!busyDir && !busyAdmin) throw err
    fb.warn(
      busyDir
        ? `${err.message}; keeping progress in memory only (give --data-dir to keep it across restarts)`
        : `${err.message.replace('cannot listen on', 'admin listener: cannot listen on')}; running without the admin API (give --admin-listen HOST:PORT)`,
    )
    if (busyDir) dataDir = undefined
    else admin = undefined
  }
  try {
    return await start()
  } catch (err) {
    // both defaults busy at once: the second one shows up only on the retry
    if (fb.adminIsDefault && adminBusy(err, admin)) {
      fb.warn(`admin listener: ${askedAdmin?.host}:${askedAdmin?.port} is busy; running without the admin API`)
      admin = undefined
    } else if (fb.dataDirIsDefault && dirBusy(err)) {
      fb.warn(`${err.message}; keeping progress in memory only`)
      dataDir = undefined
    } else throw err
  }
  return start()
}

/** The document `metadata serve --json` prints once listening (and the human startup text is made from). */
export interface ServeStartup {
  listening: {metadata: string; password: string | null}
  inventory: {source: string; builtIn: boolean; files: string[]; instances: number}
  namespace: string | null
  imdsv2: 'optional' | 'required'
  trustProxy: string[]
  signedProxyHeaders: boolean
  paths: Record<string, string>
  /** Admin API (progress, /healthz, /metrics), null when off. */
  admin: string | null
  progress: {dataDir: string | null; phoneHome: string | null; watch: boolean}
  pid: number
  /** Store mode only (a replica): where the inventory comes from and what was served first. */
  store?: {url: string; prefix: string; replica: string; generation: number | null; instances: number; fromCache: boolean}
}

export type ServeStartupOptions = Pick<
  StartMetadataServerOptions,
  'namespace' | 'imdsv2' | 'trustProxy' | 'proxySharedSecret' | 'phoneHome' | 'watch'
> & {
  /** The inventory file or directory served. */
  source: string
  builtIn: boolean
  pid: number
}

/** Describe a started server: where each flavour is, what it serves and where progress goes. */
export function serveStartup(run: ServeRun, o: ServeStartupOptions): ServeStartup {
  const {started} = run
  const url = started.url
  const ns = o.namespace
  return {
    listening: {metadata: url, password: started.passwordUrl ?? null},
    inventory: {source: o.source, builtIn: o.builtIn, files: started.inventory.files, instances: started.inventory.instances.length},
    namespace: ns ?? null,
    imdsv2: o.imdsv2 ?? 'optional',
    trustProxy: o.trustProxy ?? [],
    signedProxyHeaders: Boolean(o.proxySharedSecret),
    paths: {
      ec2: `${url}/latest/meta-data/ (and /2009-04-04, /2016-09-02, /2018-09-24, /2021-03-23)`,
      openstack: `${url}/openstack/latest/meta_data.json`,
      nocloud: `${url}/nocloud/`,
      cloudstack: `${url}/latest/meta-data/availability-zone`,
      ...(ns ? {custom: `${url}/${ns}/latest/meta_data.json`} : {}),
    },
    admin: started.adminUrl ?? null,
    progress: {
      dataDir: run.dataDir ?? null,
      phoneHome: phoneHomeBase(o.phoneHome) ?? null,
      watch: o.watch ?? false,
    },
    pid: o.pid,
    ...(started.store ? {store: storeStartup(started.store)} : {}),
  }
}

function storeStartup(s: NonNullable<RunningMetadataServer['store']>): NonNullable<ServeStartup['store']> {
  const h = s.health()
  return {url: h.url, prefix: h.prefix, replica: h.replica, ...s.start}
}

/** The startup line for journal lines refused on load: how many, which lines (the first 20), where they went. */
export function rejectedJournalNote(lines: readonly number[], file: string): string {
  const shown = lines.slice(0, 20).join(', ') + (lines.length > 20 ? ` and ${lines.length - 20} more` : '')
  const n = lines.length
  return `progress: ${n} damaged journal line${n === 1 ? '' : 's'} (line${n === 1 ? '' : 's'} ${shown}) moved to ${file}; the rest was restored`
}

/**
 * SIGHUP before the server is ready (its default action would end the process): remembered, and
 * handed to runUntilSignal, which reloads once serving. Call it first thing in `metadata serve`.
 */
export interface EarlySignals {
  /** A SIGHUP arrived (since the last `take()`). */
  take(): boolean
  /** Stop listening (runUntilSignal has its own handlers by then). */
  release(): void
}

/**
 * `before`: called once this listens, says whether a SIGHUP came even earlier (the CLI entry kept one that
 * arrived while loading; it stops listening then).
 */
export function queueEarlySignals(
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'> = process,
  before: () => boolean = () => false,
): EarlySignals {
  let hup = false
  const onHup = () => (hup = true)
  signals.on('SIGHUP', onHup)
  if (before()) hup = true
  return {
    take() {
      const was = hup
      hup = false
      return was
    },
    release: () => signals.off('SIGHUP', onHup),
  }
}

export interface RunUntilSignalOptions {
  /** How long in-flight requests may take after SIGINT/SIGTERM before every connection is cut. */
  drainMs: number
  /** One lifecycle line (draining, the served-requests summary). */
  note: (line: string) => void
  /** Where the signals come from; default `process` (a test passes an EventEmitter). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>
  /** Signals that arrived while starting (a queued SIGHUP reloads now). */
  early?: EarlySignals
}

/**
 * Serve until SIGINT/SIGTERM, then drain and close; SIGHUP reloads the inventory. A second SIGINT/SIGTERM
 * while draining cuts every connection at once (the progress journal is still written and the data dir
 * unlocked by the close). Resolves once stopped.
 */
export function runUntilSignal(started: RunningMetadataServer, o: RunUntilSignalOptions): Promise<void> {
  const signals = o.signals ?? process
  return new Promise<void>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) {
        o.note(`${signal} again: cutting every connection now`)
        started.closeAllConnections()
        return
      }
      stopping = true
      o.note(`${signal}: draining in-flight requests (up to ${o.drainMs / 1000} s)…`)
      // a client that never finishes its request must not hold the stop forever
      const force = setTimeout(() => started.closeAllConnections(), o.drainMs)
      force.unref()
      await started.close()
      clearTimeout(force)
      // the handlers stay until here: a signal during the drain must not end the process before the journal is written
      signals.off('SIGINT', onInt)
      signals.off('SIGTERM', onTerm)
      signals.off('SIGHUP', onHup)
      const stats = started.stats()
      const unknown = Object.entries(stats.unknownRequesters)
      o.note(
        `served ${stats.requests} requests; ${unknown.length} unknown requester${unknown.length === 1 ? '' : 's'}${
          unknown.length
            ? `: ${unknown
                .slice(0, 10)
                .map(([ip, n]) => `${ip} (${n})`)
                .join(', ')}`
            : ''
        }`,
      )
      resolve()
    }
    const onInt = () => void stop('SIGINT')
    const onTerm = () => void stop('SIGTERM')
    const onHup = () => {
      if (!stopping) void started.reload('SIGHUP')
    }
    signals.on('SIGINT', onInt)
    signals.on('SIGTERM', onTerm)
    signals.on('SIGHUP', onHup)
    if (o.early) {
      o.early.release()
      if (o.early.take()) onHup()
    }
  })
}
