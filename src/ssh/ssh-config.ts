/**
 * A small, honest subset of OpenSSH client configuration (ssh_config(5)):
 * `Host` blocks with patterns (`*`, `?`, negation `!`, several per line), `Match all`
 * (other `Match` criteria are treated as not matching), `Include` (relative to ~/.ssh, `*`/`?`
 * globs in the file name), and the keywords HostName (`%h`, `%%`), User, Port and IdentityFile
 * (`~`, `%d`, `%u`, `%h`, `%r`, `%%`; several allowed). As in OpenSSH, the first value obtained
 * for a keyword wins, except IdentityFile, which accumulates.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {basename, dirname, isAbsolute, join} from 'node:path'

export interface SshConfigValues {
  hostName?: string
  user?: string
  port?: number
  identityFiles: string[]
}

export interface SshConfigContext {
  /** Home directory for `~` and relative Include paths (`<home>/.ssh/<file>`). */
  homeDir: string
  /** Local user name for `%u`. */
  localUser: string
}

/** Split a config line into keyword + arguments (whitespace or one `=` separates; `"..."` quotes). */
export function tokenizeLine(line: string): string[] {
  const out: string[] = []
  const s = line.trim()
  // keyword, possibly followed by `=`
  const kw = /^([^\s=]+)\s*(?:=\s*|\s+|$)/.exec(s)
  if (kw === null) return out
  out.push(kw[1] ?? '')
  let i = kw[0].length
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++
    if (i >= s.length) break
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1)
      const stop = end === -1 ? s.length : end
      out.push(s.slice(i + 1, stop))
      i = stop + 1
    } else {
      let j = i
      while (j < s.length && !/\s/.test(s[j] ?? '')) j++
      out.push(s.slice(i, j))
      i = j
    }
  }
  return out
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`, 'i')
}

/** OpenSSH-style wildcard match (`*`, `?`), case-insensitive. */
export function wildcardMatch(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value)
}

/**
 * Does a pattern list (`Host a b*.lab !b7.lab`, or the comma list of a known_hosts line) match?
 * Any matching negated pattern rejects; otherwise any matching positive pattern accepts.
 */
export function matchPatternList(patterns: string[], value: string): boolean {
  let positive = false
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), value)) return false
    } else if (wildcardMatch(p, value)) {
      positive = true
    }
  }
  return positive
}

/** Expand `~` and `%` tokens in a path-like value. */
function expandTokens(value: string, tokens: Record<string, string>, homeDir: string): string {
  let v = value
  if (v === '~' || v.startsWith('~/')) v = homeDir + v.slice(1)
  return v.replace(/%(.)/g, (whole, ch: string) => (ch === '%' ? '%' : (tokens[ch] ?? whole)))
}

function expandInclude(arg: string, ctx: SshConfigContext): string[] {
  let path = expandTokens(arg, {d: ctx.homeDir, u: ctx.localUser}, ctx.homeDir)
  if (!isAbsolute(path)) path = join(ctx.homeDir, '.ssh', path) // user config: relative to ~/.ssh
  const name = basename(path)
  if (!/[*?]/.test(name)) return [path]
  const dir = dirname(path)
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const re = globToRegExp(name)
  return entries
    .filter((e) => re.test(e))
    .sort()
    .map((e) => join(dir, e))
}

interface Collected {
  hostName?: string
  user?: string
  port?: string
  identityFiles: string[]
}

function applyText(text: string, alias: string, ctx: SshConfigContext, acc: Collected, depth: number): void {
  let active = true
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const tokens = tokenizeLine(line)
    const keyword = (tokens[0] ?? '').toLowerCase()
    const args = tokens.slice(1)
    if (keyword === 'host') {
      active = matchPatternList(args, alias)
      continue
    }
    if (keyword === 'match') {
      active = args.length === 1 && (args[0] ?? '').toLowerCase() === 'all'
      continue
    }
    if (!active) continue
    const first = args[0]
    if (keyword === 'include') {
      if (depth >= 16) continue // OpenSSH's limit; stops include loops
      for (const arg of args) {
        for (const inc of expandInclude(arg, ctx)) {
          let incText: string
          try {
            incText = readFileSync(inc, 'utf8')
          } catch {
            continue // like OpenSSH: missing include files are ignored
          }
          applyText(incText, alias, ctx, acc, depth + 1)
        }
      }
      continue
    }
    if (first === undefined) continue
    switch (keyword) {
      case 'hostname':
        acc.hostName ??= first
        break
      case 'user':
        acc.user ??= first
        break
      case 'port':
        acc.port ??= first
        break
      case 'identityfile':
        acc.identityFiles.push(first)
        break
      default:
        break
    }
  }
}

/**
 * The values ssh_config gives for `alias`, from the config's `text`. Relative/`~` paths and `%` tokens are expanded; `Port` must be
 * 1..65535 or it is ignored.
 */
export function lookupSshConfig(text: string, alias: string, ctx: SshConfigContext): SshConfigValues {
  const acc: Collected = {identityFiles: []}
  applyText(text, alias, ctx, acc, 0)
  const out: SshConfigValues = {identityFiles: []}
  if (acc.hostName !== undefined) out.hostName = expandTokens(acc.hostName, {h: alias}, ctx.homeDir)
  if (acc.user !== undefined) out.user = acc.user
  if (acc.port !== undefined) {
    const n = Number(acc.port)
    if (Number.isInteger(n) && n >= 1 && n <= 65535) out.port = n
  }
  const remoteUser = out.user ?? ctx.localUser
  const host = out.hostName ?? alias
  out.identityFiles = acc.identityFiles
    .filter((f) => f.toLowerCase() !== 'none')
    .map((f) => expandTokens(f, {d: ctx.homeDir, u: ctx.localUser, h: host, r: remoteUser}, ctx.homeDir))
  return out
}

/** Read and look up a config file; a missing file gives no values. */
export function lookupSshConfigFile(file: string, alias: string, ctx: SshConfigContext): SshConfigValues {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return {identityFiles: []}
  }
  return lookupSshConfig(text, alias, ctx)
}
