import {UsageError} from '../../errors.js'
import {ipFamily} from '../ip.js'

/**
 * `--store etcd://HOST:PORT[,HOST:PORT...]` (env NETOPS_METADATA_STORE) and `--store-prefix`.
 * Pure parsing; the connection options (TLS files, user and password) are added by the caller.
 */

export const DEFAULT_STORE_PREFIX = '/netops/metadata/'
const DEFAULT_ETCD_PORT = 2379

export interface StoreEndpoint {
  host: string
  port: number
}

export interface StoreUrl {
  /** The endpoints in the order given (the client spreads calls over them and fails over). */
  endpoints: StoreEndpoint[]
  /** The URL as written by the user, for messages (it never carries a password). */
  text: string
}

const EXAMPLE = 'e.g. --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379'
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/

function endpoint(url: string, part: string): StoreEndpoint {
  const bad = (why: string) => new UsageError(`--store ${url}: ${why}`, {suggestions: [EXAMPLE]})
  if (part === '') throw bad('an empty HOST:PORT (two commas, or a trailing comma)')
  let host: string
  let portText: string | undefined
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(part)
  if (v6) {
    host = v6[1]!
    portText = v6[2]
    if (ipFamily(host) !== 6) throw bad(`[${host}] is not an IPv6 address`)
  } else {
    const i = part.lastIndexOf(':')
    host = i < 0 ? part : part.slice(0, i)
    portText = i < 0 ? undefined : part.slice(i + 1)
    if (host.includes(':')) throw bad(`${part}: write an IPv6 address in brackets, e.g. [fd00::5]:2379`)
    if (ipFamily(host) === 0 && !HOSTNAME.test(host)) throw bad(`\`${host}\` is not a host name or address`)
  }
  if (portText === undefined) return {host, port: DEFAULT_ETCD_PORT}
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad(`\`${portText}\` is not a port (1-65535)`)
  return {host, port}
}

/** Parse `etcd://HOST:PORT[,HOST:PORT...]` (a missing port is etcd's 2379). Throws UsageError naming the problem. */
export function parseStoreUrl(text: string): StoreUrl {
  // a user:password@ written by mistake is never repeated in a message
  const url = text.trim().replace(/\/\/[^/@]*@/g, '//***@')
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(url)
  if (!m) throw new UsageError(`--store ${url} is not etcd://HOST:PORT[,HOST:PORT...]`, {suggestions: [EXAMPLE]})
  const scheme = m[1]!.toLowerCase()
  if (scheme !== 'etcd')
    throw new UsageError(`--store ${url}: the scheme \`${scheme}\` is not supported (only etcd://)`, {
      suggestions: [EXAMPLE, 'TLS is set with --store-ca/--store-cert/--store-key, not in the scheme'],
    })
  let rest = m[2]!
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  if (rest.includes('@'))
    throw new UsageError(`--store ${url}: put no user or password in the URL`, {
      suggestions: ['set NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD instead'],
    })
  if (rest.includes('/') || rest.includes('?'))
    throw new UsageError(`--store ${url}: no path or query after the endpoints`, {
      suggestions: [EXAMPLE, 'set the key prefix with --store-prefix'],
    })
  const endpoints = rest.split(',').map((p) => endpoint(url, p.trim()))
  const seen = new Set<string>()
  for (const e of endpoints) {
    const key = `${e.host}:${e.port}`
    if (seen.has(key)) throw new UsageError(`--store ${url}: ${key} is listed twice`, {suggestions: [EXAMPLE]})
    seen.add(key)
  }
  return {endpoints, text: url}
}

/** `--store-prefix`: absolute, ends with `/` (added when missing), no empty segment. */
export function parseStorePrefix(text: string): string {
  const p = text.trim()
  const withSlash = p.endsWith('/') ? p : `${p}/`
  if (!withSlash.startsWith('/') || withSlash.includes('//') || /[\s\0]/.test(withSlash))
    throw new UsageError(`--store-prefix ${text} is not a key prefix like ${DEFAULT_STORE_PREFIX}`, {
      suggestions: ['start with /, no spaces or empty segments, e.g. --store-prefix /netops/dc1/metadata/'],
    })
  return withSlash
}

/** `host:port` as gRPC takes it (IPv6 in brackets). */
export function endpointText(e: StoreEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}
