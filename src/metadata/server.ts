import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'
import {renderAllDocuments, type Prebuilt} from './documents.js'
import {createResolver, type Requester, type Resolver} from './identity.js'
import {normalizeIp} from './net.js'
import {MemoryStore, type Store} from './store.js'
import {parseTtl, TOKEN_HEADER, TOKEN_TTL_HEADER, TokenIssuer} from './tokens.js'
import type {FlavorContext, FlavorName, Instance} from './types.js'
import {EC2_VERSIONS} from './flavors/ec2.js'
import {OPENSTACK_VERSIONS} from './flavors/openstack.js'

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
   * Reload consistency: a VM keeps the inventory snapshot its crawl started on while it keeps asking
   * (gaps under `pinIdleMs`, default 2000) for at most `pinMaxMs` (default 60000), so a crawl never
   * mixes old and new data. 0 turns pinning off (every request sees the newest snapshot).
   */
  pinIdleMs?: number
  pinMaxMs?: number
}

/** What the observer sees of one answered request. */
export interface ObservedRequest {
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
export interface DocumentLookup {
  get(path: string): Prebuilt | undefined
}

/**
 * One immutable view of the inventory: the records, and each VM's documents, rendered on the VM's
 * first request against this snapshot (a reload is a cheap swap; no request waits for 10,000 VMs
 * to be rendered) and then kept. Rendered documents are shared: identical small answers (listings,
 * availability zone, keys) are one object for all VMs, and dated versions that answer exactly like
 * their canonical version are not stored twice.
 */
interface Snapshot {
  version: number
  store: Store
  launchIndex: Map<Instance, number>
  docs: Map<Instance, Map<string, Ready>>
  pool: Map<string, Ready>
  paths: Map<string, string>
  /** Ready documents whose body already lives in an exact-size arena. */
  arenaDone: WeakSet<Ready>
}

/** A Prebuilt with its headers as the flat [name, value, …] list writeHead takes without copying. */
type Ready = Prebuilt & {raw?: Array<string>}

const OLD_EC2 = EC2_VERSIONS.filter((v) => v !== 'latest' && v !== '2021-03-23')
const OLD_EC2_RE = new RegExp(`^/(?:${OLD_EC2.join('|')})(?=/|$)`)
const OLD_OPENSTACK_RE = new RegExp(`^/openstack/(?:${OPENSTACK_VERSIONS.filter((v) => v !== 'latest').join('|')})(?=/|$)`)

/**
 * Where a document may be stored instead: a dated version's in the canonical tree (/2021-03-23,
 * /openstack/latest), a directory's without its trailing slash. Only used when both answer the same.
 */
export function canonicalPath(path: string): string {
  let p = path
  if (p.startsWith('/20')) p = p.replace(OLD_EC2_RE, '/2021-03-23')
  else if (p.startsWith('/openstack/20')) p = p.replace(OLD_OPENSTACK_RE, '/openstack/latest')
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p
}

/** Small answers shared between VMs are looked up by content; bigger ones only within one VM. */
const SHARE_BELOW = 256

/** Header objects are the same for every answer of one type and length: shared. */
const HEADERS = new Map<string, {headers: Record<string, string | number>; raw: string[]}>()

function ready(p: Prebuilt): Ready {
  const key = `${String(p.headers['content-type'])}\0${String(p.headers['content-length'])}\0${String(p.headers['cache-control'])}\0${Object.keys(p.headers).length}`
  let h = HEADERS.get(key)
  if (h === undefined) {
    const raw: string[] = []
    for (const [k, v] of Object.entries(p.headers)) raw.push(k, String(v))
    h = {headers: Object.freeze({...p.headers}) as Record<string, string | number>, raw}
    if (HEADERS.size < 100_000) HEADERS.set(key, h)
  }
  return {status: p.status, flavor: p.flavor, body: p.body, headers: h.headers, raw: h.raw}
}

function sameDoc(a: Prebuilt, b: Prebuilt): boolean {
  return a.status === b.status && a.flavor === b.flavor && a.headers['content-type'] === b.headers['content-type'] && a.body.equals(b.body)
}

/** Render one VM's documents into the snapshot's shared form. */
function compile(all: Map<string, Prebuilt>, snap: Snapshot): Map<string, Ready> {
  const out = new Map<string, Ready>()
  const local = new Map<number, Ready[]>()
  const pooled = snap.arenaDone
  for (const [path, doc] of all) {
    const canonical = canonicalPath(path)
    if (canonical !== path) {
      const target = all.get(canonical)
      if (target !== undefined && sameDoc(target, doc)) continue
    }
    let r: Ready | undefined
    if (doc.body.length < SHARE_BELOW) {
      const key = `${doc.status}\0${doc.flavor}\0${String(doc.headers['content-type'])}\0${doc.body.toString('latin1')}`
      r = snap.pool.get(key)
      if (r === undefined) {
        r = ready(doc)
        snap.pool.set(key, r)
      }
    } else {
      // big bodies (user-data, JSON documents) repeat only within one VM: compare, don't hash
      const same = local.get(doc.body.length)
      r = same?.find((x) => sameDoc(x, doc))
      if (r === undefined) {
        r = ready(doc)
        if (same) same.push(r)
        else local.set(doc.body.length, [r])
      }
    }
    let p = snap.paths.get(path)
    if (p === undefined) {
      snap.paths.set(path, path)
      p = path
    }
    out.set(p, r)
  }
  // The bodies kept are slices of 8 KiB pool slabs shared with everything rendered and dropped:
  // copy the new ones into one exact-size allocation per VM so the slabs can be freed.
  const fresh = new Set<Ready>()
  for (const r of out.values()) if (!pooled.has(r)) fresh.add(r)
  let total = 0
  for (const r of fresh) total += r.body.length
  const arena = Buffer.allocUnsafeSlow(total)
  let at = 0
  for (const r of fresh) {
    r.body.copy(arena, at)
    r.body = arena.subarray(at, at + r.body.length)
    at += r.body.length
    pooled.add(r)
  }
  return out
}

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
export const MAX_UNKNOWN_TRACKED = 10_000

/** Backlog for `listen()`: every cloud-init request is a new TCP connection (boot storms). */
export const LISTEN_BACKLOG = 4096

const TEXT = 'text/plain; charset=utf-8'

function plain(status: number, text: string, extra: Record<string, string> = {}): Prebuilt {
  const body = Buffer.from(text + '\n')
  return {status, flavor: 'ec2', body, headers: {'content-type': TEXT, 'content-length': body.length, 'cache-control': 'no-store', ...extra}}
}

const R = {
  ok: plain(200, 'OK'),
  notFound: plain(404, 'Not Found'),
  badRequest: plain(400, 'Bad Request'),
  forbidden: plain(403, 'Forbidden'),
  unauthorized: plain(401, 'Unauthorized'),
  method: plain(405, 'Method Not Allowed', {allow: 'GET, HEAD, PUT'}),
  uriTooLong: plain(414, 'URI Too Long'),
  ttl: plain(400, 'Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be an integer 1-21600'),
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
  const q = t.search(/[?#]/)
  if (q >= 0) t = t.slice(0, q)
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
  const ctx: FlavorContext = options.namespace === undefined ? {} : {namespace: options.namespace}

  const observer = options.observer
  const postHandler = options.postHandler
  const pinIdle = options.pinIdleMs ?? 2000
  const pinMax = options.pinMaxMs ?? 60_000
  const timed = logger !== undefined || observer !== undefined

  const emptySnapshot = (version: number, list: readonly Instance[]): Snapshot => ({
    version,
    store: new MemoryStore(list),
    launchIndex: new Map(list.map((instance, i) => [instance, i])),
    docs: new Map(),
    pool: new Map(),
    paths: new Map(),
    arenaDone: new WeakSet(),
  })
  let current: Snapshot = emptySnapshot(-1, [])
  /** A VM's address → the snapshot its current crawl uses. */
  const pins = new Map<string, {snap: Snapshot; first: number; last: number}>()
  let closed = false
  const refresh = () => {
    current = emptySnapshot(store.version, store.all())
    sweepPins()
    prewarm(current)
  }
  /** Render every VM's documents in the background, a few ms per turn of the event loop. */
  const prewarm = (snap: Snapshot) => {
    const list = [...snap.launchIndex.keys()]
    let next = 0
    const step = () => {
      if (closed || snap !== current) return
      const until = performance.now() + 4
      while (next < list.length && performance.now() < until) docsOf(snap, list[next++]!)
      if (next < list.length) setImmediate(step)
    }
    if (list.length > 0) setImmediate(step)
  }
  /** The VM's documents in this snapshot (rendered on first use). */
  const docsOf = (snap: Snapshot, instance: Instance): Map<string, Ready> => {
    let d = snap.docs.get(instance)
    if (d === undefined) {
      d = compile(renderAllDocuments(instance, {...ctx, launchIndex: snap.launchIndex.get(instance) ?? 0}), snap)
      snap.docs.set(instance, d)
    }
    return d
  }
  const lookup = (docs: Map<string, Ready>, path: string): Ready | undefined => docs.get(path) ?? docs.get(canonicalPath(path))
  const sweepPins = () => {
    const now = performance.now()
    for (const [ip, pin] of pins) if (now - pin.last >= pinIdle) pins.delete(ip)
  }
  current = emptySnapshot(store.version, store.all())

  const stats: MetadataStats = {requests: 0, byStatus: {}, unknownRequesters: Object.create(null) as Record<string, number>, clientErrors: 0}
  let unknownCount = 0

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderSize ?? 8192,
      headersTimeout,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      noDelay: true,
    },
    handle,
  ) as MetadataServer

  function send(req: IncomingMessage, res: ServerResponse, p: Ready): void {
    res.writeHead(p.status, p.raw ?? p.headers)
    res.end(req.method === 'HEAD' ? undefined : p.body)
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = timed ? performance.now() : 0
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
    let answer: Prebuilt
    let flavor: RequestLogEntry['flavor']
    let reason: string | undefined
    const target = req.url ?? '/'
    const path = target.length > maxUrl ? undefined : normalizePath(target)
    if (target.length > maxUrl) answer = R.uriTooLong
    else if (path === undefined) {
      answer = R.badRequest
      reason = 'bad path'
    } else if (who.reject) {
      answer = who.reject.status === 403 ? R.forbidden : R.badRequest
      reason = who.reject.reason
    } else if (req.method === 'POST' && postHandler !== undefined && path !== undefined) {
      const pending = postHandler(req, who, path)
      if (pending !== undefined) {
        pending.then(
          (r) => finish(req, res, who, target, path, r.status === 200 ? R.ok : r.status === 403 ? R.forbidden : r.status === 404 ? R.notFound : plain(r.status, 'Refused'), 'callback', r.reason, started),
          (err: Error) => finish(req, res, who, target, path, plain(500, 'Internal Server Error'), 'callback', err.message, started),
        )
        return
      }
      answer = R.method
    } else if (who.instance === undefined) {
      answer = R.notFound
      reason = 'unknown requester'
      const key = who.ip in stats.unknownRequesters || unknownCount < MAX_UNKNOWN_TRACKED ? who.ip : 'other'
      if (!(key in stats.unknownRequesters)) unknownCount++
      stats.unknownRequesters[key] = (stats.unknownRequesters[key] ?? 0) + 1
    } else {
      const method = req.method
      const mine = docsOf(snap, who.instance)
      if (method === 'PUT') {
        if (path === '/latest/api/token') {
          flavor = 'imdsv2-token'
          const ttl = parseTtl(req.headers[TOKEN_TTL_HEADER])
          if (ttl === undefined) answer = R.ttl
          else {
            const token = tokens.issue(who.instance.ip, ttl, clock())
            const body = Buffer.from(token)
            answer = {status: 200, flavor: 'ec2', body, headers: {'content-type': TEXT, 'content-length': body.length, 'cache-control': 'no-store', [TOKEN_TTL_HEADER]: String(ttl)}}
          }
        } else answer = R.method
      } else if (method !== 'GET' && method !== 'HEAD') {
        answer = R.method
      } else {
        const doc = lookup(mine, path)
        if (doc === undefined) answer = R.notFound
        else if (EC2_FLAVORS.has(doc.flavor) && (requireToken || req.headers[TOKEN_HEADER] !== undefined)) {
          const t = req.headers[TOKEN_HEADER]
          if (typeof t === 'string' && tokens.verify(t, who.instance.ip, clock())) answer = doc
          else {
            answer = R.unauthorized
            reason = t === undefined ? 'IMDSv2 token required' : 'bad or expired IMDSv2 token'
          }
        } else answer = doc
        flavor ??= doc?.flavor
      }
    }
    if (req.method === 'PUT' || req.method === 'POST') req.resume() // discard any body
    finish(req, res, who, target, path, answer, flavor, reason, started)
  }

  function finish(
    req: IncomingMessage,
    res: ServerResponse,
    who: Requester,
    target: string,
    path: string | undefined,
    answer: Prebuilt,
    flavor: RequestLogEntry['flavor'],
    reason: string | undefined,
    started: number,
  ): void {
    stats.byStatus[answer.status] = (stats.byStatus[answer.status] ?? 0) + 1
    send(req, res, answer)
    if (observer) {
      const unknown = who.instance === undefined && !who.reject && path !== undefined && answer === R.notFound
      observer({who, path, method: req.method ?? '?', status: answer.status, flavor, unknown, seconds: (performance.now() - started) / 1000})
    }
    if (logger) {
      const entry: RequestLogEntry = {
        time: new Date(clock()).toISOString(),
        method: req.method ?? '?',
        path: (path ?? target).slice(0, 256),
        status: answer.status,
        bytes: req.method === 'HEAD' ? 0 : answer.body.length,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        peer: who.peer,
        ip: who.ip,
        via: who.via,
      }
      if (who.instance) entry.instance = who.instance.id
      if (flavor) entry.flavor = flavor
      if (answer === R.notFound && who.instance === undefined && !who.reject && path !== undefined) entry.unknown = true
      if (reason) entry.reason = reason
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
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`)
    }
    socket.destroySoon?.()
    setTimeout(() => socket.destroy(), 1000).unref()
    if (logger && code !== 'ECONNRESET') {
      const peer = normalizeIp(socket.remoteAddress ?? '')
      logger({time: new Date(clock()).toISOString(), method: '-', path: '-', status, bytes: 0, ms: 0, peer, ip: peer, via: 'none', reason: code || err.message})
    }
  })

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
    warm: () => ({rendered: current.docs.size, total: current.launchIndex.size}),
    documentsFor(ip) {
      const snap = current
      const i = snap.store.get(ip)
      if (i === undefined) return undefined
      const docs = docsOf(snap, i)
      return {get: (path: string) => lookup(docs, path)}
    },
  }
  return server
}
