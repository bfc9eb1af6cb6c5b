/**
 * The host side of the metadata service: the rules that send VM traffic for
 * 169.254.169.254:80 to the metadata server. Pure: parses `--to`, picks REDIRECT or DNAT and
 * builds argv arrays (never shell strings) for iptables or nft. Nothing here runs a program.
 *
 * Decisions (see `netops metadata redirect --help`):
 * - IPv4 only: the link-local metadata address is 169.254.169.254. (EC2's IPv6 endpoint
 *   fd00:ec2::254 is not handled.)
 * - REDIRECT when the server runs on this host and listens on all addresses (HOST 0.0.0.0),
 *   on loopback (HOST 127.x: REDIRECT then delivers to the address of the interface the VM
 *   traffic arrives on, so the server must listen there or on 0.0.0.0: a warning says so), or
 *   on the primary address of --bridge (exactly where REDIRECT delivers).
 * - DNAT otherwise: to a remote server, or to another local address (local delivery).
 * - Never DNAT to 127.0.0.0/8: from PREROUTING that needs net.ipv4.conf.<iface>.route_localnet=1,
 *   which makes every 127.0.0.1-only service of the host (the admin listener, sshd on
 *   loopback, ...) routable from the VMs. netops does not set it.
 * - Our rules carry the comment `netops-metadata`; removal touches only those (iptables) or our
 *   own table `ip netops_metadata` (nft).
 */
import {UsageError} from '../../errors.js'
import {isIPv4, isLoopbackV4} from '../ip.js'

export const METADATA_ADDRESS = '169.254.169.254'
export const METADATA_PORT = 80
export const RULE_COMMENT = 'netops-metadata'
export const NFT_FAMILY = 'ip'
export const NFT_TABLE = 'netops_metadata'
const NFT_CHAIN = 'prerouting'
/** Before iptables-nft's nat chains (dstnat = -100), so ours wins. */
const NFT_PRIORITY = 'dstnat - 10'

export type RedirectBackend = 'iptables' | 'nft'
export type RedirectMode = 'redirect' | 'dnat'
export type ModeChoice = 'auto' | RedirectMode

export interface RedirectTarget {
  host: string
  port: number
}

export interface RedirectOptions {
  /** `HOST:PORT` as typed. */
  to: string
  /** Only VM traffic arriving on this interface (the VMs' bridge). */
  bridge?: string
  backend?: RedirectBackend
  mode?: ModeChoice
  /** IPv4 addresses of this host per interface (first = primary), e.g. from os.networkInterfaces(). */
  interfaces?: Record<string, string[]>
}

export interface RedirectPlan {
  backend: RedirectBackend
  /** `HOST:PORT` normalised. */
  to: string
  target: RedirectTarget
  bridge: string | null
  mode: RedirectMode
  /** argv arrays that create the rules, in order. */
  rules: string[][]
  /** argv arrays that remove them again. */
  undo: string[][]
  /** Things the operator must know (the plan works but needs something else to be true). */
  warnings: string[]
  /** Background: what the host must also allow for the redirect to work. */
  notes: string[]
}

/** Linux interface names: at most 15 bytes, no whitespace, `/` or quotes. */
const IFNAME = /^[A-Za-z0-9_.:@+-]{1,15}$/

/** Parse `HOST:PORT` (IPv4 literal only). */
export function parseTarget(to: string): RedirectTarget {
  const trimmed = to.trim()
  if (trimmed.startsWith('[') || (trimmed.match(/:/g)?.length ?? 0) > 1) {
    throw new UsageError(`--to ${to}: metadata redirection is IPv4 only (VMs ask 169.254.169.254)`, {
      suggestions: ["give the server's IPv4 address, e.g. --to 10.0.0.5:8807", "IPv6 (EC2's fd00:ec2::254) is not handled"],
    })
  }
  const m = /^([^:]+):(\d{1,5})$/.exec(trimmed)
  if (!m) {
    throw new UsageError(`--to ${to} is not HOST:PORT`, {
      suggestions: ['e.g. --to 127.0.0.1:8807 (server on this host) or --to 10.0.0.5:8807'],
    })
  }
  const host = m[1]!
  const port = Number(m[2])
  if (!isIPv4(host)) {
    throw new UsageError(`--to ${to}: HOST must be an IPv4 address, not a name`, {
      suggestions: ['iptables/nft resolve a name once, when the rule is added: give the address (e.g. getent ahostsv4 NAME)'],
    })
  }
  if (port < 1 || port > 65535)
    throw new UsageError(`--to ${to}: port ${port} is out of range`, {suggestions: ['a port 1-65535, e.g. 8807']})
  if (host === METADATA_ADDRESS)
    throw new UsageError(`--to ${to} would redirect the metadata address to itself`, {
      suggestions: ['give the address the server listens on'],
    })
  return {host, port}
}

export function validateBridge(bridge: string): string {
  if (!IFNAME.test(bridge)) {
    throw new UsageError(`--bridge ${bridge} is not an interface name`, {
      suggestions: ['an interface name of at most 15 characters, e.g. --bridge br0 or --bridge virbr0'],
    })
  }
  return bridge
}

/** Which target the rule uses; throws on combinations that cannot work. */
export function chooseMode(
  target: RedirectTarget,
  opts: {bridge?: string; mode?: ModeChoice; interfaces?: Record<string, string[]>},
  warnings?: string[],
): RedirectMode {
  const choice = opts.mode ?? 'auto'
  const loopback = isLoopbackV4(target.host)
  const wildcard = target.host === '0.0.0.0'
  const bridgePrimary = opts.bridge === undefined ? undefined : opts.interfaces?.[opts.bridge]?.[0]
  const local = wildcard || loopback || Object.values(opts.interfaces ?? {}).some((a) => a.includes(target.host))
  if (choice === 'dnat' && (loopback || wildcard)) {
    throw new UsageError(`--mode dnat to ${target.host} is refused`, {
      suggestions: [
        'DNAT to 127.0.0.0/8 from PREROUTING needs net.ipv4.conf.<bridge>.route_localnet=1, which exposes every loopback-only service (the admin listener too) to the VMs',
        `let the server listen on 0.0.0.0:${target.port} (or the bridge address) and use REDIRECT: --mode auto`,
      ],
    })
  }
  if (choice === 'redirect' && !local) {
    warnings?.push(
      `${target.host} is not an address of this host: REDIRECT only delivers to the host that has the rule (fine when printing rules for that host; use --mode auto for DNAT to another machine)`,
    )
  }
  if (choice !== 'auto') return choice
  if (wildcard || loopback) return 'redirect'
  if (bridgePrimary !== undefined && bridgePrimary === target.host) return 'redirect'
  return 'dnat'
}

/** The match and target of the iptables rule, in the order `iptables -S` prints them. */
export function iptablesSpec(mode: RedirectMode, target: RedirectTarget, bridge: string | null): string[] {
  return [
    '-d',
    `${METADATA_ADDRESS}/32`,
    ...(bridge === null ? [] : ['-i', bridge]),
    '-p',
    'tcp',
    '-m',
    'tcp',
    '--dport',
    String(METADATA_PORT),
    '-m',
    'comment',
    '--comment',
    RULE_COMMENT,
    ...(mode === 'redirect'
      ? ['-j', 'REDIRECT', '--to-ports', String(target.port)]
      : ['-j', 'DNAT', '--to-destination', `${target.host}:${target.port}`]),
  ]
}

function iptablesAdd(spec: string[]): string[] {
  return ['iptables', '-t', 'nat', '-I', 'PREROUTING', '1', ...spec]
}
export function iptablesCheck(spec: string[]): string[] {
  return ['iptables', '-t', 'nat', '-C', 'PREROUTING', ...spec]
}
export function iptablesDelete(spec: string[], chain = 'PREROUTING'): string[] {
  return ['iptables', '-t', 'nat', '-D', chain, ...spec]
}

/** The nft rule body (after `add rule ip netops_metadata prerouting`). */
function nftRuleExpr(mode: RedirectMode, target: RedirectTarget, bridge: string | null): string[] {
  return [
    ...(bridge === null ? [] : ['iifname', `"${bridge}"`]),
    'ip',
    'daddr',
    METADATA_ADDRESS,
    'tcp',
    'dport',
    String(METADATA_PORT),
    ...(mode === 'redirect' ? ['redirect', 'to', `:${target.port}`] : ['dnat', 'to', `${target.host}:${target.port}`]),
    'comment',
    `"${RULE_COMMENT}"`,
  ]
}

export function nftAddCommands(mode: RedirectMode, target: RedirectTarget, bridge: string | null): string[][] {
  return [
    ['nft', 'add', 'table', NFT_FAMILY, NFT_TABLE],
    ['nft', 'add', 'chain', NFT_FAMILY, NFT_TABLE, NFT_CHAIN, `{ type nat hook prerouting priority ${NFT_PRIORITY}; policy accept; }`],
    ['nft', 'add', 'rule', NFT_FAMILY, NFT_TABLE, NFT_CHAIN, ...nftRuleExpr(mode, target, bridge)],
  ]
}

export const NFT_DELETE_TABLE = ['nft', 'delete', 'table', NFT_FAMILY, NFT_TABLE]

/** Build the plan: mode, argv to add, argv to undo, warnings and notes. Pure. */
export function planRedirect(opts: RedirectOptions): RedirectPlan {
  const target = parseTarget(opts.to)
  const bridge = opts.bridge === undefined ? null : validateBridge(opts.bridge)
  const backend = opts.backend ?? 'iptables'
  const warnings: string[] = []
  const mode = chooseMode(
    target,
    {
      ...(bridge === null ? {} : {bridge}),
      ...(opts.mode ? {mode: opts.mode} : {}),
      ...(opts.interfaces ? {interfaces: opts.interfaces} : {}),
    },
    warnings,
  )
  const spec = iptablesSpec(mode, target, bridge)
  const rules = backend === 'iptables' ? [iptablesAdd(spec)] : nftAddCommands(mode, target, bridge)
  const undo = backend === 'iptables' ? [iptablesDelete(spec)] : [NFT_DELETE_TABLE]
  const notes: string[] = []
  const arrivesOn = bridge === null ? 'the interface the VM traffic arrives on' : bridge
  if (mode === 'redirect') {
    if (target.host !== '0.0.0.0' && isLoopbackV4(target.host)) {
      warnings.push(
        `REDIRECT delivers to the primary address of ${arrivesOn} on port ${target.port}, not to ${target.host}: the server must listen on 0.0.0.0:${target.port} (netops metadata serve's default) or on that address`,
      )
    }
    if (bridge !== null && opts.interfaces !== undefined && (opts.interfaces[bridge]?.length ?? 0) === 0) {
      warnings.push(
        `REDIRECT delivers to the IPv4 address of ${bridge}, and ${bridge} has none on this host: the VMs' requests would be dropped; give ${bridge} an address (or use DNAT to the server's address)`,
      )
    }
    notes.push(`REDIRECT keeps the VM's source address: the server knows each VM by it`)
    notes.push(`the host's INPUT chain must accept tcp port ${target.port} from the VMs`)
    notes.push(
      `no route_localnet: DNAT to 127.0.0.1 would need net.ipv4.conf.<bridge>.route_localnet=1, which exposes loopback-only services to the VMs; netops never sets it`,
    )
  } else {
    const local = Object.values(opts.interfaces ?? {}).some((a) => a.includes(target.host))
    if (local) {
      notes.push(
        `${target.host} is an address of this host: DNAT delivers locally; the INPUT chain must accept tcp port ${target.port} from the VMs`,
      )
    } else {
      notes.push(
        `forwarded to ${target.host}: this host needs net.ipv4.ip_forward=1 and a FORWARD chain that accepts the VMs' traffic to ${target.host}:${target.port} and its replies`,
      )
      notes.push(`no SNAT: the server identifies VMs by source address, so it must route replies to the VM subnet back through this host`)
    }
  }
  if (bridge === null)
    notes.push("no --bridge: the rule matches 169.254.169.254:80 arriving on every interface; --bridge limits it to the VMs' bridge")
  notes.push(`IPv4 only: VMs ask ${METADATA_ADDRESS}`)
  return {backend, to: `${target.host}:${target.port}`, target, bridge, mode, rules, undo, warnings, notes}
}
