/**
 * The metadata server: an unstarted http.Server answering every flavour from pre-rendered, per-VM documents.
 * Its parts: snapshots.ts (which inventory snapshot a request sees), decide.ts (what to answer), and here
 * node:http reading requests and writing answers, its guards (timeouts, header size, stalled readers), the
 * counters, the request log and the assembly.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'
import type {Prebuilt} from './documents.js'
import {ANSWERS, decide, normalizePath, plain, rawHeaders, toPrebuilt, type Answer, type AnswerFlavor, type Decision} from './decide.js'
import {FairScheduler} from './fairness.js'
import {createResolver, type RequestHead, type Requester, type Resolver} from './identity.js'
import {normalizeIp} from './ip.js'
import {
  ConnectionGate,
  DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
  DEFAULT_SEND_TIMEOUT_MS,
  defaultMaxConnections,
  Health,
  FD_PROBE_MS,
  probeFds,
  readSoftFdLimit,
  watchSend,
  type ConnectionCounts,
} from './limits.js'
import {ServedSnapshots, type Identified} from './snapshots.js'
import type {Store} from './store.js'
import {TokenIssuer} from './tokens.js'

/** One JSON log line per request. Never carries user-data, keys, passwords or tokens. */
export interface RequestLogEntry {
  time: string
  method: string
  path: string
  status: number
  bytes: number
  ms: number
  peer: string
  ip: string
  via: 'address' | 'forwarded' | 'signed' | 'none'
  instance?: string
  flavor?: AnswerFlavor
  unknown?: true
  reason?: string
}

export interface MetadataStats {
  requests: number
  byStatus: Record<string, number>
  /** Requests from addresses that are in no record: address → count. */
  unknownRequesters: Record<string, number>
  clientErrors: number
}

export interface MetadataServerOptions {
  store: Store
  resolver?: Resolver
  /** Milliseconds since the epoch (token expiry, log time). */
  clock?: () => number
  logger?: (entry: RequestLogEntry) => void
  /** Custom namespace served as /<ns>/latest/{meta_data.json,user_data}. */
  namespace?: string
  /** IMDSv2: `optional` (default; tokens work, none needed) or `required` (EC2 paths need a token). */
  imdsv2?: 'optional' | 'required'
  tokenIssuer?: TokenIssuer
  /** A client must finish its headers within this (slowloris). Default 10 s. */
  headersTimeoutMs?: number
  /**
   * Whole request. Default 15 s. Also how long a connection whose answers back up (a client that
   * stopped reading them) may stay with nothing moving either way before it is cut.
   */
  requestTimeoutMs?: number
  /** Idle keep-alive connections are closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number
  /** Request line + headers; beyond it the answer is 431. Default 8 KiB. */
  maxHeaderSize?: number
  /** Longer request targets get 414. Default 1024. */
  maxUrlLength?: number
  /**
   * Called once per answered request, after the answer is written (progress tracking, metrics).
   * `seconds` is the time spent in the handler. Must not throw.
   */
  observer?: (o: ObservedRequest) => void
  /**
   * POST handler (cloud-init's phone_home / reporting callbacks). Return undefined for "not mine"
   * (→ 405 as for any other POST). Runs after the requester is resolved; a refused requester
   * (bad signature) never reaches it.
   */
  postHandler?: (req: IncomingMessage, who: Requester, path: string) => Promise<{status: number; reason?: string}> | undefined
  /**
   * Reload consistency: a VM keeps the inventory snapshot its crawl started on while it keeps asking
   * (gaps under `pinIdleMs`, default 2000) for at most `pinMaxMs` (default 60000), so a crawl never
   * mixes old and new data. 0 turns pinning off (every request sees the newest snapshot).
   */
  pinIdleMs?: number
  pinMaxMs?: number
  /** Connections held at once; beyond it a new one is closed at accept. Default: the soft `ulimit -n` less 64, at least 16. */
  maxConnections?: number
  /** Connections one client address holds at once (trusted proxies are not limited). Default 64. */
  maxConnectionsPerClient?: number
  /** An answer the client does not take (read) within this is cut, with its connection. Default 30 s. */
  sendTimeoutMs?: number
  /** Where a failure of the host (accept: EMFILE…) is recorded for /healthz and noted once. Default: a Health of its own. */
  health?: Health
}

/** What the observer sees of one answered request. */
interface ObservedRequest {
  who: Requester
  /** Normalised path (undefined when the target was rejected). */
  path: string | undefined
  method: string
  status: number
  /** The flavour that answered; undefined for unknown requesters and refusals. */
  flavor: RequestLogEntry['flavor']
  /** True when the requester is in no record of the inventory. */
  unknown: boolean
  seconds: number
}

/** A VM's documents by request path (dated EC2 / OpenStack versions answer from their canonical tree). */
interface DocumentLookup {
  get(path: string): Prebuilt | undefined
}

export type MetadataServer = Server & {
  metadata: {
    stats(): MetadataStats
    /** Rebuild the pre-rendered documents now (otherwise done when store.version changes). */
    refresh(): void
    documentsFor(ip: string): DocumentLookup | undefined
    /** How many VMs of the current inventory have their documents rendered (background prewarm). */
    warm(): {rendered: number; total: number}
    /** Open connections and the ones refused at accept (limits.ts). */
    connections(): ConnectionCounts
    /** What is degraded (accept errors…), as /healthz lists it. */
    health: Health
  }
}

/** Distinct unknown addresses remembered one by one; beyond that they are counted under `other`. */
const MAX_UNKNOWN_TRACKED = 10_000

/** The server's counters (served as a copy by `metadata.stats()`). */
class StatsCounter {
  private readonly stats: MetadataStats = {
    requests: 0,
    byStatus: {},
    unknownRequesters: Object.create(null) as Record<string, number>,
    clientErrors: 0,
  }
  private unknownCount = 0

  request(): void {
    this.stats.requests++
  }

  answered(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1
  }

  clientError(): void {
    this.stats.clientErrors++
  }

  unknownRequester(ip: string): void {
    const unknown = this.stats.unknownRequesters
    const key = ip in unknown || this.unknownCount < MAX_UNKNOWN_TRACKED ? ip : 'other'
    if (!(key in unknown)) this.unknownCount++
    unknown[key] = (unknown[key] ?? 0) + 1
  }

  copy(): MetadataStats {
    return structuredClone(this.stats)
  }
}

/** True when the answer is the 404 of an address in no record. */
function isUnknownRequester(d: Decision): boolean {
  return d.who.instance === undefined && !d.who.reject && d.path !== undefined && d.answer === ANSWERS.notFound
}

/** The log line of an answered request. */
export function requestLogEntry(d: Decision, method: string, ms: number, time: number): RequestLogEntry {
  const {who, answer} = d
  const entry: RequestLogEntry = {
    time: new Date(time).toISOString(),
    method,
    path: (d.path ?? d.target).slice(0, 256),
    status: answer.status,
    bytes: method === 'HEAD' ? 0 : answer.body.length,
    ms,
    peer: who.peer,
    ip: who.ip,
    via: who.via,
  }
  if (who.instance) entry.instance = who.instance.id
  if (d.flavor) entry.flavor = d.flavor
  if (isUnknownRequester(d)) entry.unknown = true
  if (d.reason) entry.reason = d.reason
  return entry
}

/** The status node:http's parser error code maps to (what a client that sent garbage is told). */
export function clientErrorStatus(code: string): {status: number; text: string} {
  if (code === 'HPE_HEADER_OVERFLOW') return {status: 431, text: 'Request Header Fields Too Large'}
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') return {status: 408, text: 'Request Timeout'}
  if (code === 'HPE_URI_TOO_LONG') return {status: 414, text: 'URI Too Long'}
  return {status: 400, text: 'Bad Request'}
}

/** Answer a request node:http could not parse (or timed out), close, and log it. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, logger: MetadataServerOptions['logger'], clock: () => number): void {
  const code = err.code ?? ''
  const {status, text} = clientErrorStatus(code)
  if (code !== 'ECONNRESET' && code !== 'EPIPE' && socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`,
    )
  }
  socket.destroySoon?.()
  setTimeout(() => socket.destroy(), 1000).unref()
  if (logger && code !== 'ECONNRESET') {
    const peer = normalizeIp(socket.remoteAddress ?? '')
    logger({
      time: new Date(clock()).toISOString(),
      method: '-',
      path: '-',
      status,
      bytes: 0,
      ms: 0,
      peer,
      ip: peer,
      via: 'none',
      reason: code || err.message,
    })
  }
}

/** A callback whose progress is not durable yet: the client tries again (cloud-init's phone_home retries). */
const UNAVAILABLE = plain(503, 'Service Unavailable', ['retry-after', '5'])

/** The answer a POST callback's result becomes. */
function callbackAnswer(status: number): Answer {
  if (status === 200) return ANSWERS.ok
  if (status === 403) return ANSWERS.forbidden
  if (status === 404) return ANSWERS.notFound
  if (status === 503) return UNAVAILABLE
  return plain(status, 'Refused')
}

/** A POST the callback handler takes: its pending result, or undefined ("not mine": decide() answers 405). */
function pendingCallback(
  req: IncomingMessage,
  who: Requester,
  target: string,
  maxUrl: number,
  postHandler: MetadataServerOptions['postHandler'],
): {path: string; pending: Promise<{status: number; reason?: string}>} | undefined {
  if (req.method !== 'POST' || postHandler === undefined || who.reject || target.length > maxUrl) return undefined
  const path = normalizePath(target)
  const pending = path === undefined ? undefined : postHandler(req, who, path)
  return pending === undefined || path === undefined ? undefined : {path, pending}
}

/** The decision logic as the node:http front calls it. */
interface MetadataCore {
  /** A logger or an observer wants timings: take `performance.now()` when a request starts. */
  readonly timed: boolean
  /** Who asks, on which snapshot (counts the request). */
  identify(req: RequestHead): Identified
  /** What to answer to a request without a body. */
  decide(req: RequestHead, method: string, target: string, identified: Identified): Decision
  /** Counters, observer and log line of a written answer. */
  answered(d: Decision, method: string, started: number): void
}

/** The node:http front: every request, POST callbacks included. */
function httpFront(
  core: MetadataCore,
  maxUrl: number,
  postHandler: MetadataServerOptions['postHandler'],
  listening: () => boolean,
  stalledMs: number,
  sendTimeoutMs: number,
  onSendTimeout: () => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const write = (res: ServerResponse, answer: Answer, method: string) => {
    // once close() was called, an answer ends its connection (node:http would keep it open until idle)
    if (!listening()) res.setHeader('connection', 'close')
    res.writeHead(answer.status, rawHeaders(answer) as string[]) // shared: node only reads it
    res.end(method === 'HEAD' ? undefined : answer.body)
    // a client that pipelines and does not read its answers: node:http stops reading it once its
    // answers back up, and they wait in the socket; if nothing moves for a request timeout, cut it.
    // (Armed only then: a socket timeout on every connection costs throughput and tail latency.)
    const socket = res.socket
    if (socket?.writableNeedDrain && socket.timeout === 0) socket.setTimeout(stalledMs)
    // the send timeout: this answer waits (behind more unsent bytes than the socket buffers, or queued behind
    // an unsent answer) for a client that may never read it. Not armed for an answer merely corked until the
    // next tick (almost every answer): a timer per answer costs a new connection ~30 µs of CPU (bench part 3).
    if (socket === null || socket.writableNeedDrain) watchSend(res.req.socket, res, sendTimeoutMs, onSendTimeout)
  }
  return (req, res) => {
    const started = core.timed ? performance.now() : 0
    const method = req.method ?? '?'
    const target = req.url ?? '/'
    const identified = core.identify(req)
    const who = identified.who
    const callback = pendingCallback(req, who, target, maxUrl, postHandler)
    if (callback !== undefined) {
      const done = (answer: Answer, reason: string | undefined) => {
        write(res, answer, method)
        core.answered({who, target, path: callback.path, answer, flavor: 'callback', reason}, method, started)
      }
      callback.pending.then(
        (r) => done(callbackAnswer(r.status), r.reason),
        (err: Error) => done(ANSWERS.internal, err.message),
      )
      return
    }
    const d = core.decide(req, method, target, identified)
    if (method === 'PUT' || method === 'POST') req.resume() // discard any body
    write(res, d.answer, method)
    core.answered(d, method, started)
  }
}

/**
 * Per-client fairness (fairness.ts) on node:http connections: a held connection is not read (pause), a
 * connection whose answers back up is left until it drains, and gets the stall timer the answer path arms
 * (nothing moving either way for `stalledMs` cuts it; the send timeout was armed when its answer was
 * written behind unsent bytes).
 */
function fairScheduler(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
  stalledMs: number,
  excused: Excused,
): FairScheduler<Socket, ServerResponse> {
  const watched = new WeakSet<Socket>()
  const drained = new WeakSet<Socket>()
  const fair: FairScheduler<Socket, ServerResponse> = new FairScheduler({
    run: (res) => answer(res.req, res),
    hold: (socket) => {
      socket.pause()
      if (watched.has(socket)) return
      watched.add(socket)
      // node:http resumes a connection after each request it parses (and on drain): while held, it stays paused
      socket.on('resume', () => {
        if (fair.held(socket)) socket.pause()
      })
    },
    release: (socket) => {
      socket.resume()
      excused.released(socket)
    },
    blocked: (socket) => socket.writableNeedDrain || socket.destroyed,
    stalled: (socket) => {
      if (socket.timeout === 0) socket.setTimeout(stalledMs)
      if (drained.has(socket)) return
      drained.add(socket)
      socket.on('drain', () => fair.wake(socket))
    },
    later: (f) => setImmediate(f),
    now: () => performance.now(),
  })
  return fair
}

/**
 * The headers and request timeouts of node:http run while a connection is held: a request cut in two by
 * the end of a read waits for its second half until the connection's queue is served and it is read
 * again. That wait is the server's, not the client's: the timeout is excused while held, and the client
 * gets `timeoutMs` from its release to send a request (else it is answered 408 and cut, as node:http would).
 */
class Excused {
  private readonly sockets = new WeakMap<Socket, true>()

  constructor(
    private readonly timeoutMs: number,
    private readonly requests: (socket: Socket) => number,
    private readonly cut: (socket: Socket) => void,
  ) {}

  /** A timeout of `socket`'s request: true when excused (it is held), false when it stands. */
  excuse(socket: Socket, held: boolean): boolean {
    if (!held) return false
    this.sockets.set(socket, true)
    return true
  }

  /** `socket` is read again: an excused request must arrive within the timeout. */
  released(socket: Socket): void {
    if (!this.sockets.delete(socket)) return
    const seen = this.requests(socket)
    setTimeout(() => {
      if (!socket.destroyed && this.requests(socket) === seen) this.cut(socket)
    }, this.timeoutMs).unref()
  }
}

/** An accept error must have failed for this long before a new connection counts as recovery. */
const ACCEPT_QUIET_MS = 5000

/**
 * The connection limits at accept: node:http still reads and parses every connection it keeps; this only
 * counts them and closes the ones over a limit before anything is read. An accept error (EMFILE, ENFILE:
 * out of file descriptors) is recorded as degraded and never thrown (an 'error' without a listener
 * would end the process); libuv then closes the waiting connections itself, so it does not spin.
 */
function guardConnections(
  server: Server,
  gate: ConnectionGate,
  fair: FairScheduler<Socket, ServerResponse>,
  health: Health,
  maxConnections: number,
): void {
  const full = {code: `at --max-connections ${maxConnections}`, message: 'new connections are refused'}
  server.on('connection', (socket: Socket) => {
    health.recover('accept', ACCEPT_QUIET_MS)
    const ip = normalizeIp(socket.remoteAddress ?? '')
    const refused = gate.admit(ip)
    if (refused !== undefined) {
      if (refused === 'global') health.degrade('connections', full)
      socket.destroy()
      return
    }
    fair.open(socket, ip)
    socket.once('close', () => {
      gate.release(ip)
      fair.close(socket) // its waiting requests go with it
    })
  })
  server.on('error', (err: NodeJS.ErrnoException) => {
    // before listening, an error is the bind's (listen() reports it)
    if (server.listening) health.degrade('accept', err)
  })
  // out of fds, libuv closes new connections at accept without telling: count them
  const softLimit = readSoftFdLimit()
  const probe = setInterval(() => {
    probeFds(health, softLimit)
    if (!gate.full()) health.recover('connections', ACCEPT_QUIET_MS)
  }, FD_PROBE_MS).unref()
  server.on('close', () => clearInterval(probe))
}

/** The options with their defaults. */
function settingsOf(options: MetadataServerOptions) {
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000
  return {
    resolver: options.resolver ?? createResolver(),
    clock: options.clock ?? Date.now,
    tokens: options.tokenIssuer ?? new TokenIssuer(),
    maxUrl: options.maxUrlLength ?? 1024,
    http: {
      maxHeaderSize: options.maxHeaderSize ?? 8192,
      headersTimeout: headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
      noDelay: true,
    },
    pins: {pinIdleMs: options.pinIdleMs ?? 2000, pinMaxMs: options.pinMaxMs ?? 60_000},
    limits: {
      maxConnections: options.maxConnections ?? defaultMaxConnections(readSoftFdLimit()),
      maxConnectionsPerClient: options.maxConnectionsPerClient ?? DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
    },
    sendTimeoutMs: options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
  }
}

/** An unstarted http.Server answering every flavour from pre-rendered, per-VM documents. */
export function createMetadataServer(options: MetadataServerOptions): MetadataServer {
  const {resolver, clock, tokens, maxUrl, http, pins, limits, sendTimeoutMs} = settingsOf(options)
  const {logger, observer, postHandler} = options
  const snapshots = new ServedSnapshots(options.store, options.namespace === undefined ? {} : {namespace: options.namespace}, pins)
  const stats = new StatsCounter()
  const decideContext = {
    maxUrl,
    requireToken: options.imdsv2 === 'required',
    tokens,
    clock,
    callbacks: postHandler !== undefined,
    unknownRequester: (ip: string) => stats.unknownRequester(ip),
  }
  const core: MetadataCore = {
    timed: logger !== undefined || observer !== undefined,
    identify(req) {
      stats.request()
      return snapshots.identify(req, resolver)
    },
    decide: (req, method, target, {who, snap}) => decide(req, method, target, who, snap, decideContext),
    answered(d, method, started) {
      stats.answered(d.answer.status)
      const ms = performance.now() - started
      observer?.({
        who: d.who,
        path: d.path,
        method,
        status: d.answer.status,
        flavor: d.flavor,
        unknown: isUnknownRequester(d),
        seconds: ms / 1000,
      })
      logger?.(requestLogEntry(d, method, Math.round(ms * 1000) / 1000, clock()))
    },
  }

  const answer = httpFront(
    core,
    maxUrl,
    postHandler,
    () => server.listening,
    http.requestTimeout,
    sendTimeoutMs,
    () => gate.sendTimedOut(),
  )
  const timedOut = (socket: Socket) => {
    stats.clientError()
    answerClientError(Object.assign(new Error('request timeout'), {code: 'ERR_HTTP_REQUEST_TIMEOUT'}), socket, logger, clock)
  }
  const excused = new Excused(http.headersTimeout, (socket) => fair.requests(socket), timedOut)
  const fair = fairScheduler(answer, http.requestTimeout, excused)
  const server: MetadataServer = createServer(http, (req, res) => fair.submit(req.socket, res)) as MetadataServer
  const gate = new ConnectionGate(limits, (ip) => resolver.trusted.has(ip))
  const health = options.health ?? new Health()
  guardConnections(server, gate, fair, health, limits.maxConnections)
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && excused.excuse(socket, fair.held(socket))) return
    stats.clientError()
    answerClientError(err, socket, logger, clock)
  })

  const sweeper = setInterval(() => snapshots.sweep(), Math.max(1000, pins.pinIdleMs)).unref()
  server.on('close', () => {
    snapshots.close()
    clearInterval(sweeper)
  })
  // start prewarming a little after listening: the first connections are accepted (and answered,
  // rendering on demand) before the background work begins
  server.on('listening', () => setTimeout(() => snapshots.prewarm(), 100).unref())

  server.metadata = {
    stats: () => stats.copy(),
    refresh: () => snapshots.refresh(),
    warm: () => snapshots.snapshot.warm(),
    connections: () => gate.counts(),
    health,
    documentsFor(ip) {
      const snap = snapshots.snapshot
      const i = snap.store.get(ip)
      if (i === undefined) return undefined
      return {
        get: (path: string) => {
          const d = snap.lookup(i, path)
          return d === undefined ? undefined : toPrebuilt(d)
        },
      }
    },
  }
  return server
}
