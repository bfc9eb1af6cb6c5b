import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'
import type {Prebuilt} from './documents.js'
import {DocumentSnapshot, type Doc} from './doc-cache.js'
import {createFastHttp, type FastRequest} from './fast-http.js'
import {createResolver, type RequestHead, type Requester, type Resolver} from './identity.js'
import {normalizeIp} from './net.js'
import type {Store} from './store.js'
import {parseTtl, TOKEN_HEADER, TOKEN_TTL_HEADER, TokenIssuer} from './tokens.js'
import type {FlavorContext, FlavorName} from './types.js'

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
  flavor?: FlavorName | 'imdsv2-token' | 'callback'
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
  /** Whole request. Default 15 s. */
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
   * Answer plain GET / HEAD / PUT requests off the socket (see fast-http.ts); anything else still
   * goes through node:http. Default true; false = node:http only (tests compare the two).
   */
  fastPath?: boolean
  /**
   * Reload consistency: a VM keeps the inventory snapshot its crawl started on while it keeps asking
   * (gaps under `pinIdleMs`, default 2000) for at most `pinMaxMs` (default 60000), so a crawl never
   * mixes old and new data. 0 turns pinning off (every request sees the newest snapshot).
   */
  pinIdleMs?: number
  pinMaxMs?: number
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

/** An answer: a document, or one of the server's own (errors, tokens), with any extra headers. */
type Answer = Doc & {extra?: readonly string[]}

export type MetadataServer = Server & {
  metadata: {
    stats(): MetadataStats
    /** Rebuild the pre-rendered documents now (otherwise done when store.version changes). */
    refresh(): void
    documentsFor(ip: string): DocumentLookup | undefined
    /** How many VMs of the current inventory have their documents rendered (background prewarm). */
    warm(): {rendered: number; total: number}
  }
}

/** Distinct unknown addresses remembered one by one; beyond that they are counted under `other`. */
const MAX_UNKNOWN_TRACKED = 10_000

const TEXT = 'text/plain; charset=utf-8'

function plain(status: number, text: string, extra?: readonly string[]): Answer {
  return {status, flavor: 'ec2', contentType: TEXT, body: Buffer.from(text + '\n'), ...(extra ? {extra} : {})}
}

const R = {
  ok: plain(200, 'OK'),
  notFound: plain(404, 'Not Found'),
  badRequest: plain(400, 'Bad Request'),
  forbidden: plain(403, 'Forbidden'),
  unauthorized: plain(401, 'Unauthorized'),
  method: plain(405, 'Method Not Allowed', ['allow', 'GET, HEAD, PUT']),
  uriTooLong: plain(414, 'URI Too Long'),
  ttl: plain(400, 'Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be an integer 1-21600'),
  internal: plain(500, 'Internal Server Error'),
  refused: plain(409, 'Refused'),
}

/** The raw header list node's writeHead takes without copying. */
function rawHeaders(a: Answer): string[] {
  const raw = ['content-type', a.contentType, 'content-length', String(a.body.length), 'cache-control', 'no-store']
  if (a.extra) raw.push(...a.extra)
  return raw
}

function toPrebuilt(a: Answer): Prebuilt {
  const headers: Record<string, string | number> = {
    'content-type': a.contentType,
    'content-length': a.body.length,
    'cache-control': 'no-store',
  }
  if (a.extra) for (let i = 0; i + 1 < a.extra.length; i += 2) headers[a.extra[i]!] = a.extra[i + 1]!
  return {status: a.status, flavor: a.flavor, body: a.body, headers}
}

/**
 * Normalise a request target to a lookup key. Returns undefined for anything that is not a
 * plain absolute path: `..`/`.` segments (also as %2e), NUL, backslashes, bad escapes.
 * Repeated slashes collapse (`//latest` → `/latest`); the query string is ignored.
 */
export function normalizePath(target: string): string | undefined {
  let t = target
  if (/^https?:\/\//i.test(t)) {
    const slash = t.indexOf('/', t.indexOf('//') + 2)
    t = slash < 0 ? '/' : t.slice(slash)
  }
  const q = t.indexOf('?')
  if (q >= 0) t = t.slice(0, q)
  const h = t.indexOf('#')
  if (h >= 0) t = t.slice(0, h)
  if (!t.startsWith('/')) return undefined
  if (t.includes('%')) {
    try {
      t = decodeURIComponent(t)
    } catch {
      return undefined
    }
  }
  if (t.includes('\0') || t.includes('\\')) return undefined
  if (t.includes('//')) t = t.replace(/\/{2,}/g, '/')
  if (t.includes('/.')) {
    for (const seg of t.split('/')) if (seg === '.' || seg === '..') return undefined
  }
  return t
}

const EC2_FLAVORS = new Set<FlavorName>(['ec2', 'cloudstack'])

/** What the server decided for one request (before it is written). */
interface Decision {
  who: Requester
  target: string
  path: string | undefined
  answer: Answer
  flavor: RequestLogEntry['flavor']
  reason: string | undefined
}

/** An unstarted http.Server answering every flavour from pre-rendered, per-VM documents. */
export function createMetadataServer(options: MetadataServerOptions): MetadataServer {
  const store = options.store
  const resolver = options.resolver ?? createResolver()
  const clock = options.clock ?? Date.now
  const logger = options.logger
  const tokens = options.tokenIssuer ?? new TokenIssuer()
  const requireToken = options.imdsv2 === 'required'
  const maxUrl = options.maxUrlLength ?? 1024
  const headersTimeout = options.headersTimeoutMs ?? 10_000
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000
  const maxHeaderSize = options.maxHeaderSize ?? 8192
  const ctx: FlavorContext = options.namespace === undefined ? {} : {namespace: options.namespace}

  const observer = options.observer
  const postHandler = options.postHandler
  const pinIdle = options.pinIdleMs ?? 2000
  const pinMax = options.pinMaxMs ?? 60_000
  const timed = logger !== undefined || observer !== undefined

  let current = new DocumentSnapshot(store.version, store.all(), ctx)
  /** A VM's address → the snapshot its current crawl uses. */
  const pins = new Map<string, {snap: DocumentSnapshot; first: number; last: number}>()
  let closed = false
  const refresh = () => {
    current = new DocumentSnapshot(store.version, store.all(), ctx)
    sweepPins()
    prewarm(current)
  }
  /** Render every VM's documents in the background, a few ms per turn of the event loop. */
  const prewarm = (snap: DocumentSnapshot) => {
    const step = () => {
      if (closed || snap !== current) return
      if (!snap.prewarm(performance.now() + 4)) setImmediate(step)
    }
    setImmediate(step)
  }
  const sweepPins = () => {
    const now = performance.now()
    for (const [ip, pin] of pins) if (now - pin.last >= pinIdle) pins.delete(ip)
  }

  const stats: MetadataStats = {
    requests: 0,
    byStatus: {},
    unknownRequesters: Object.create(null) as Record<string, number>,
    clientErrors: 0,
  }
  let unknownCount = 0

  const server = createServer(
    {
      maxHeaderSize,
      headersTimeout,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      keepAliveTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      noDelay: true,
    },
    handle,
  ) as MetadataServer

  /** Who asks, on which snapshot (a VM mid-crawl across a reload stays on the one it started with). */
  function identify(req: RequestHead): {who: Requester; snap: DocumentSnapshot} {
    if (store.version !== current.version) refresh()
    stats.requests++
    let snap = current
    let who = resolver.resolve(req, snap.store)
    if (pinIdle > 0) {
      const now = performance.now() // monotonic, not the (injectable) token clock
      const pin = pins.get(who.ip)
      if (pin === undefined) {
        if (who.instance !== undefined) pins.set(who.ip, {snap, first: now, last: now})
      } else if (pin.snap === snap) {
        if (now - pin.last >= pinIdle) pin.first = now
        pin.last = now
      } else if (now - pin.last < pinIdle && now - pin.first < pinMax) {
        // mid-crawl across a reload: finish the crawl on the snapshot it started with
        snap = pin.snap
        who = resolver.resolve(req, snap.store)
        pin.last = now
      } else {
        pin.snap = snap
        pin.first = now
        pin.last = now
      }
    }
    return {who, snap}
  }

  /** The answer to a request without a body; a bug in answering one request is its 500, not the server's end. */
  function decide(req: RequestHead, method: string, target: string, who: Requester, snap: DocumentSnapshot): Decision {
    try {
      return decideOrThrow(req, method, target, who, snap)
    } catch (err) {
      return {who, target, path: undefined, answer: R.internal, flavor: undefined, reason: `internal error: ${(err as Error).message}`}
    }
  }

  function decideOrThrow(req: RequestHead, method: string, target: string, who: Requester, snap: DocumentSnapshot): Decision {
    let answer: Answer
    let flavor: RequestLogEntry['flavor']
    let reason: string | undefined
    const path = target.length > maxUrl ? undefined : normalizePath(target)
    if (target.length > maxUrl) answer = R.uriTooLong
    else if (path === undefined) {
      answer = R.badRequest
      reason = 'bad path'
    } else if (who.reject) {
      answer = who.reject.status === 403 ? R.forbidden : R.badRequest
      reason = who.reject.reason
    } else if (method === 'POST' && postHandler !== undefined) {
      answer = R.method // not one of the callbacks
    } else if (who.instance === undefined) {
      answer = R.notFound
      reason = 'unknown requester'
      const key = who.ip in stats.unknownRequesters || unknownCount < MAX_UNKNOWN_TRACKED ? who.ip : 'other'
      if (!(key in stats.unknownRequesters)) unknownCount++
      stats.unknownRequesters[key] = (stats.unknownRequesters[key] ?? 0) + 1
    } else if (method === 'PUT') {
      if (path === '/latest/api/token') {
        flavor = 'imdsv2-token'
        const ttl = parseTtl(req.headers[TOKEN_TTL_HEADER])
        if (ttl === undefined) answer = R.ttl
        else {
          const token = tokens.issue(who.instance.ip, ttl, clock())
          answer = {status: 200, flavor: 'ec2', contentType: TEXT, body: Buffer.from(token), extra: [TOKEN_TTL_HEADER, String(ttl)]}
        }
      } else answer = R.method
    } else if (method !== 'GET' && method !== 'HEAD') {
      answer = R.method
    } else {
      const doc = snap.lookup(who.instance, path)
      if (doc === undefined) answer = R.notFound
      else if (EC2_FLAVORS.has(doc.flavor) && (requireToken || req.headers[TOKEN_HEADER] !== undefined)) {
        const t = req.headers[TOKEN_HEADER]
        if (typeof t === 'string' && tokens.verify(t, who.instance.ip, clock())) answer = doc
        else {
          answer = R.unauthorized
          reason = t === undefined ? 'IMDSv2 token required' : 'bad or expired IMDSv2 token'
        }
      } else answer = doc
      flavor = doc?.flavor
    }
    return {who, target, path, answer, flavor, reason}
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = timed ? performance.now() : 0
    const {who, snap} = identify(req)
    const method = req.method ?? '?'
    const target = req.url ?? '/'
    if (method === 'POST' && postHandler !== undefined && !who.reject && target.length <= maxUrl) {
      const path = normalizePath(target)
      const pending = path === undefined ? undefined : postHandler(req, who, path)
      if (pending !== undefined) {
        const done = (answer: Answer, reason: string | undefined) => {
          res.writeHead(answer.status, rawHeaders(answer))
          res.end(answer.body)
          finish({who, target, path, answer, flavor: 'callback', reason}, method, started)
        }
        pending.then(
          (r) =>
            done(
              r.status === 200 ? R.ok : r.status === 403 ? R.forbidden : r.status === 404 ? R.notFound : plain(r.status, 'Refused'),
              r.reason,
            ),
          (err: Error) => done(R.internal, err.message),
        )
        return
      }
    }
    const d = decide(req, method, target, who, snap)
    if (method === 'PUT' || method === 'POST') req.resume() // discard any body
    res.writeHead(d.answer.status, rawHeaders(d.answer))
    res.end(method === 'HEAD' ? undefined : d.answer.body)
    finish(d, method, started)
  }

  /** Counters, observer and log line of an answered request. */
  function finish(d: Decision, method: string, started: number): void {
    const {who, path, answer} = d
    stats.byStatus[answer.status] = (stats.byStatus[answer.status] ?? 0) + 1
    const unknown = who.instance === undefined && !who.reject && path !== undefined && answer === R.notFound
    if (observer) {
      observer({who, path, method, status: answer.status, flavor: d.flavor, unknown, seconds: (performance.now() - started) / 1000})
    }
    if (logger) {
      const entry: RequestLogEntry = {
        time: new Date(clock()).toISOString(),
        method,
        path: (path ?? d.target).slice(0, 256),
        status: answer.status,
        bytes: method === 'HEAD' ? 0 : answer.body.length,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        peer: who.peer,
        ip: who.ip,
        via: who.via,
      }
      if (who.instance) entry.instance = who.instance.id
      if (d.flavor) entry.flavor = d.flavor
      if (unknown) entry.unknown = true
      if (d.reason) entry.reason = d.reason
      logger(entry)
    }
  }

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    stats.clientErrors++
    const code = err.code ?? ''
    let status = 400
    let text = 'Bad Request'
    if (code === 'HPE_HEADER_OVERFLOW') [status, text] = [431, 'Request Header Fields Too Large']
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') [status, text] = [408, 'Request Timeout']
    else if (code === 'HPE_URI_TOO_LONG') [status, text] = [414, 'URI Too Long']
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
  })

  if (options.fastPath !== false) {
    // node:http's own connection listener stays for what the fast path hands over
    const httpConnection = server.listeners('connection')[0] as (socket: Socket) => void
    server.removeListener('connection', httpConnection)
    // answer() and answered() run back to back for one request: the decision waits here between them
    let last: Decision | undefined
    let lastStarted = 0
    const fast = createFastHttp({
      headersTimeoutMs: headersTimeout,
      keepAliveTimeoutMs: keepAliveTimeout,
      maxHeaderSize,
      answer(req: FastRequest) {
        lastStarted = timed ? performance.now() : 0
        const {who, snap} = identify(req)
        last = decide(req, req.method, req.url, who, snap)
        return last.answer
      },
      answered(req: FastRequest) {
        if (last !== undefined) finish(last, req.method, lastStarted)
        last = undefined
      },
      truncated(socket) {
        server.emit(
          'clientError',
          Object.assign(new Error('the client closed in the middle of a request'), {code: 'HPE_INVALID_EOF_STATE'}),
          socket,
        )
      },
      handover(socket, rest) {
        if (rest) socket.unshift(rest)
        httpConnection.call(server, socket)
      },
    })
    server.on('connection', (socket: Socket) => fast.accept(socket))
    const closeIdle = server.closeIdleConnections.bind(server)
    server.closeIdleConnections = () => {
      fast.closeIdle()
      closeIdle()
    }
    const closeAll = server.closeAllConnections.bind(server)
    server.closeAllConnections = () => {
      fast.closeAll()
      closeAll()
    }
    server.on('close', () => fast.stop())
  }

  const sweeper = setInterval(sweepPins, Math.max(1000, pinIdle)).unref()
  server.on('close', () => {
    closed = true
    clearInterval(sweeper)
  })
  // start prewarming a little after listening: the first connections are accepted (and answered,
  // rendering on demand) before the background work begins
  server.on('listening', () => setTimeout(() => prewarm(current), 100).unref())

  server.metadata = {
    stats: () => structuredClone(stats),
    refresh,
    warm: () => current.warm(),
    documentsFor(ip) {
      const snap = current
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
