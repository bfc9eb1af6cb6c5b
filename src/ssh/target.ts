/**
 * Merge what the user asked for with ~/.ssh/config and defaults into a ResolvedTarget.
 * Precedence: explicit option > ssh_config (first value wins, resolved as OpenSSH 9.2 does:
 * ./config/resolver.ts) > default.
 *
 * `--host` takes what ssh users type: `host`, `user@host`, `host:port`, `[v6addr]:port`,
 * `user@[v6addr]:port`, a bare IPv6 address, and `ssh://[user@]host[:port]`. OpenSSH lets the
 * first of `-l user` / `user@` on its command line win (and `-p` / `ssh://...:port` likewise);
 * netops flags have no order, so a user or port given both ways must agree, or it is refused.
 */
import {existsSync} from 'node:fs'
import {homedir, userInfo} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'
import {InputError} from '../errors.js'
import {toSsh2, type AlgorithmKind} from './config/algorithms.js'
import {
  parseHop,
  parseJumpList,
  resolveSshConfig,
  SshConfigError,
  type SshConfigResult,
  type StrictHostKeyChecking,
} from './config/resolver.js'
import {defaultKnownHostsFile} from './known-hosts.js'
import type {HostKeyPolicy, ResolvedTarget, SshTargetOptions} from './types.js'

const DEFAULT_TIMEOUT_MS = 30_000
/** Longest ProxyJump chain followed (ssh has no limit but loops forever on a cycle). */
const MAX_JUMP_DEPTH = 16

function localUserName(opts: SshTargetOptions): string {
  if (opts.localUser !== undefined && opts.localUser !== '') return opts.localUser
  try {
    return userInfo().username
  } catch {
    return 'root'
  }
}

/** True when `x` already went through resolveTarget. */
export function isResolvedTarget(x: SshTargetOptions | ResolvedTarget): x is ResolvedTarget {
  return 'alias' in x && Array.isArray(x.identityFiles)
}

interface Destination {
  host: string
  user?: string
  port?: number
}

/** Split a `--host` value as ssh users type it (see the file comment). Undefined when malformed. */
export function parseDestination(value: string): Destination | undefined {
  const s = value.trim()
  if (/^ssh:\/\//i.test(s)) return parseHop(s)
  const at = s.lastIndexOf('@')
  const user = at === -1 ? undefined : s.slice(0, at)
  if (user === '') return undefined
  const rest = at === -1 ? s : s.slice(at + 1)
  // a bare IPv6 address has several colons and no port
  if (!rest.startsWith('[') && (rest.match(/:/g) ?? []).length >= 2) {
    return user === undefined ? {host: rest} : {host: rest, user}
  }
  const hop = parseHop(rest)
  if (hop === undefined) return undefined
  return user === undefined ? hop : {...hop, user}
}

/**
 * StrictHostKeyChecking → HostKeyPolicy: `yes` → strict; `accept-new` → accept-new; `no`/`off` → off
 * (ssh then records unknown keys and only warns on a changed one, which is what `off` does);
 * `ask` → strict, because netops never asks about host keys: it refuses the unknown key and says how
 * to accept it, which is ssh's prompt answered "no".
 */
const POLICY: Record<StrictHostKeyChecking, HostKeyPolicy> = {yes: 'strict', 'accept-new': 'accept-new', no: 'off', ask: 'strict'}

const SSH2_KEY: Record<AlgorithmKind, keyof NonNullable<ResolvedTarget['algorithms']>> = {
  hostkeyalgorithms: 'serverHostKey',
  kexalgorithms: 'kex',
  ciphers: 'cipher',
  macs: 'hmac',
}
const KEYWORD_NAME: Record<AlgorithmKind, string> = {
  hostkeyalgorithms: 'HostKeyAlgorithms',
  kexalgorithms: 'KexAlgorithms',
  ciphers: 'Ciphers',
  macs: 'MACs',
}

function configError(e: SshConfigError): InputError {
  return new InputError(`ssh_config: ${e.message}`, {suggestions: [e.suggestion]})
}

function checkedPort(port: number | undefined, label: string): void {
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new InputError(`invalid SSH port ${String(port)} for ${label}`, {suggestions: ['use a port between 1 and 65535']})
  }
}

/** The destination from --host merged with --username/--ssh-port (a contradiction is refused). */
function destinationOf(opts: SshTargetOptions): Destination {
  const typed = opts.host.trim()
  if (typed === '') throw new InputError('no host given', {suggestions: ['pass --host <address or ~/.ssh/config alias>']})
  const dest = parseDestination(typed)
  if (dest === undefined) {
    throw new InputError(`cannot read host "${typed}"`, {
      suggestions: ['use host, user@host, host:port, [v6addr]:port or ssh://user@host:port'],
    })
  }
  if (dest.user !== undefined && opts.username !== undefined && dest.user !== opts.username) {
    throw new InputError(`two users given for ${dest.host}: ${dest.user}@ in --host and --username ${opts.username}`, {
      suggestions: ['give the user once: either user@host or --username'],
    })
  }
  if (dest.port !== undefined && opts.port !== undefined && dest.port !== opts.port) {
    throw new InputError(`two ports given for ${dest.host}: :${dest.port} in --host and --ssh-port ${opts.port}`, {
      suggestions: ['give the port once: either host:port or --ssh-port'],
    })
  }
  const out: Destination = {host: dest.host}
  const user = opts.username ?? dest.user
  const port = opts.port ?? dest.port
  if (user !== undefined) out.user = user
  if (port !== undefined) out.port = port
  return out
}

/** The known_hosts file: --known-hosts, else UserKnownHostsFile (one file: netops reads one), else netops' own. */
function knownHostsOf(opts: SshTargetOptions, cfg: SshConfigResult | undefined, homeDir: string): string {
  if (opts.knownHostsFile !== undefined) return opts.knownHostsFile
  const files = cfg?.userKnownHostsFiles
  if (files === undefined || files[0] === undefined) return defaultKnownHostsFile({configDir: opts.configDir, homeDir})
  if (files[0] === 'none') return '/dev/null'
  const more = files.slice(1).filter((f) => existsSync(f))
  if (more.length > 0) {
    throw new InputError(
      `ssh_config: ${cfg?.origins['userknownhostsfile'] ?? ''}: UserKnownHostsFile lists several existing files; netops checks one`,
      {
        suggestions: [`merge ${more.join(', ')} into ${files[0]}, or pass --known-hosts FILE`],
      },
    )
  }
  return files[0]
}

function algorithmsOf(cfg: SshConfigResult): ResolvedTarget['algorithms'] {
  const out: NonNullable<ResolvedTarget['algorithms']> = {}
  for (const kind of Object.keys(SSH2_KEY) as AlgorithmKind[]) {
    if (cfg.algorithmsSet[kind] !== true) continue
    const {usable, dropped} = toSsh2(kind, cfg.algorithms[kind])
    if (usable.length === 0) {
      throw new InputError(
        `ssh_config: ${cfg.origins[kind] ?? ''}: ${KEYWORD_NAME[kind]} leaves nothing netops (ssh2) can use (${dropped.join(', ') || 'empty list'})`,
        {
          suggestions: [`add an algorithm ssh2 implements to ${KEYWORD_NAME[kind]}, e.g. with ${KEYWORD_NAME[kind]} +name`],
        },
      )
    }
    out[SSH2_KEY[kind]] = usable
  }
  return Object.keys(out).length === 0 ? undefined : out
}

function resolveTargetSync(opts: SshTargetOptions, depth: number): ResolvedTarget {
  const dest = destinationOf(opts)
  const alias = dest.host
  checkedPort(opts.port, alias)
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) {
    throw new InputError(`invalid timeout ${String(opts.timeoutMs)} ms`, {suggestions: ['use a positive --timeout']})
  }
  const homeDir = opts.homeDir ?? homedir()
  const localUser = localUserName(opts)

  let sshConfigFile: string | undefined
  if (opts.sshConfigFile !== null && opts.sshConfigFile !== '') sshConfigFile = opts.sshConfigFile ?? join(homeDir, '.ssh', 'config')
  let cfg: SshConfigResult
  try {
    cfg = resolveSshConfig(
      sshConfigFile,
      {
        host: dest.host,
        ...(dest.user === undefined ? {} : {user: dest.user}),
        ...(dest.port === undefined ? {} : {port: dest.port}),
        ...(opts.jump === undefined ? {} : {jump: opts.jump}),
      },
      {homeDir, localUser, ...(opts.env === undefined ? {} : {env: opts.env}), checkMainFilePermissions: opts.sshConfigFile === undefined},
    )
  } catch (e) {
    if (e instanceof SshConfigError) throw configError(e)
    throw e
  }
  const useConfig = sshConfigFile !== undefined

  const identityFiles: string[] = []
  if (opts.identityFile !== undefined && opts.identityFile !== '') {
    const explicit = isAbsolute(opts.identityFile) ? opts.identityFile : resolve(opts.identityFile)
    if (!existsSync(explicit)) {
      throw new InputError(`identity file ${explicit} does not exist`, {suggestions: ['check the --identity-file path']})
    }
    identityFiles.push(explicit)
  }
  // ssh adds its default key files only when neither -i nor IdentityFile named one
  if (useConfig && !(cfg.identityFilesDefaulted && identityFiles.length > 0)) {
    for (const f of cfg.identityFiles) {
      // like OpenSSH: IdentityFile entries (and its default key files) that do not exist are skipped quietly
      if (f.path !== undefined && !identityFiles.includes(f.path) && existsSync(f.path)) identityFiles.push(f.path)
    }
  }

  const strict = useConfig ? cfg.strictHostKeyChecking : undefined
  const target: ResolvedTarget = {
    alias,
    host: cfg.hostName,
    port: cfg.port,
    username: cfg.user,
    identityFiles,
    hostKeyPolicy: opts.hostKeyPolicy ?? (strict === undefined ? 'accept-new' : POLICY[strict]),
    knownHostsFile: knownHostsOf(opts, useConfig ? cfg : undefined, homeDir),
    legacySsh: opts.legacySsh ?? false,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  }
  if (opts.password !== undefined) target.password = opts.password
  if (opts.passphrase !== undefined) target.passphrase = opts.passphrase
  // IdentityAgent beats the environment's SSH_AUTH_SOCK (which is what opts.agentSocket carries)
  const agent =
    cfg.identityAgent === undefined || cfg.identityAgent === 'SSH_AUTH_SOCK'
      ? opts.agentSocket
      : cfg.identityAgent === 'none'
        ? undefined
        : cfg.identityAgent
  if (agent !== undefined && agent !== '') target.agentSocket = agent
  if (sshConfigFile !== undefined) target.sshConfigFile = sshConfigFile
  if (opts.askSecret !== undefined) target.askSecret = opts.askSecret
  if (cfg.identitiesOnly) target.identitiesOnly = true
  if (cfg.connectTimeout !== undefined) target.connectTimeoutMs = cfg.connectTimeout * 1000
  const algorithms = algorithmsOf(cfg)
  if (algorithms !== undefined) target.algorithms = algorithms
  if (Object.keys(cfg.origins).length > 0) target.origins = cfg.origins
  if (cfg.proxyCommand !== undefined) target.proxyCommand = cfg.proxyCommand.expanded
  if (cfg.proxyJump !== undefined) target.jumps = jumpsOf(cfg.proxyJump, opts, depth, cfg.origins['proxyjump'] ?? '--jump')
  return target
}

/**
 * The hops of a ProxyJump/--jump list, first hop first, flattened as ssh does: ssh reaches hop N
 * with `ssh -J hop1..hopN-1 hopN`, so hops after the first ignore their own ProxyJump/ProxyCommand,
 * while the first hop is resolved like any destination (its own ProxyJump hops go before it; its
 * own ProxyCommand stays on it). Each hop takes its own User/Port/HostName/IdentityFile from
 * ssh_config; `user@` and `:port` in the hop beat those (ssh passes them as -l/-p). The target's
 * --username, --ssh-port, --identity-file, --password and --identity-passphrase are not the hop's.
 */
function jumpsOf(spec: string, opts: SshTargetOptions, depth: number, origin: string): ResolvedTarget[] {
  if (depth >= MAX_JUMP_DEPTH) {
    throw new InputError(`ProxyJump chain longer than ${MAX_JUMP_DEPTH} hops at ${origin} (a loop?)`, {
      suggestions: ["set ProxyJump none in the bastion's own Host block"],
    })
  }
  const hops = parseJumpList(spec)
  if (hops === undefined)
    throw new InputError(`invalid jump list "${spec}" (${origin})`, {suggestions: ['use [user@]host[:port][,...] as ssh -J takes it']})
  const out: ResolvedTarget[] = []
  hops.forEach((hop, i) => {
    const hopOpts: SshTargetOptions = {...inheritedByHops(opts), host: hop.host.includes(':') ? `[${hop.host}]` : hop.host}
    if (hop.user !== undefined) hopOpts.username = hop.user
    if (hop.port !== undefined) hopOpts.port = hop.port
    if (i > 0) hopOpts.jump = 'none'
    const t = resolveTargetSync(hopOpts, depth + 1)
    if (t.jumps !== undefined) {
      out.push(...t.jumps)
      delete t.jumps
    }
    out.push(t)
  })
  return out
}

/** What a hop takes over from the target's options: policies, files, environment; not user, port, keys or secrets. */
function inheritedByHops(opts: SshTargetOptions): Omit<SshTargetOptions, 'host'> {
  const out: Omit<SshTargetOptions, 'host'> = {}
  if (opts.hostKeyPolicy !== undefined) out.hostKeyPolicy = opts.hostKeyPolicy
  if (opts.knownHostsFile !== undefined) out.knownHostsFile = opts.knownHostsFile
  if (opts.legacySsh !== undefined) out.legacySsh = opts.legacySsh
  if (opts.timeoutMs !== undefined) out.timeoutMs = opts.timeoutMs
  if (opts.agentSocket !== undefined) out.agentSocket = opts.agentSocket
  if (opts.askSecret !== undefined) out.askSecret = opts.askSecret
  if (opts.homeDir !== undefined) out.homeDir = opts.homeDir
  if (opts.configDir !== undefined) out.configDir = opts.configDir
  if (opts.localUser !== undefined) out.localUser = opts.localUser
  if (opts.env !== undefined) out.env = opts.env
  if (opts.sshConfigFile !== undefined) out.sshConfigFile = opts.sshConfigFile
  return out
}

/** Resolve flags + ~/.ssh/config into the target to dial. Rejects with InputError on bad input. */
export function resolveTarget(opts: SshTargetOptions): Promise<ResolvedTarget> {
  // (an executor's throw becomes the rejection)
  return new Promise((resolve) => resolve(resolveTargetSync(opts, 0)))
}

/** `user@host:port` — how messages name a target (never includes secrets). */
export function targetLabel(t: Pick<ResolvedTarget, 'username' | 'host' | 'port'> & {alias?: string}): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  const via = t.alias !== undefined && t.alias !== t.host ? ` (${t.alias})` : ''
  return `${t.username}@${host}:${t.port}${via}`
}
