/**
 * What the metadata server answers to one request, as node:http read it:
 * the server's own answers, the request-target check, IMDSv2 tokens and the document lookup.
 */
import type {Prebuilt} from './documents.js'
import type {Doc, DocumentSnapshot} from './doc-cache.js'
import type {RequestHead, Requester} from './identity.js'
import {parseTtl, TOKEN_HEADER, TOKEN_TTL_HEADER, type TokenIssuer} from './tokens.js'
import type {FlavorName} from './types.js'

/** Who answered a request, as logged and observed. */
export type AnswerFlavor = FlavorName | 'imdsv2-token' | 'callback'

/** An answer: a document, or one of the server's own (errors, tokens), with any extra headers. */
export type Answer = Doc & {extra?: readonly string[]}

/** What the server decided for one request (before it is written). */
export interface Decision {
  who: Requester
  target: string
  path: string | undefined
  answer: Answer
  flavor: AnswerFlavor | undefined
  reason: string | undefined
}

const TEXT = 'text/plain; charset=utf-8'

/** A short plain-text answer of the server's own. */
export function plain(status: number, text: string, extra?: readonly string[]): Answer {
  return {status, flavor: 'ec2', contentType: TEXT, body: Buffer.from(text + '\n'), ...(extra ? {extra} : {})}
}

/** The server's own answers (shared buffers: built once). */
export const ANSWERS = {
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

/** Header lists already built, by content type and body length (documents without extra headers). */
const HEADER_LISTS = new Map<string, Map<number, readonly string[]>>()
/** Distinct body lengths kept per content type (beyond, that type's lists are built again). */
const HEADER_LISTS_PER_TYPE = 4096

/**
 * The raw header list node's writeHead takes without copying (node only reads it). A document's list
 * depends on its content type and length alone, so it is built once and shared by every answer alike.
 */
export function rawHeaders(a: Answer): readonly string[] {
  if (a.extra) return ['content-type', a.contentType, 'content-length', String(a.body.length), 'cache-control', 'no-store', ...a.extra]
  let byLength = HEADER_LISTS.get(a.contentType)
  if (byLength === undefined) {
    byLength = new Map()
    HEADER_LISTS.set(a.contentType, byLength)
  }
  let raw = byLength.get(a.body.length)
  if (raw === undefined) {
    if (byLength.size >= HEADER_LISTS_PER_TYPE) byLength.clear()
    raw = Object.freeze(['content-type', a.contentType, 'content-length', String(a.body.length), 'cache-control', 'no-store'])
    byLength.set(a.body.length, raw)
  }
  return raw
}

/** An answer as the pre-rendered document shape (headers as an object). */
export function toPrebuilt(a: Answer): Prebuilt {
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

/** What deciding needs besides the request. */
export interface DecideContext {
  /** Longer request targets get 414. */
  maxUrl: number
  /** IMDSv2 `required`: EC2 paths need a token. */
  requireToken: boolean
  tokens: TokenIssuer
  /** Milliseconds since the epoch (token expiry). */
  clock: () => number
  /** POSTs are callbacks, answered elsewhere: one that reaches decide() was none of them (405). */
  callbacks: boolean
  /** An address in no record asked (the unknown-requester count). */
  unknownRequester(ip: string): void
}

type Outcome = Pick<Decision, 'answer'> & Partial<Pick<Decision, 'flavor' | 'reason'>>

const EC2_FLAVORS = new Set<FlavorName>(['ec2', 'cloudstack'])

/** The answer to a request without a body; a bug in answering one request is its 500, not the server's end. */
export function decide(
  req: RequestHead,
  method: string,
  target: string,
  who: Requester,
  snap: DocumentSnapshot,
  c: DecideContext,
): Decision {
  let path: string | undefined
  let o: Outcome
  try {
    path = target.length > c.maxUrl ? undefined : normalizePath(target)
    o = refusal(target, path, who, method, c) ?? answerFor(req, method, path!, who, snap, c)
  } catch (err) {
    path = undefined
    o = {answer: ANSWERS.internal, reason: `internal error: ${(err as Error).message}`}
  }
  return {who, target, path, answer: o.answer, flavor: o.flavor, reason: o.reason}
}

/** Step 1: requests answered before anyone's documents are looked at (bad target, refused requester, stray POST). */
function refusal(target: string, path: string | undefined, who: Requester, method: string, c: DecideContext): Outcome | undefined {
  if (target.length > c.maxUrl) return {answer: ANSWERS.uriTooLong}
  if (path === undefined) return {answer: ANSWERS.badRequest, reason: 'bad path'}
  if (who.reject) return {answer: who.reject.status === 403 ? ANSWERS.forbidden : ANSWERS.badRequest, reason: who.reject.reason}
  if (method === 'POST' && c.callbacks) return {answer: ANSWERS.method} // not one of the callbacks
  if (who.instance === undefined) {
    c.unknownRequester(who.ip)
    return {answer: ANSWERS.notFound, reason: 'unknown requester'}
  }
  return undefined
}

/** Step 2: a known VM's request: an IMDSv2 token (PUT) or a document (GET, HEAD). */
function answerFor(req: RequestHead, method: string, path: string, who: Requester, snap: DocumentSnapshot, c: DecideContext): Outcome {
  const instance = who.instance!
  if (method === 'PUT') return path === '/latest/api/token' ? issueToken(req, instance.ip, c) : {answer: ANSWERS.method}
  if (method !== 'GET' && method !== 'HEAD') return {answer: ANSWERS.method}
  const doc = snap.lookup(instance, path)
  if (doc === undefined) return {answer: ANSWERS.notFound}
  return checkToken(req, doc, instance.ip, c)
}

/**
 * IMDSv2: PUT /latest/api/token with a TTL header issues a token bound to the VM's address. One that
 * carries X-Forwarded-For went through a proxy: refused (403), as AWS does, so a proxy or an SSRF in
 * the VM cannot fetch a token.
 */
function issueToken(req: RequestHead, ip: string, c: DecideContext): Outcome {
  if (req.headers['x-forwarded-for'] !== undefined)
    return {answer: ANSWERS.forbidden, flavor: 'imdsv2-token', reason: 'IMDSv2 token PUT with X-Forwarded-For'}
  const ttl = parseTtl(req.headers[TOKEN_TTL_HEADER])
  if (ttl === undefined) return {answer: ANSWERS.ttl, flavor: 'imdsv2-token'}
  const token = c.tokens.issue(ip, ttl, c.clock())
  return {
    answer: {status: 200, flavor: 'ec2', contentType: TEXT, body: Buffer.from(token), extra: [TOKEN_TTL_HEADER, String(ttl)]},
    flavor: 'imdsv2-token',
  }
}

/** IMDSv2: an EC2-style document needs a valid token when tokens are required or one is presented. */
function checkToken(req: RequestHead, doc: Doc, ip: string, c: DecideContext): Outcome {
  const t = req.headers[TOKEN_HEADER]
  if (!EC2_FLAVORS.has(doc.flavor) || (!c.requireToken && t === undefined)) return {answer: doc, flavor: doc.flavor}
  if (typeof t === 'string' && c.tokens.verify(t, ip, c.clock())) return {answer: doc, flavor: doc.flavor}
  return {
    answer: ANSWERS.unauthorized,
    flavor: doc.flavor,
    reason: t === undefined ? 'IMDSv2 token required' : 'bad or expired IMDSv2 token',
  }
}
