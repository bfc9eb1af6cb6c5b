/** MAC addresses and listen addresses (`HOST:PORT`). IP and CIDR arithmetic is in ip.ts. */
import {ipFamily} from './ip.js'

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
  if (host !== 'localhost' && ipFamily(host) === 0) return undefined
  return {host, port: n}
}
