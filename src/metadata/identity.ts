import {createHmac, timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import type {Store} from './store.js'
import type {Instance} from './types.js'
import {UsageError} from '../errors.js'
import {CidrSet, normalizeIp} from './ip.js'

/**
 * Who is asking. By default the TCP peer address (IPv4-mapped IPv6 normalised). Two opt-ins:
 * - `trustProxy` (CIDRs): from those peers only, X-Forwarded-For is honoured; the client is the
 *   rightmost hop that is not itself a trusted proxy (entries to its left can be forged by the client).
 * - `proxySharedSecret`: neutron-style `X-Instance-ID` + `X-Instance-ID-Signature`
 *   (hex HMAC-SHA256 of the id with the secret, compared in constant time). A wrong or missing
 *   signature is a 403. Without the secret those headers are ignored.
 * A VM never gets another VM's data: headers from an untrusted peer change nothing.
 */
export interface Requester {
  /** The TCP peer (normalised). */
  peer: string
  /** The address the request is attributed to (peer, or from X-Forwarded-For). */
  ip: string
  via: 'address' | 'forwarded' | 'signed'
  instance: Instance | undefined
  /** Set when the request must be refused before any lookup. */
  reject?: {status: 400 | 403; reason: string}
}

export interface ResolverOptions {
  trustProxy?: readonly string[]
  proxySharedSecret?: string
}

/** What identity needs of a request: node's IncomingMessage (or a test's stand-in). */
export interface RequestHead {
  headers: IncomingHttpHeaders
  socket: {remoteAddress?: string | undefined}
}

export interface Resolver {
  resolve(req: RequestHead, store: Store): Requester
  readonly trusted: CidrSet
}

export function signInstanceId(instanceId: string, secret: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex')
}

function header(req: RequestHead, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

const SINGLE_V4 = /^\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\s*$/

/** The client address from an X-Forwarded-For chain, given the trusted proxy set. */
export function clientFromForwarded(xff: string, peer: string, trusted: CidrSet): string {
  if (SINGLE_V4.test(xff)) {
    // the common case (one hop, a plain IPv4 address): it is the client, trusted proxy or not
    return xff.trim()
  }
  const hops = xff
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((h) => {
      // tolerate "1.2.3.4:5678" and "[fd00::1]:80"
      const b = /^\[([^\]]+)\](?::\d+)?$/.exec(h)
      if (b?.[1]) return normalizeIp(b[1])
      const p = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(h)
      return normalizeIp(p?.[1] ?? h)
    })
  let client = peer
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!
    if (!trusted.has(client)) return client
  }
  return client
}

/** A bounded string → value cache (peer addresses repeat: a few thousand VMs, or one proxy). */
function memo<T>(f: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>()
  return (key) => {
    let v = seen.get(key)
    if (v === undefined) {
      if (seen.size >= 65_536) seen.clear()
      v = f(key)
      seen.set(key, v)
    }
    return v
  }
}

export function createResolver(options: ResolverOptions = {}): Resolver {
  const trusted = new CidrSet(options.trustProxy ?? [])
  const secret = options.proxySharedSecret
  // per request the peer's normalisation (regexes) was much of the lookup's cost: remember it
  const peerOf = memo(normalizeIp)
  return {
    trusted,
    resolve(req, store) {
      const peer = peerOf(req.socket.remoteAddress ?? '')
      if (secret !== undefined && secret !== '' && req.headers['x-instance-id'] !== undefined) {
        const rawId = req.headers['x-instance-id']
        const rawSig = req.headers['x-instance-id-signature']
        if (Array.isArray(rawId) || Array.isArray(rawSig)) {
          return {peer, ip: peer, via: 'signed', instance: undefined, reject: {status: 400, reason: 'duplicated X-Instance-ID headers'}}
        }
        const id = rawId ?? ''
        const expected = Buffer.from(signInstanceId(id, secret), 'utf8')
        const given = Buffer.from(rawSig ?? '', 'utf8')
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return {peer, ip: peer, via: 'signed', instance: undefined, reject: {status: 403, reason: 'bad X-Instance-ID-Signature'}}
        }
        const instance = store.byId(id)
        return {peer, ip: instance?.ip ?? peer, via: 'signed', instance}
      }
      let ip = peer
      let via: Requester['via'] = 'address'
      if (trusted.size > 0 && trusted.has(peer)) {
        const xff = header(req, 'x-forwarded-for')
        if (xff !== undefined && xff.trim() !== '') {
          ip = clientFromForwarded(xff, peer, trusted)
          via = 'forwarded'
        }
      }
      // store keys are normalised addresses: anything else simply is not found
      const instance = store.get(ip)
      return {peer, ip, via, instance}
    },
  }
}

/** A --trust-proxy entry that covers a VM's own address, and the first such VM. */
export interface TrustProxyOverlap {
  cidr: string
  instance: {id: string; ip: string}
}

/** The first --trust-proxy entry (in the order given) covering an instance's address, or undefined. */
export function trustProxyOverlap(trustProxy: readonly string[], instances: readonly Instance[]): TrustProxyOverlap | undefined {
  for (const cidr of trustProxy) {
    const one = new CidrSet([cidr])
    const hit = instances.find((i) => one.has(i.ip))
    if (hit) return {cidr, instance: {id: hit.id, ip: hit.ip}}
  }
  return undefined
}

/**
 * Refuse a --trust-proxy that covers a VM's own address (then that VM's X-Forwarded-For is believed and it
 * can claim to be any other VM), unless the operator said it is meant (`overlapOk`: --trust-proxy-overlap-ok).
 * Checked at start and at every reload (a refused reload keeps the inventory served now).
 */
export function checkTrustProxyOverlap(trustProxy: readonly string[], instances: readonly Instance[], overlapOk: boolean): void {
  if (overlapOk || trustProxy.length === 0) return
  const o = trustProxyOverlap(trustProxy, instances)
  if (o === undefined) return
  throw new UsageError(
    `--trust-proxy ${o.cidr} covers the address of instance ${o.instance.id} (${o.instance.ip}): its X-Forwarded-For would be believed, so it could claim to be any other VM`,
    {
      suggestions: [
        'give --trust-proxy only the proxy addresses, e.g. --trust-proxy 10.0.0.1',
        'if a VM of the inventory really is the proxy, add --trust-proxy-overlap-ok',
      ],
      details: {trustProxy: o.cidr, instance: o.instance.id, ip: o.instance.ip},
    },
  )
}
