import {STATUS_CODES, type IncomingHttpHeaders} from 'node:http'
import type {Socket} from 'node:net'

/**
 * The metadata server's fast path: plain HTTP/1.1 GET / HEAD / bodiless PUT requests parsed and
 * answered straight off the socket. node:http costs ~60 µs a request on this class of machine
 * (17k requests/s on one core for a constant answer, p99 31 ms at 256 connections); this path is
 * three times cheaper, which is what lets one core answer 256 busy connections in under 10 ms.
 *
 * It parses only the simple, strict subset cloud-init, curl and wrk send. Anything else — a body
 * (Content-Length > 0, Transfer-Encoding), HTTP/1.0, Expect, Upgrade, a missing Host, obsolete
 * line folding, stray CR/LF, control characters, oversized heads — is handed over, from the first
 * byte of that request on, to node:http on the same socket, which answers it as it always did
 * (400 / 431 / 505 / the POST handler). So the fast path never has to be right about edge cases:
 * it only has to recognise the easy ones.
 */

/** One parsed request head. */
export interface FastRequest {
  method: string
  url: string
  /** Lower-case names; repeated headers joined with ', ' (as node:http does for these). */
  headers: IncomingHttpHeaders
  socket: Socket
  /** The client asked for `Connection: close`. */
  close: boolean
}

/** What to answer. Headers are `content-type`, `content-length`, `cache-control: no-store`, `extra`, `date`. */
interface FastReply {
  status: number
  contentType: string
  body: Buffer
  /** More headers, as a flat [name, value, …] list. */
  extra?: readonly string[]
}

export interface FastHttpOptions {
  /** Answer a request (synchronously). `undefined` = hand the request over to node:http. */
  answer: (req: FastRequest) => FastReply | undefined
  /** Called after the answer was queued on the socket. */
  answered?: (req: FastRequest, reply: FastReply) => void
  /** Give the socket to node:http; `rest` is what was read and not yet answered (to be re-read first). */
  handover: (socket: Socket, rest: Buffer | undefined) => void
  /** The client closed its side in the middle of a request head (node:http answers that with a 400). */
  truncated: (socket: Socket) => void
  /** A request head must be complete within this (slowloris); then 408 and close. */
  headersTimeoutMs: number
  /** An idle connection is closed after this. */
  keepAliveTimeoutMs: number
  /** Longer heads are handed over (node:http answers 431). */
  maxHeaderSize: number
}

export interface FastHttp {
  /** Serve a new connection. */
  accept(socket: Socket): void
  /** Close connections that are between requests (server shutdown); others close after their answer. */
  closeIdle(): void
  /** Destroy every connection (the drain deadline passed). */
  closeAll(): void
  /** Connections currently served by the fast path. */
  readonly size: number
  stop(): void
}

const CRLF2 = Buffer.from('\r\n\r\n')
/** Names cloud-init, curl and proxies send: valid tokens, no need to check them. */
const KNOWN = new Set([
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'connection',
  'x-forwarded-for',
  'content-length',
  'x-aws-ec2-metadata-token',
  'x-aws-ec2-metadata-token-ttl-seconds',
])
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Field values: visible ASCII, space, tab, obs-text; no CTLs. */
const BAD_VALUE = /[\0-\x08\x0a-\x1f\x7f]/
/** llhttp takes only visible ASCII in a target (origin form: it starts with `/`). */
const BAD_TARGET = /[^\x21-\x7e]/
/** Above this much unsent output a connection stops reading until the client catches up. */
const HIGH_WATER = 64 * 1024

/** Status line + fixed headers, per (status, type, length, extra): shared, bounded. */
const HEADS = new Map<string, Buffer>()
const MAX_HEADS = 4096

/** Status line and headers up to (not including) `date`. */
function headBytes(r: FastReply): Buffer {
  let text = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Unknown'}\r\ncontent-type: ${r.contentType}\r\ncontent-length: ${r.body.length}\r\ncache-control: no-store\r\n`
  if (r.extra) for (let i = 0; i + 1 < r.extra.length; i += 2) text += `${r.extra[i]}: ${r.extra[i + 1]}\r\n`
  return Buffer.from(text, 'latin1')
}

/** The common case (200, no extra header): content type → length → head, no key string built. */
const OK_HEADS = new Map<string, Map<number, Buffer>>()

function headFor(r: FastReply): Buffer {
  if (r.status === 200 && r.extra === undefined) {
    let byLength = OK_HEADS.get(r.contentType)
    if (byLength === undefined) {
      byLength = new Map()
      OK_HEADS.set(r.contentType, byLength)
    }
    let h = byLength.get(r.body.length)
    if (h === undefined) {
      h = headBytes(r)
      if (byLength.size < MAX_HEADS) byLength.set(r.body.length, h)
    }
    return h
  }
  const extra = r.extra === undefined || r.extra.length === 0 ? '' : r.extra.join('\0')
  const key = `${r.status}\0${r.contentType}\0${r.body.length}\0${extra}`
  let h = HEADS.get(key)
  if (h === undefined) {
    h = headBytes(r)
    if (HEADS.size < MAX_HEADS) HEADS.set(key, h)
  }
  return h
}

let dateSecond = -1
let dateKeep = Buffer.alloc(0)
let dateClose = Buffer.alloc(0)
/** `date: …\r\n\r\n` (and the `connection: close` variant), rebuilt once a second. */
function dateTail(close: boolean): Buffer {
  const now = Date.now()
  const sec = Math.floor(now / 1000)
  if (sec !== dateSecond) {
    dateSecond = sec
    const d = new Date(sec * 1000).toUTCString()
    dateKeep = Buffer.from(`date: ${d}\r\n\r\n`, 'latin1')
    dateClose = Buffer.from(`date: ${d}\r\nconnection: close\r\n\r\n`, 'latin1')
  }
  return close ? dateClose : dateKeep
}

type Parsed = FastRequest | 'handover'

/** A field value without its optional whitespace (SP / HTAB only, as node:http); undefined when it has a CTL. */
function ows(line: string, from: number): string | undefined {
  let a = from
  let b = line.length
  while (a < b && (line.charCodeAt(a) === 32 || line.charCodeAt(a) === 9)) a++
  while (b > a && (line.charCodeAt(b - 1) === 32 || line.charCodeAt(b - 1) === 9)) b--
  const value = line.slice(a, b)
  return BAD_VALUE.test(value) ? undefined : value
}

const METHOD_PREFIXES = new Set(['', 'G', 'GE', 'GET', 'H', 'HE', 'HEA', 'HEAD', 'P', 'PU', 'PUT'])

/**
 * Could this incomplete head still become a request the fast path takes? False as soon as it
 * cannot (another method, a bad request line, a lone CR or LF), so node:http sees it at once.
 */
export function plausibleStart(text: string): boolean {
  const lineEnd = text.indexOf('\r\n')
  const line = lineEnd < 0 ? text : text.slice(0, lineEnd)
  const sp = line.indexOf(' ')
  if (!METHOD_PREFIXES.has(sp < 0 ? line : line.slice(0, sp))) return false
  if (lineEnd >= 0 && parseRequestLine(line) === undefined) return false
  // every CR must start a CRLF, every LF end one (a last CR may wait for its LF)
  for (let i = text.indexOf('\r'); i >= 0 && i < text.length - 1; i = text.indexOf('\r', i + 1))
    if (text.charCodeAt(i + 1) !== 10) return false
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (text.charCodeAt(i - 1) !== 13) return false
  return true
}

/** Method and target of a request line we take, else undefined. */
function parseRequestLine(requestLine: string): {method: string; url: string} | undefined {
  const sp1 = requestLine.indexOf(' ')
  const sp2 = requestLine.indexOf(' ', sp1 + 1)
  if (sp1 <= 0 || sp2 < 0) return undefined
  const method = requestLine.slice(0, sp1)
  const url = requestLine.slice(sp1 + 1, sp2)
  if (requestLine.slice(sp2 + 1) !== 'HTTP/1.1') return undefined
  if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT') return undefined
  if (url.charCodeAt(0) !== 0x2f || BAD_TARGET.test(url)) return undefined
  return {method, url}
}

/**
 * Parse one request head (`text` = request line + header lines, without the final CRLF CRLF).
 * Returns 'handover' for anything outside the simple subset.
 */
export function parseHead(text: string, socket: Socket): Parsed {
  const lineEnd = text.indexOf('\r\n')
  const first = parseRequestLine(lineEnd < 0 ? text : text.slice(0, lineEnd))
  if (first === undefined) return 'handover'
  const {method, url} = first
  const headers: IncomingHttpHeaders = Object.create(null) as IncomingHttpHeaders
  let host = false
  let close = false
  if (lineEnd >= 0) {
    let at = lineEnd + 2
    while (at <= text.length) {
      let end = text.indexOf('\r\n', at)
      if (end < 0) end = text.length
      const line = text.slice(at, end)
      at = end + 2
      const colon = line.indexOf(':')
      if (colon <= 0) return 'handover' // also obs-fold (leading space) and empty lines
      const name = line.slice(0, colon).toLowerCase()
      if (!KNOWN.has(name) && !TOKEN.test(name)) return 'handover'
      const value = ows(line, colon + 1)
      if (value === undefined) return 'handover'
      switch (name) {
        case 'content-length':
          if (value !== '0' || headers[name] !== undefined) return 'handover'
          break
        case 'transfer-encoding':
        case 'expect':
        case 'upgrade':
          return 'handover'
        case 'host':
          if (host) return 'handover'
          host = true
          break
        case 'connection':
          if (/(?:^|,)\s*close\s*(?:,|$)/i.test(value)) close = true
          else if (/upgrade/i.test(value)) return 'handover'
          break
        default:
          break
      }
      const had = headers[name]
      headers[name] = had === undefined ? value : `${String(had)}, ${value}`
    }
  }
  if (!host) return 'handover'
  return {method, url, headers, socket, close}
}

interface Conn {
  socket: Socket
  /** Bytes of an incomplete request (or of requests not answered yet, while paused). */
  pending: Buffer | undefined
  /** When the pending head started (for the headers timeout); 0 when between requests. */
  since: number
  last: number
  /** When reading was paused for a client that does not read its answers; 0 when not paused. */
  stalled: number
  done: boolean
  onData: (chunk: Buffer) => void
  onError: () => void
  onClose: () => void
  onEnd: () => void
}

export function createFastHttp(options: FastHttpOptions): FastHttp {
  const conns = new Set<Conn>()
  const {answer, answered, handover, truncated, headersTimeoutMs, keepAliveTimeoutMs, maxHeaderSize} = options
  let closing = false

  const release = (c: Conn) => {
    c.done = true
    conns.delete(c)
  }
  /** Stop listening on the socket (before node:http takes it, or once it is closing). */
  const detach = (c: Conn) => {
    c.socket.off('data', c.onData)
    c.socket.off('error', c.onError)
    c.socket.off('close', c.onClose)
    c.socket.off('end', c.onEnd)
  }

  const write = (c: Conn, req: FastRequest, reply: FastReply, close: boolean): void => {
    const head = headFor(reply)
    const tail = dateTail(close)
    const body = req.method === 'HEAD' ? undefined : reply.body
    const size = head.length + tail.length + (body?.length ?? 0)
    if (size <= 4096) {
      // one small buffer, one write(2)
      const out = Buffer.allocUnsafe(size)
      head.copy(out, 0)
      tail.copy(out, head.length)
      if (body) body.copy(out, head.length + tail.length)
      c.socket.write(out)
    } else {
      c.socket.cork()
      c.socket.write(head)
      c.socket.write(tail)
      if (body) c.socket.write(body)
      c.socket.uncork()
    }
  }

  /** Answer every complete request in `buf` (from `start`); keep the rest. */
  const consume = (c: Conn, buf: Buffer): void => {
    let start = 0
    while (start < buf.length) {
      if (c.socket.writableLength > HIGH_WATER) {
        // the client is not reading its answers: stop reading its requests until it does
        c.pending = buf.subarray(start)
        c.stalled = performance.now()
        c.socket.pause()
        c.socket.once('drain', () => {
          if (c.done) return
          const rest = c.pending
          c.pending = undefined
          c.stalled = 0
          c.socket.resume()
          if (rest) consume(c, rest)
        })
        return
      }
      const end = buf.indexOf(CRLF2, start)
      if (end < 0) {
        // node:http rejects a bad start as soon as it sees it: so must we (by handing it over)
        if (buf.length - start > maxHeaderSize || !plausibleStart(buf.toString('latin1', start))) return giveAway(c, buf.subarray(start))
        c.pending = start === 0 ? buf : Buffer.from(buf.subarray(start)) // copy: don't pin a 64 KiB read
        if (c.since === 0) c.since = performance.now()
        return
      }
      if (end - start > maxHeaderSize) return giveAway(c, buf.subarray(start))
      const parsed = parseHead(buf.toString('latin1', start, end), c.socket)
      if (parsed === 'handover') return giveAway(c, buf.subarray(start))
      const reply = answer(parsed)
      if (reply === undefined) return giveAway(c, buf.subarray(start))
      const close = parsed.close || closing
      write(c, parsed, reply, close)
      answered?.(parsed, reply)
      start = end + 4
      c.since = 0
      if (close) {
        release(c)
        c.socket.end()
        return
      }
    }
    c.pending = undefined
  }

  const giveAway = (c: Conn, rest: Buffer): void => {
    release(c)
    c.pending = undefined
    detach(c)
    handover(c.socket, rest.length > 0 ? Buffer.from(rest) : undefined)
  }

  const sweep = () => {
    const now = performance.now()
    for (const c of conns) {
      if (c.since !== 0 && now - c.since > headersTimeoutMs) {
        release(c)
        c.socket.end(
          'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 16\r\n\r\nRequest Timeout\n',
        )
        c.socket.destroySoon()
      } else if (c.stalled !== 0 && now - c.stalled > headersTimeoutMs) {
        // answers queued and unread this long: a client that will never read them
        release(c)
        c.socket.destroy()
      } else if (c.since === 0 && c.socket.writableLength === 0 && now - c.last > keepAliveTimeoutMs) {
        release(c)
        c.socket.destroy()
      }
    }
  }
  const timer = setInterval(sweep, Math.max(50, Math.min(1000, Math.floor(Math.min(headersTimeoutMs, keepAliveTimeoutMs) / 4))))
  timer.unref()

  return {
    accept(socket) {
      if (closing) {
        socket.destroy()
        return
      }
      const c: Conn = {
        socket,
        pending: undefined,
        since: 0,
        last: performance.now(),
        stalled: 0,
        done: false,
        onData: (chunk: Buffer) => {
          if (c.done) return
          c.last = performance.now()
          if (c.pending === undefined) consume(c, chunk)
          else {
            const all = Buffer.concat([c.pending, chunk])
            c.pending = undefined
            consume(c, all)
          }
        },
        onError: () => {
          release(c)
          socket.destroy()
        },
        onClose: () => release(c),
        onEnd: () => {
          // the client is done sending (the server allows half-open sockets, so this side must end too)
          if (c.done) return
          const partial = c.pending !== undefined && c.stalled === 0 && /[^\r\n]/.test(c.pending.toString('latin1'))
          release(c)
          detach(c)
          if (partial) truncated(socket)
          else socket.end()
        },
      }
      conns.add(c)
      socket.on('data', c.onData)
      socket.on('error', c.onError)
      socket.on('close', c.onClose)
      socket.on('end', c.onEnd)
    },
    closeIdle() {
      closing = true
      for (const c of conns) {
        if (c.since !== 0 && c.pending !== undefined) continue // mid-request: answered, then closed
        release(c)
        c.socket.end()
        setTimeout(() => c.socket.destroy(), 1000).unref()
      }
    },
    closeAll() {
      closing = true
      for (const c of conns) {
        release(c)
        c.socket.destroy()
      }
    },
    get size() {
      return conns.size
    },
    stop() {
      clearInterval(timer)
    },
  }
}
