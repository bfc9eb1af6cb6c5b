/**
 * Resolve a destination through one ssh_config file as OpenSSH 9.2 (Debian 12) `ssh` does
 * (readconf.c + ssh.c main): Host/Match blocks, first value wins (IdentityFile accumulates),
 * Include (relative to ~/.ssh, globs, nesting up to depth 16, parse-only inside a block that does
 * not apply), the final pass (Match final/canonical; CanonicalizeHostname), tokens and `~`.
 * Which keywords are honoured, ignored or refused: ./directives.ts.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync, statSync} from 'node:fs'
import {isIP} from 'node:net'
import {hostname as osHostname} from 'node:os'
import {isAbsolute} from 'node:path'
import {assembleAlgorithms, invalidAlgorithmName, type AlgorithmKind} from './algorithms.js'
import {keywordClass, REFUSED} from './directives.js'
import {convtime, ExpandError, expandTilde, expandTokens, type Tokens} from './expand.js'
import {LexError, splitLine, strdelim} from './lexer.js'
import {globPaths, matchHostname, matchPattern, matchPatternList} from './patterns.js'

/** A config problem, with where it is and what to do. The caller wraps it in its own error type. */
export class SshConfigError extends Error {
  constructor(
    message: string,
    readonly where: string | undefined,
    readonly suggestion: string,
  ) {
    super(where === undefined ? message : `${where}: ${message}`)
  }
}

export interface ResolveContext {
  /** The user's home directory (the passwd entry: `~`, `%d`). */
  homeDir: string
  /** Home for `Include`'s `~` and relative paths (glob(3) reads $HOME); default homeDir. */
  includeHomeDir?: string
  /** Local user name (`%u`, Match localuser, the default User). */
  localUser: string
  /** Local uid (`%i`, ownership check of included files); default process.getuid(). */
  uid?: number
  /** Local host name (`%l`, `%L`, `%C`); default os.hostname(). */
  localHostName?: string
  /** Environment for `${VAR}`, `IdentityAgent $VAR` and `Match exec`; without it `${VAR}` is an error and exec inherits. */
  env?: Readonly<Record<string, string | undefined>>
  /** Check the main file's owner/mode as ssh does for ~/.ssh/config (not for `ssh -F`). Included files are always checked. */
  checkMainFilePermissions?: boolean
}

export interface ResolveInput {
  /** The destination host as typed (without user@ and port). */
  host: string
  /** `ssh -l` / `user@`: beats User. */
  user?: string
  /** `ssh -p`: beats Port. */
  port?: number
  /** `ssh -J`: beats ProxyJump and ProxyCommand; 'none' = direct. */
  jump?: string
}

/** A value with where it came from (`file:line`, or `command line`). */
interface Src<T> {
  value: T
  origin: string
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask'

export interface SshConfigResult {
  /** The destination as typed (`%n`, Match originalhost). */
  hostArg: string
  /** The host to dial: HostName with %h expanded, lowercased unless an address (ssh.c). */
  hostName: string
  user: string
  port: number
  /** IdentityFile values as written (what `ssh -G` prints) and expanded (`~`, tokens, `${VAR}`); `none` kept raw, no path. */
  identityFiles: {raw: string; path?: string; origin: string}[]
  /** True when the config gave no IdentityFile and ssh's defaults apply. */
  identityFilesDefaulted: boolean
  identitiesOnly: boolean
  /** IdentityAgent expanded (`none` and `SSH_AUTH_SOCK` kept as words). */
  identityAgent?: string
  /** UserKnownHostsFile list, expanded; undefined when the config does not set it. */
  userKnownHostsFiles?: string[]
  strictHostKeyChecking?: StrictHostKeyChecking
  /** ConnectTimeout in seconds. */
  connectTimeout?: number
  /** ProxyJump as ssh -G prints it (after `none` is cleared). */
  proxyJump?: string
  /** ProxyCommand as written, and expanded (%h %n %p %r %%). */
  proxyCommand?: {raw: string; expanded: string}
  /** Full OpenSSH name lists for the four algorithm keywords, and which of them the config set. */
  algorithms: Record<AlgorithmKind, string[]>
  algorithmsSet: Partial<Record<AlgorithmKind, true>>
  /** Where each honoured value came from, by lowercase keyword. */
  origins: Record<string, string>
}

interface State {
  user?: Src<string>
  port?: Src<number>
  hostName?: Src<string>
  identityFiles: Src<string>[]
  identitiesOnly?: Src<boolean>
  identityAgent?: Src<string>
  userKnownHostsFiles?: Src<string[]>
  strict?: Src<StrictHostKeyChecking>
  connectTimeout?: Src<number>
  jump?: Src<string>
  proxyCommand?: Src<string>
  algorithms: Partial<Record<AlgorithmKind, Src<string>>>
  ignoreUnknown?: string
  canonicalize?: Src<'no' | 'yes' | 'always'>
  canonicalDomains?: Src<string[]>
  canonicalMaxDots?: Src<number>
  permittedCnames?: Src<string[]>
  /** First active value of each refused keyword. */
  refused: Map<string, Src<string>>
  certificateFiles: Src<string>[]
}

interface Pass {
  /** What Host lines match: the typed host (first pass) or the resolved name (final pass). */
  host: string
  originalHost: string
  final: boolean
  wantFinal: boolean
}

const MAX_INCLUDE_DEPTH = 16
const FLAGS: Record<string, boolean> = {yes: true, true: true, no: false, false: false}
const STRICT: Record<string, StrictHostKeyChecking> = {
  yes: 'yes',
  true: 'yes',
  no: 'no',
  false: 'no',
  off: 'no',
  ask: 'ask',
  'accept-new': 'accept-new',
}
const CANON: Record<string, 'no' | 'yes' | 'always'> = {yes: 'yes', true: 'yes', no: 'no', false: 'no', always: 'always'}

function fail(where: string, message: string, suggestion: string): never {
  throw new SshConfigError(message, where, suggestion)
}

/** misc.c `a2port`: 1..65535 or undefined. */
function toPort(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined
  const n = Number(s)
  return n >= 1 && n <= 65535 ? n : undefined
}

/** misc.c `parse_user_host_port` / `parse_uri("ssh", ...)` for one ProxyJump/-J hop. */
export function parseHop(spec: string): {user?: string; host: string; port?: number} | undefined {
  if (/^ssh:\/\//i.test(spec)) {
    const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?\/?$/i.exec(spec)
    if (m === null) return undefined
    const host = (m[2] ?? '').replace(/^\[(.*)\]$/, '$1')
    if (host === '') return undefined
    const out: {user?: string; host: string; port?: number} = {host}
    if (m[1] !== undefined && m[1] !== '') out.user = decodeURIComponent(m[1])
    if (m[3] !== undefined) {
      const p = toPort(m[3])
      if (p === undefined) return undefined
      out.port = p
    }
    return out
  }
  const at = spec.lastIndexOf('@')
  const user = at === -1 ? undefined : spec.slice(0, at)
  let hostPort = at === -1 ? spec : spec.slice(at + 1)
  if (user === '') return undefined
  let port: number | undefined
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    if (close === -1) return undefined
    const after = hostPort.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) return undefined
      port = toPort(after.slice(1))
      if (port === undefined) return undefined
    }
    hostPort = hostPort.slice(1, close)
  } else {
    const colon = hostPort.indexOf(':')
    if (colon !== -1) {
      port = toPort(hostPort.slice(colon + 1))
      if (port === undefined) return undefined
      hostPort = hostPort.slice(0, colon)
    }
  }
  if (hostPort === '') return undefined
  const out: {user?: string; host: string; port?: number} = {host: hostPort}
  if (user !== undefined) out.user = user
  if (port !== undefined) out.port = port
  return out
}

/** Split a ProxyJump/-J value into hops, first hop first; undefined when a hop is malformed. */
export function parseJumpList(value: string): {user?: string; host: string; port?: number}[] | undefined {
  const hops = value.split(',').map((h) => parseHop(h.trim()))
  return hops.every((h) => h !== undefined) ? hops : undefined
}

class Reader {
  constructor(
    private readonly ctx: ResolveContext,
    private readonly state: State,
  ) {}

  private get includeHome(): string {
    return this.ctx.includeHomeDir ?? this.ctx.homeDir
  }

  /** Read one file; false when it does not exist. */
  readFile(file: string, pass: Pass, depth: number, active: {value: boolean}, neverMatch: boolean, checkPerm: boolean): boolean {
    if (depth > MAX_INCLUDE_DEPTH) fail(file, 'too many recursive configuration includes (ssh stops at 16)', 'remove the Include loop')
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
      if ((e as NodeJS.ErrnoException).code === 'EISDIR') return true
      fail(file, `cannot read: ${(e as Error).message}`, 'check the file permissions')
    }
    if (checkPerm) {
      const st = statSync(file)
      const uid = this.ctx.uid ?? process.getuid?.() ?? 0
      if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
        fail(file, 'bad owner or permissions (ssh refuses a config file others can write)', `chmod go-w ${file}`)
      }
    }
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) this.line(lines[i] ?? '', `${file}:${i + 1}`, pass, depth, active, neverMatch)
    return true
  }

  private line(raw: string, where: string, pass: Pass, depth: number, active: {value: boolean}, neverMatch: boolean): void {
    let parsed
    try {
      parsed = splitLine(raw)
    } catch (e) {
      if (e instanceof LexError) fail(where, e.message, 'close the quote or remove the line')
      throw e
    }
    if (parsed === undefined) return
    const {keyword, rest, args} = parsed
    const cls = keywordClass(keyword)
    if (cls === undefined) {
      if (this.state.ignoreUnknown !== undefined && matchPatternList(keyword, this.state.ignoreUnknown, true) === 1) return
      fail(
        where,
        `Bad configuration option: ${keyword} (ssh rejects it too)`,
        `fix the spelling, or list it in IgnoreUnknown before this line`,
      )
    }
    const on = active.value
    const s = this.state
    const first = args[0]
    const one = (): string => {
      if (first === undefined || first === '') fail(where, `${keyword}: missing argument`, `give ${keyword} a value`)
      if (args.length > 1) fail(where, `${keyword}: extra arguments at end of line`, 'quote a value that contains spaces')
      return first
    }
    switch (keyword) {
      case 'host':
        this.hostLine(args, where, pass, active, neverMatch)
        return
      case 'match': {
        const value = this.matchLine(rest, where, pass)
        active.value = neverMatch ? false : value
        return
      }
      case 'include':
        this.include(args, where, pass, depth, active)
        return
      case 'ignoreunknown':
        if (on && s.ignoreUnknown === undefined) s.ignoreUnknown = one()
        return
      case 'hostname':
        if (on && s.hostName === undefined) s.hostName = {value: one(), origin: where}
        else one()
        return
      case 'user':
        if (on && s.user === undefined) s.user = {value: one(), origin: where}
        else one()
        return
      case 'port': {
        const p = toPort(one())
        if (p === undefined) fail(where, `Bad port '${one()}'`, 'use a port between 1 and 65535')
        if (on && s.port === undefined) s.port = {value: p, origin: where}
        return
      }
      case 'identityfile':
      case 'identityfile2': {
        const f = one()
        if (on && !s.identityFiles.some((x) => x.value === f)) s.identityFiles.push({value: f, origin: where})
        return
      }
      case 'certificatefile': {
        const f = one()
        if (on) s.certificateFiles.push({value: f, origin: where})
        return
      }
      case 'identitiesonly': {
        const v = FLAGS[one().toLowerCase()]
        if (v === undefined) fail(where, `IdentitiesOnly: unsupported option "${one()}"`, 'use yes or no')
        if (on && s.identitiesOnly === undefined) s.identitiesOnly = {value: v, origin: where}
        return
      }
      case 'identityagent': {
        const v = one()
        if (v.startsWith('$') && !v.startsWith('${') && !/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
          fail(where, `Invalid environment name ${v}`, 'use $NAME or ${NAME}')
        }
        if (on && s.identityAgent === undefined) s.identityAgent = {value: v, origin: where}
        return
      }
      case 'userknownhostsfile': {
        if (args.some((a) => a === '')) fail(where, 'UserKnownHostsFile: empty argument', 'remove the empty quotes')
        if (args.slice(1).some((a) => a.toLowerCase() === 'none'))
          fail(where, 'UserKnownHostsFile: "none" only in first position', 'use none alone')
        if (on && s.userKnownHostsFiles === undefined) s.userKnownHostsFiles = {value: args, origin: where}
        return
      }
      case 'stricthostkeychecking': {
        const v = STRICT[one().toLowerCase()]
        if (v === undefined) fail(where, `StrictHostKeyChecking: unsupported option "${one()}"`, 'use yes, accept-new, no/off or ask')
        if (on && s.strict === undefined) s.strict = {value: v, origin: where}
        return
      }
      case 'connecttimeout': {
        const raw = one()
        const v = raw === 'none' ? null : convtime(raw)
        if (v === undefined) fail(where, `ConnectTimeout: invalid time value "${raw}"`, 'use seconds (30) or a time like 1m30s')
        // `none` is ssh's "unset" (-1): a later block may still set it
        if (on && s.connectTimeout === undefined && v !== null) s.connectTimeout = {value: v, origin: where}
        return
      }
      case 'proxyjump': {
        const value = rest.replace(/^[\s=]+/, '')
        this.proxyJump(value, where, on)
        return
      }
      case 'proxycommand': {
        const value = rest.replace(/^[\s=]+/, '')
        if (on && s.proxyCommand === undefined) s.proxyCommand = {value, origin: where}
        return
      }
      case 'hostkeyalgorithms':
      case 'kexalgorithms':
      case 'ciphers':
      case 'macs': {
        const v = one()
        const bad = invalidAlgorithmName(keyword, v)
        if (bad !== undefined)
          fail(where, `${keyword}: bad algorithm name '${bad}' in '${v}'`, `see \`ssh -Q ${queryName(keyword)}\` for the names`)
        if (on && s.algorithms[keyword] === undefined) s.algorithms[keyword] = {value: v, origin: where}
        return
      }
      case 'canonicalizehostname': {
        const v = CANON[one().toLowerCase()]
        if (v === undefined) fail(where, `CanonicalizeHostname: unsupported option "${one()}"`, 'use yes, no or always')
        if (on && s.canonicalize === undefined) s.canonicalize = {value: v, origin: where}
        return
      }
      case 'canonicaldomains':
        if (on && s.canonicalDomains === undefined) s.canonicalDomains = {value: args, origin: where}
        return
      case 'canonicalizemaxdots': {
        const n = Number(one())
        if (!Number.isInteger(n)) fail(where, `CanonicalizeMaxDots: integer value expected`, 'use a number')
        if (on && s.canonicalMaxDots === undefined) s.canonicalMaxDots = {value: n, origin: where}
        return
      }
      case 'canonicalizepermittedcnames':
        if (on && s.permittedCnames === undefined) s.permittedCnames = {value: args, origin: where}
        return
      default:
        break
    }
    if (cls === 'refused' && on && !s.refused.has(keyword)) s.refused.set(keyword, {value: rest, origin: where})
  }

  private hostLine(args: string[], where: string, pass: Pass, active: {value: boolean}, neverMatch: boolean): void {
    active.value = false
    for (const arg of args) {
      if (arg === '') fail(where, 'Host: empty argument', 'remove the empty quotes')
      if (neverMatch) return
      const negated = arg.startsWith('!')
      if (matchPattern(pass.host, negated ? arg.slice(1) : arg)) {
        if (negated) {
          active.value = false
          return
        }
        active.value = true
      }
    }
  }

  /** readconf.c `match_cfg_line`. */
  private matchLine(rest: string, where: string, pass: Pass): boolean {
    const s = this.state
    const port = s.port?.value ?? 22
    const ruser = s.user?.value ?? this.ctx.localUser
    let host: string
    if (pass.final) host = s.hostName?.value ?? pass.host
    else if (s.hostName !== undefined) host = this.expand(s.hostName.value, {h: pass.host}, where, 'HostName')
    else host = pass.host
    const words: string[] = []
    let pos = 0
    for (;;) {
      let w
      try {
        w = strdelim(rest, pos)
      } catch {
        fail(where, 'Match: unclosed quote', 'close the quote')
      }
      if (w === undefined) break
      pos = w.next
      if (w.word === '' && pos >= rest.length) break
      words.push(w.word)
    }
    let result = true
    let attributes = 0
    for (let i = 0; i < words.length; i++) {
      const oattrib = words[i] ?? ''
      if (oattrib.startsWith('#')) break
      const negate = oattrib.startsWith('!')
      const attrib = (negate ? oattrib.slice(1) : oattrib).toLowerCase()
      if (attrib === 'all') {
        const next = words[i + 1]
        if (attributes > 1 || (next !== undefined && next !== '' && !next.startsWith('#'))) {
          fail(where, `Match: '${oattrib}' cannot be combined with other Match attributes`, 'use Match all alone')
        }
        return result ? !negate : false
      }
      attributes++
      if (attrib === 'canonical' || attrib === 'final') {
        if (attrib === 'final') pass.wantFinal = true
        if (pass.final === negate) result = false
        continue
      }
      const arg = words[++i]
      if (arg === undefined || arg === '' || arg.startsWith('#'))
        fail(where, `Missing Match criteria for ${attrib}`, `give ${attrib} a pattern`)
      let r: boolean
      switch (attrib) {
        case 'host':
          r = matchHostname(host, arg)
          break
        case 'originalhost':
          r = matchHostname(pass.originalHost, arg)
          break
        case 'user':
          r = matchPatternList(ruser, arg, false) === 1
          break
        case 'localuser':
          r = matchPatternList(this.ctx.localUser, arg, false) === 1
          break
        case 'exec': {
          const cmd = this.expand(arg, this.execTokens(host, String(port), ruser, pass.originalHost), where, 'Match exec')
          if (!result) continue // ssh skips the command once an earlier criterion failed
          r = this.exec(cmd, where)
          break
        }
        default:
          fail(where, `Unsupported Match attribute ${attrib}`, 'use host, originalhost, user, localuser, exec, canonical, final or all')
      }
      if (r === negate) result = false
    }
    if (attributes === 0) fail(where, 'One or more attributes required for Match', 'e.g. Match host sw-*')
    return result
  }

  private execTokens(host: string, port: string, ruser: string, originalHost: string): Tokens {
    const thisHost = this.ctx.localHostName ?? osHostname()
    return {
      C: connectionHash(thisHost, host, port, ruser),
      L: thisHost.split('.')[0] ?? thisHost,
      d: this.ctx.homeDir,
      h: host,
      k: host,
      l: thisHost,
      n: originalHost,
      p: port,
      r: ruser,
      u: this.ctx.localUser,
      i: String(this.ctx.uid ?? process.getuid?.() ?? 0),
    }
  }

  /** readconf.c `execute_in_shell`: /bin/sh -c, stdin and stdout on /dev/null, exit 0 = match. */
  private exec(cmd: string, where: string): boolean {
    const r = spawnSync('/bin/sh', ['-c', cmd], {
      stdio: ['ignore', 'ignore', 'inherit'],
      ...(this.ctx.env === undefined ? {} : {env: this.ctx.env}),
    })
    if (r.error !== undefined || r.status === null)
      fail(where, `Match exec '${cmd.slice(0, 100)}' did not exit normally`, 'check the command runs under /bin/sh')
    return r.status === 0
  }

  private expand(value: string, tokens: Tokens, where: string, what: string): string {
    try {
      return expandTokens(value, tokens)
    } catch (e) {
      if (e instanceof ExpandError)
        fail(
          where,
          `${what}: ${e.message}`,
          `${what} accepts ${Object.keys(tokens)
            .map((t) => `%${t}`)
            .join(' ')} and %%`,
        )
      throw e
    }
  }

  private proxyJump(value: string, where: string, on: boolean): void {
    const s = this.state
    if (value.toLowerCase() === 'none') {
      if (on && s.jump === undefined) s.jump = {value: 'none', origin: where}
      return
    }
    const cleaned = value.replace(/#.*$/, '').trimEnd()
    if (parseJumpList(cleaned) === undefined)
      fail(where, `Invalid ProxyJump "${value}"`, 'use [user@]host[:port][,...] or ssh://[user@]host[:port]')
    if (on && s.proxyCommand === undefined && s.jump === undefined) {
      s.jump = {value: cleaned, origin: where}
      s.proxyCommand = {value: 'none', origin: where}
    }
  }

  private include(args: string[], where: string, pass: Pass, depth: number, active: {value: boolean}): void {
    for (const arg of args) {
      if (arg === '') fail(where, 'Include: empty argument', 'remove the empty quotes')
      let path = arg
      if (!isAbsolute(arg) && !arg.startsWith('~')) path = `~/.ssh/${arg}`
      if (path.startsWith('~')) {
        try {
          path = expandTilde(path, this.includeHome, this.ctx.localUser)
        } catch (e) {
          fail(where, `Include: ${(e as Error).message}`, 'use an absolute path')
        }
      }
      const oactive = active.value
      for (const file of globPaths(path)) {
        this.readFile(file, pass, depth + 1, active, !oactive, true)
        active.value = oactive // a Match inside the include does not leak out
      }
    }
  }
}

function queryName(kind: AlgorithmKind): string {
  return {hostkeyalgorithms: 'HostKeyAlgorithms', kexalgorithms: 'kex', ciphers: 'cipher', macs: 'mac'}[kind]
}

/** readconf.c `ssh_connection_hash` (%C): SHA-1 of local host, host, port and user. */
function connectionHash(thisHost: string, host: string, port: string, user: string): string {
  return createHash('sha1').update(thisHost).update(host).update(port).update(user).digest('hex')
}

/** inet_aton(3), which glibc's numeric getaddrinfo accepts: `127.1`, `10.1.2`, `0x7f.1`, octal parts. */
function inetAton(s: string): string | undefined {
  const parts = s.split('.')
  if (parts.length < 1 || parts.length > 4) return undefined
  const nums: number[] = []
  for (const p of parts) {
    let n: number
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16)
    else if (/^0[0-7]*$/.test(p)) n = p.length === 1 ? 0 : parseInt(p.slice(1), 8)
    else if (/^[1-9][0-9]*$/.test(p)) n = Number(p)
    else return undefined
    nums.push(n)
  }
  const last = nums.pop() ?? 0
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined
  const value = nums.reduce((acc, n, k) => acc + n * 2 ** (8 * (3 - k)), 0) + last
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** inet_ntop(3) for IPv6 as glibc writes it (RFC 5952 compression, `::ffff:a.b.c.d` and `::a.b.c.d` kept dotted). */
function inetNtop6(bare: string): string | undefined {
  let compressed: string
  try {
    compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
  const [head = '', tail] = compressed.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === undefined || tail === '' ? [] : tail.split(':')
  const words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((w) => parseInt(w, 16))
  const w6 = words[6] ?? 0
  const w7 = words[7] ?? 0
  const dotted = `${w6 >> 8}.${w6 & 255}.${w7 >> 8}.${w7 & 255}`
  const zeros5 = words.slice(0, 5).every((w) => w === 0)
  if (zeros5 && words[5] === 0xffff) return `::ffff:${dotted}`
  if (zeros5 && words[5] === 0 && (w6 !== 0 || w7 > 1)) return `::${dotted}`
  return compressed
}

/** ssh.c `resolve_canonicalize` for an address: written back as getnameinfo does, unless that only changes letter case. */
function canonicalAddress(host: string): string {
  if (host.includes('%')) return host // a scoped address depends on local interfaces: left as typed
  const out = isIP(host) === 6 ? inetNtop6(host) : inetAton(host)
  return out === undefined || out.toLowerCase() === host.toLowerCase() ? host : out
}

/** ssh.c `ssh_valid_hostname` (Debian 12 backport): what a destination typed on the command line may contain. */
function validHostName(s: string): boolean {
  return s !== '' && !s.startsWith('-') && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(s)
}

/** ssh.c `ssh_valid_ruser`: what a user name typed on the command line may contain. */
function validUserName(s: string): boolean {
  return !s.startsWith('-') && !/['`";&<>|(){}\x00-\x1f\x7f]/.test(s) && !/\s-/.test(s) && !s.endsWith('\\')
}

function isAddrFast(name: string): boolean {
  return name.includes('%') || name.includes(':') || /^[0-9.]*$/.test(name)
}

/**
 * Resolve `input` through `configFile` (missing file: nothing set). Throws SshConfigError for
 * what ssh would reject and for what netops refuses.
 */
export function resolveSshConfig(configFile: string | undefined, input: ResolveInput, ctx: ResolveContext): SshConfigResult {
  if (!validHostName(input.host))
    throw new SshConfigError(
      `host "${input.host}" contains characters ssh refuses in a host name`,
      undefined,
      'pass a host name, address or ssh_config alias',
    )
  if (input.user !== undefined && !validUserName(input.user)) {
    throw new SshConfigError(`user name "${input.user}" contains characters ssh refuses`, undefined, 'pass a plain user name')
  }
  const state: State = {identityFiles: [], algorithms: {}, refused: new Map(), certificateFiles: []}
  if (input.user !== undefined) state.user = {value: input.user, origin: 'command line'}
  if (input.port !== undefined) state.port = {value: input.port, origin: 'command line'}
  if (input.jump !== undefined) {
    // the contract of --jump: it beats ProxyJump and ProxyCommand; 'none' connects directly
    state.jump = {value: input.jump, origin: 'command line'}
    state.proxyCommand = {value: 'none', origin: 'command line'}
  }
  const reader = new Reader(ctx, state)
  const pass: Pass = {host: input.host, originalHost: input.host, final: false, wantFinal: false}
  if (configFile !== undefined) reader.readFile(configFile, pass, 0, {value: true}, false, ctx.checkMainFilePermissions ?? false)

  // ssh.c: HostName takes effect, names are lowercased, addresses canonicalised
  let host = input.host
  if (state.hostName !== undefined) host = expandHostName(state.hostName, input.host)
  const wasAddr = isAddrFast(host) || isIP(host) !== 0 || inetAton(host) !== undefined
  if (!wasAddr) host = host.toLowerCase()
  else host = canonicalAddress(host)
  const canonicalize = state.canonicalize?.value ?? 'no'
  if (canonicalize !== 'no' && !wasAddr) refuseDnsCanonicalization(state, host)
  if (configFile !== undefined && (pass.wantFinal || canonicalize !== 'no')) {
    state.hostName = {value: host, origin: state.hostName?.origin ?? 'final pass'}
    const finalPass: Pass = {host, originalHost: input.host, final: true, wantFinal: false}
    reader.readFile(configFile, finalPass, 0, {value: true}, false, ctx.checkMainFilePermissions ?? false)
  }

  refuseWhatNetopsCannotHonour(state)

  const user = state.user?.value ?? ctx.localUser
  const port = state.port?.value ?? 22
  const origins: Record<string, string> = {}
  const note = (k: string, v: Src<unknown> | undefined): void => {
    if (v !== undefined && v.origin !== 'command line' && v.origin !== 'final pass') origins[k] = v.origin
  }
  note('hostname', state.hostName)
  note('user', state.user)
  note('port', state.port)
  note('identitiesonly', state.identitiesOnly)
  note('identityagent', state.identityAgent)
  note('userknownhostsfile', state.userKnownHostsFiles)
  note('stricthostkeychecking', state.strict)
  note('connecttimeout', state.connectTimeout)
  if (state.identityFiles[0] !== undefined) note('identityfile', state.identityFiles[0])

  const thisHost = ctx.localHostName ?? osHostname()
  const tokens: Tokens = {
    C: connectionHash(thisHost, host, String(port), user),
    L: thisHost.split('.')[0] ?? thisHost,
    d: ctx.homeDir,
    h: host,
    i: String(ctx.uid ?? process.getuid?.() ?? 0),
    k: input.host,
    l: thisHost,
    n: input.host,
    p: String(port),
    r: user,
    u: ctx.localUser,
  }
  const pathExpand = (raw: string, origin: string, what: string): string => {
    try {
      return expandTokens(expandTilde(raw, ctx.homeDir, ctx.localUser), tokens, ctx.env ?? {})
    } catch (e) {
      if (e instanceof ExpandError)
        throw new SshConfigError(
          `${what} ${raw}: ${e.message}`,
          origin,
          'use the tokens ssh_config(5) lists for it, and set the variables it names',
        )
      throw e
    }
  }

  const identityFilesDefaulted = state.identityFiles.length === 0
  const identitySources = identityFilesDefaulted
    ? [
        '~/.ssh/id_rsa',
        '~/.ssh/id_ecdsa',
        '~/.ssh/id_ecdsa_sk',
        '~/.ssh/id_ed25519',
        '~/.ssh/id_ed25519_sk',
        '~/.ssh/id_xmss',
        '~/.ssh/id_dsa',
      ].map((value) => ({
        value,
        origin: 'default',
      }))
    : state.identityFiles
  const identityFiles = identitySources.map((f) =>
    f.value.toLowerCase() === 'none'
      ? {raw: f.value, origin: f.origin}
      : {raw: f.value, path: pathExpand(f.value, f.origin, 'IdentityFile'), origin: f.origin},
  )

  const result: SshConfigResult = {
    hostArg: input.host,
    hostName: host,
    user,
    port,
    identityFiles,
    identityFilesDefaulted,
    identitiesOnly: state.identitiesOnly?.value ?? false,
    algorithms: {
      hostkeyalgorithms: [],
      kexalgorithms: [],
      ciphers: [],
      macs: [],
    },
    algorithmsSet: {},
    origins,
  }
  if (state.identityAgent !== undefined) {
    const v = state.identityAgent.value
    let agent = v
    if (v !== 'none' && v !== 'SSH_AUTH_SOCK') {
      if (v.startsWith('$') && !v.startsWith('${')) {
        const val = ctx.env?.[v.slice(1)]
        if (val === undefined)
          throw new SshConfigError(
            `IdentityAgent ${v}: the variable is not set`,
            state.identityAgent.origin,
            `set ${v.slice(1)} or name the socket path`,
          )
        agent = val
      } else agent = pathExpand(v, state.identityAgent.origin, 'IdentityAgent')
    }
    result.identityAgent = agent
  }
  if (state.userKnownHostsFiles !== undefined) {
    const files = state.userKnownHostsFiles.value
    result.userKnownHostsFiles =
      files[0]?.toLowerCase() === 'none'
        ? ['none']
        : files.map((f) => pathExpand(f, state.userKnownHostsFiles?.origin ?? '', 'UserKnownHostsFile'))
  }
  if (state.strict !== undefined) result.strictHostKeyChecking = state.strict.value
  if (state.connectTimeout !== undefined) result.connectTimeout = state.connectTimeout.value

  // ProxyJump / ProxyCommand (readconf.c fill_default_options clears `none`)
  const jump = state.jump?.value
  if (jump !== undefined && jump.toLowerCase() !== 'none') {
    result.proxyJump = formatJump(jump)
    if (state.jump?.origin !== 'command line') note('proxyjump', state.jump)
    const hops = parseJumpList(jump) ?? []
    const last = hops[hops.length - 1]
    if (last !== undefined && last.host === host && (last.port ?? 22) === port && (last.user ?? user) === user) {
      throw new SshConfigError(
        `jumphost loop via ${last.host}`,
        state.jump?.origin,
        'a host cannot be its own jump host: set ProxyJump none in its block',
      )
    }
  } else if (state.proxyCommand !== undefined && state.proxyCommand.value.toLowerCase() !== 'none') {
    const raw = state.proxyCommand.value
    if (raw === '-') {
      throw new SshConfigError(
        'ProxyCommand -: netops cannot use its own stdin/stdout as the connection',
        state.proxyCommand.origin,
        'use a ProxyCommand that relays (e.g. ssh -W %h:%p bastion) or ProxyJump',
      )
    }
    let expanded: string
    try {
      expanded = expandTokens(raw, {h: host, n: input.host, p: String(port), r: user})
    } catch (e) {
      if (e instanceof ExpandError)
        throw new SshConfigError(`ProxyCommand: ${e.message}`, state.proxyCommand.origin, 'ProxyCommand accepts %h %n %p %r and %%')
      throw e
    }
    result.proxyCommand = {raw, expanded}
    note('proxycommand', state.proxyCommand)
  }

  for (const kind of ['hostkeyalgorithms', 'kexalgorithms', 'ciphers', 'macs'] as const) {
    const set = state.algorithms[kind]
    result.algorithms[kind] = assembleAlgorithms(kind, set?.value ?? '')
    if (set !== undefined) {
      result.algorithmsSet[kind] = true
      note(kind, set)
    }
  }
  return result
}

/** The refused directives (./directives.ts) whose effective value is not the harmless one. */
function refuseWhatNetopsCannotHonour(state: State): void {
  for (const [keyword, v] of state.refused) {
    const rule = REFUSED[keyword]
    if (rule === undefined) continue
    const first = (v.value.split(/\s+/)[0] ?? '').replace(/^=/, '').toLowerCase()
    if (rule.harmless?.includes(first) === true) continue
    throw new SshConfigError(`${keyword} ${v.value}: ${rule.why}`, v.origin, rule.fix)
  }
  const cert = state.certificateFiles[0]
  if (cert !== undefined) {
    const rule = REFUSED['certificatefile']
    throw new SshConfigError(`CertificateFile ${cert.value}: ${rule?.why ?? ''}`, cert.origin, rule?.fix ?? '')
  }
}

function expandHostName(v: Src<string>, hostArg: string): string {
  try {
    return expandTokens(v.value, {h: hostArg})
  } catch (e) {
    if (e instanceof ExpandError) throw new SshConfigError(`HostName: ${e.message}`, v.origin, 'HostName accepts only %h and %%')
    throw e
  }
}

/** ssh.c `resolve_canonicalize` would ask DNS: netops does not, so it refuses instead of guessing. */
function refuseDnsCanonicalization(state: State, host: string): void {
  const c = state.canonicalize
  if (c === undefined) return
  const direct = state.jump === undefined || state.jump.value === 'none'
  const viaProxy = !direct || (state.proxyCommand !== undefined && state.proxyCommand.value.toLowerCase() !== 'none')
  if (viaProxy && c.value !== 'always') return
  const cnames = state.permittedCnames?.value ?? []
  const domains = (state.canonicalDomains?.value ?? []).filter((d) => d.toLowerCase() !== 'none')
  const dots = (host.match(/\./g) ?? []).length
  const needsDns =
    host.endsWith('.') ||
    (domains.length > 0 && dots <= (state.canonicalMaxDots?.value ?? 1)) ||
    (cnames.length > 0 && cnames[0]?.toLowerCase() !== 'none')
  if (needsDns) {
    throw new SshConfigError(
      `CanonicalizeHostname ${c.value}: canonicalising "${host}" needs DNS lookups netops does not do`,
      c.origin,
      'write the full name in HostName (or remove CanonicalizeHostname/CanonicalDomains for this host)',
    )
  }
}

/** readconf.c dump_client_config: the ProxyJump as `ssh -G` prints it (numeric last hop in brackets). */
function formatJump(value: string): string {
  const comma = value.lastIndexOf(',')
  const extra = comma === -1 ? '' : value.slice(0, comma + 1)
  const last = parseHop(value.slice(comma + 1).trim())
  if (last === undefined) return value
  const numeric = last.host.includes(':') || /^[0-9.]+$/.test(last.host)
  const h = numeric ? `[${last.host}]` : last.host
  return `${extra}${last.user === undefined ? '' : `${last.user}@`}${h}${last.port === undefined ? '' : `:${last.port}`}`
}
