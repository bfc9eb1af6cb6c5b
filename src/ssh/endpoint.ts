/**
 * When two targets are the same device: the same address and SSH port, reached the same way. Used to
 * refuse a changing command that lists one switch twice (`127.0.0.1`, `localhost`, an ssh_config alias).
 *
 * Decision: a target's host is looked up with the system resolver (node:dns `lookup`, all addresses,
 * as the connection itself would), and two targets are the same when they share an address and
 * port: `localhost` (127.0.0.1 and ::1) is the same as `127.0.0.1`. A name that does not resolve
 * compares by name (case-insensitive); the connection will report it. Behind jump hosts or a
 * ProxyCommand the name is resolved at the far end, so it is not looked up here: the path (each
 * hop's address:port, or the command) is part of the identity and the name compares as written.
 */
import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'
import type {ResolvedTarget} from './types.js'

/** All the addresses a host name stands for (a literal address: itself). */
export type LookupAll = (host: string) => Promise<string[]>

const systemLookup: LookupAll = async (host) => (await lookup(host, {all: true})).map((a) => a.address)

/** The keys under which `target` is a device: `path|address:port`, one per address. Two targets sharing a key are the same device. */
export async function endpointKeys(
  target: Pick<ResolvedTarget, 'host' | 'port' | 'jumps' | 'proxyCommand'>,
  lookupAll: LookupAll = systemLookup,
): Promise<string[]> {
  const hops = target.jumps?.map((j) => `${j.host.toLowerCase()}:${j.port}`) ?? []
  const via = target.proxyCommand !== undefined ? `proxy ${target.proxyCommand}` : hops.join(',')
  const name = target.host.toLowerCase()
  let addresses = [name]
  if (via === '' && isIP(target.host) === 0) {
    try {
      const found = await lookupAll(target.host)
      if (found.length > 0) addresses = found
    } catch {
      // does not resolve here: compared by name
    }
  }
  return [...new Set(addresses)].map((a) => `${via}|${a}:${target.port}`)
}
