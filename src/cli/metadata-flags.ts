/** The flags of `metadata serve` that need parsing: each is checked where oclif reads it, with the usual usage error. */
import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {NAMESPACE_PATTERN, RESERVED_NAMESPACES} from '../metadata/flavors/custom.js'
import {isLoopbackHost} from '../metadata/admin/server.js'
import {CidrSet} from '../metadata/ip.js'
import {parseListen} from '../metadata/net.js'

export interface ListenAddress {
  host: string
  port: number
}

/** A synchronous parse as oclif's async flag parser (BaseCommand takes off oclif's "Parsing --x" frame). */
function usageParse<T>(parse: (input: string) => T): (input: string) => Promise<T> {
  return (input) => new Promise<T>((resolve) => resolve(parse(input)))
}

function listenAddress(flag: string, input: string, example: string): ListenAddress {
  const where = parseListen(input)
  if (!where) throw new UsageError(`--${flag} ${input} is not HOST:PORT`, {suggestions: [example]})
  return where
}

/**
 * A flag default that help shows as `text`: oclif writes defaults into its manifest as JSON, and a
 * static default (not a function) lets `--help` come from the manifest without loading the command.
 */
function shownAs<T extends object>(value: T, text: string): T {
  return Object.defineProperty(value, 'toJSON', {value: () => text, enumerable: false})
}

/** `--listen HOST:PORT`. */
export const listenFlag = (o: {default: string; description: string}) =>
  Flags.custom<ListenAddress>({
    parse: usageParse((input) => listenAddress('listen', input, 'e.g. --listen 0.0.0.0:8807, --listen 127.0.0.1:0 or --listen [::]:8807')),
    default: shownAs(listenAddress('listen', o.default, ''), o.default),
    description: o.description,
  })()

/** `--admin-listen HOST:PORT` or `off` (false). */
export const adminListenFlag = (o: {default: string; description: string}) => {
  const parse = (input: string): ListenAddress | false =>
    input === 'off' ? false : listenAddress('admin-listen', input, 'e.g. --admin-listen 127.0.0.1:8808, or off')
  return Flags.custom<ListenAddress | false>({
    parse: usageParse(parse),
    default: ((d) => (d === false ? d : shownAs(d, o.default)))(parse(o.default)),
    description: o.description,
  })()
}

/** `a` is the address `text` says (e.g. the default admin listener, however it was written). */
export function isAddress(a: ListenAddress | undefined, text: string): boolean {
  const b = parseListen(text)
  return a !== undefined && b !== undefined && a.host === b.host && a.port === b.port
}

/** The admin API must not be reachable by the VMs: loopback only unless explicitly public. */
export function checkAdminListen(admin: ListenAddress, isPublic: boolean): void {
  if (isLoopbackHost(admin.host) || isPublic) return
  const text = `${admin.host.includes(':') ? `[${admin.host}]` : admin.host}:${admin.port}`
  throw new UsageError(`--admin-listen ${text} is not a loopback address: the admin API must not be reachable by the VMs`, {
    suggestions: [
      'use 127.0.0.1:PORT and reach it through SSH (ssh -L 8808:127.0.0.1:8808 host)',
      'or add --admin-listen-public if this address is on a management network the VMs cannot reach',
    ],
  })
}

/** `--namespace NAME`: a custom namespace that clashes with no flavour's paths. */
export const namespaceFlag = (o: {description: string}) =>
  Flags.custom<string>({
    parse: usageParse((ns) => {
      if (NAMESPACE_PATTERN.test(ns) && !RESERVED_NAMESPACES.includes(ns)) return ns
      throw new UsageError(`--namespace ${ns} cannot be used`, {
        suggestions: ['lower-case letters, digits, - and _, starting with a letter; not openstack, nocloud, latest or an EC2 version'],
      })
    }),
    description: o.description,
  })()

/** `--cloudstack-password-port PORT` or `off` (false). */
export const passwordPortFlag = (o: {default: string; description: string}) => {
  const parse = (input: string): number | false => {
    if (input === 'off') return false
    const port = Number(input)
    if (Number.isInteger(port) && port >= 0 && port <= 65535) return port
    throw new UsageError(`--cloudstack-password-port ${input} is not a port`, {suggestions: ['a port number (8080) or off']})
  }
  return Flags.custom<number | false>({
    parse: usageParse(parse),
    default: parse(o.default),
    description: o.description,
  })()
}

/** `--trust-proxy CIDR` (repeatable): each an address or CIDR. */
export const trustProxyFlag = (o: {description: string}) =>
  Flags.custom<string>({
    multiple: true,
    parse: usageParse((cidr) => {
      try {
        new CidrSet([cidr])
      } catch (err) {
        throw new UsageError(`--trust-proxy: ${(err as Error).message}`, {
          suggestions: ['e.g. --trust-proxy 10.0.0.0/24 --trust-proxy 127.0.0.1'],
        })
      }
      return cidr
    }),
    description: o.description,
  })()
