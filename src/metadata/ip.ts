import {BlockList, isIP} from 'node:net'

/**
 * IP and CIDR arithmetic, the one place for it (the metadata server, the inventory, the flavours
 * and the redirect rules all use these). `normalizeIp` is the one canonical form used as the
 * identity key: IPv4-mapped IPv6 (`::ffff:127.0.0.23`) becomes `127.0.0.23`, IPv6 is lower-case
 * and compressed.
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

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** A dotted-quad IPv4 literal (no leading zeros, no names). */
export function isIPv4(s: string): boolean {
  return IPV4.test(s)
}

/** An address in 127.0.0.0/8. */
export function isLoopbackV4(s: string): boolean {
  return isIPv4(s) && s.startsWith('127.')
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

/** Split an address in CIDR form into address and prefix length (a bare address is a /32 or /128). */
export function splitCidr(cidr: string): {address: string; prefix: number; v6: boolean} {
  const [address = '', prefix = ''] = cidr.split('/')
  const v6 = address.includes(':')
  return {address, prefix: prefix === '' ? (v6 ? 128 : 32) : Number(prefix), v6}
}

/** The 32-bit number of a dotted-quad address. */
function v4Number(address: string): number {
  return address.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0)
}

function v4Text(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
}

function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

/** The dotted-quad netmask of a v4 prefix length (24 → 255.255.255.0). */
export function netmaskV4(prefix: number): string {
  return v4Text(maskV4(prefix))
}

/** The network address of a v4 CIDR (10.1.0.5/24 → 10.1.0.0/24). */
export function networkV4(cidr: string): string {
  const {address, prefix} = splitCidr(cidr)
  return `${v4Text((v4Number(address) & maskV4(prefix)) >>> 0)}/${prefix}`
}

/** Whether the IPv4 `address` lies in `network`/`prefix` (169.254.169.254 in 169.254.0.0/16). */
export function inNetworkV4(address: string, network: string, prefix: number): boolean {
  if (!isIPv4(address) || !isIPv4(network) || prefix < 0 || prefix > 32) return false
  const mask = maskV4(prefix)
  return (v4Number(address) & mask) >>> 0 === (v4Number(network) & mask) >>> 0
}

/** Expand a v6 address to 8 groups of 16 bits. */
export function v6Groups(address: string): number[] {
  let text = address
  const tail: number[] = []
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number)
    tail.push(((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0))
    text = text.slice(0, -v4[1].length).replace(/:$/, ':0').replace(/::0$/, '::')
    if (text.endsWith(':0') && !text.endsWith('::0')) text = text.slice(0, -2)
  }
  const [head = '', rest] = text.split('::')
  const h = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16))
  const r = rest === undefined || rest === '' ? [] : rest.split(':').map((g) => parseInt(g, 16))
  const fill = 8 - tail.length - h.length - r.length
  return rest === undefined ? [...h, ...tail] : [...h, ...new Array<number>(Math.max(fill, 0)).fill(0), ...r, ...tail]
}

/** The network address of a v6 CIDR (fd00:1::5/64 → fd00:1::/64). */
export function networkV6(cidr: string): string {
  const {address, prefix} = splitCidr(cidr)
  const g = v6Groups(address)
  const out = g.map((value, i) => {
    const lo = i * 16
    if (prefix >= lo + 16) return value
    if (prefix <= lo) return 0
    const keep = prefix - lo
    return value & ((0xffff << (16 - keep)) & 0xffff)
  })
  return `${compressV6(out)}/${prefix}`
}

/** 8 groups of 16 bits as RFC 5952 text: lower-case, the longest run of two or more zero groups as `::`. */
export function compressV6(groups: number[]): string {
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < groups.length && groups[j] === 0) j++
    if (j - i > bestLen && j - i > 1) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
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
    return this.list.check(a, family === 4 ? 'ipv4' : 'ipv6')
  }

  get size(): number {
    return this.entries.length
  }
}
