import {BlockList, isIP, isIPv4} from 'node:net'
import {compressV6, v6Groups} from './flavors/common.js'

/**
 * Address helpers. `normalizeIp` is the one canonical form used as the identity key:
 * IPv4-mapped IPv6 (`::ffff:127.0.0.23`) becomes `127.0.0.23`, IPv6 is lower-case and compressed.
 */
export function normalizeIp(address: string): string {
  let a = address.trim()
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1)
  const zone = a.indexOf('%')
  if (zone >= 0) a = a.slice(0, zone)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
  if (mapped?.[1]) return mapped[1]
  if (isIP(a) === 6) {
    const g = v6Groups(a.toLowerCase())
    if (g.length === 8 && g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
      return `${(g[6] ?? 0) >> 8}.${(g[6] ?? 0) & 255}.${(g[7] ?? 0) >> 8}.${(g[7] ?? 0) & 255}`
    }
    return compressV6(g)
  }
  return a
}

export function ipFamily(address: string): 0 | 4 | 6 {
  return isIP(address) as 0 | 4 | 6
}

/** Parse `a.b.c.d/n` or `x::y/n`; undefined when it is not a valid CIDR. */
export function parseCidr(text: string): {address: string; prefix: number; family: 4 | 6} | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim())
  if (!m?.[1] || m[2] === undefined) return undefined
  const family = isIP(m[1])
  if (family === 0) return undefined
  const prefix = Number(m[2])
  if (prefix > (family === 4 ? 32 : 128)) return undefined
  return {address: normalizeIp(m[1]), prefix, family: family as 4 | 6}
}

/** Lower-case, colon-separated MAC, or undefined when it is not a MAC. Accepts `-` and `.` forms. */
export function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase()
  let hex: string | undefined
  if (/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/.test(t)) hex = t.replace(/[:-]/g, '')
  else if (/^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/.test(t)) hex = t.replace(/\./g, '')
  if (hex === undefined) return undefined
  return hex.match(/../g)!.join(':')
}

/** A set of CIDRs/addresses (for --trust-proxy). */
export class CidrSet {
  private readonly list = new BlockList()
  readonly entries: string[] = []
  /** Answers by address: BlockList builds a SocketAddress per check, too slow per request (bounded). */
  private readonly seen = new Map<string, boolean>()

  constructor(cidrs: readonly string[] = []) {
    for (const c of cidrs) this.add(c)
  }

  /** Throws a plain Error with a readable message when `cidr` is not an address or CIDR. */
  add(cidr: string): void {
    const parsed = cidr.includes('/')
      ? parseCidr(cidr)
      : isIP(normalizeIp(cidr))
        ? {address: normalizeIp(cidr), prefix: -1, family: ipFamily(normalizeIp(cidr))}
        : undefined
    if (parsed === undefined || parsed.family === 0)
      throw new Error(`not an address or CIDR: ${cidr} (expected e.g. 10.0.0.0/8, 127.0.0.1 or fd00::/8)`)
    const type = parsed.family === 4 ? 'ipv4' : 'ipv6'
    this.seen.clear()
    if (parsed.prefix < 0) this.list.addAddress(parsed.address, type)
    else this.list.addSubnet(parsed.address, parsed.prefix, type)
    this.entries.push(cidr)
  }

  has(address: string): boolean {
    if (this.entries.length === 0) return false
    let v = this.seen.get(address)
    if (v === undefined) {
      if (this.seen.size >= 65_536) this.seen.clear()
      v = this.check(address)
      this.seen.set(address, v)
    }
    return v
  }

  private check(address: string): boolean {
    const a = normalizeIp(address)
    const family = isIP(a)
    if (family === 0) return false
    return this.list.check(a, isIPv4(a) ? 'ipv4' : 'ipv6')
  }

  get size(): number {
    return this.entries.length
  }
}

/** `HOST:PORT`, `[v6]:PORT` or a bare `PORT` (all addresses). Undefined when malformed. */
export function parseListen(text: string): {host: string; port: number} | undefined {
  const t = text.trim()
  let host: string
  let port: string
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(t)
  if (v6?.[1] && v6[2]) [host, port] = [v6[1], v6[2]]
  else if (/^\d+$/.test(t)) [host, port] = ['0.0.0.0', t]
  else {
    const i = t.lastIndexOf(':')
    if (i <= 0) return undefined
    ;[host, port] = [t.slice(0, i), t.slice(i + 1)]
    if (host.includes(':')) return undefined
  }
  const n = Number(port)
  if (!/^\d+$/.test(port) || n > 65535) return undefined
  if (host !== 'localhost' && isIP(host) === 0) return undefined
  return {host, port: n}
}
