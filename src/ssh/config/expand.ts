/** OpenSSH's expansions (misc.c): `%` tokens, `${VAR}`, `~`, and time values (`convtime`). */

export class ExpandError extends Error {}

/** The `%` tokens ssh_config(5) defines; which ones a keyword accepts is decided by the caller. */
export type Tokens = Partial<Record<'C' | 'L' | 'd' | 'h' | 'i' | 'k' | 'l' | 'n' | 'p' | 'r' | 'u', string>>

/**
 * misc.c `percent_dollar_expand`: `%%` is `%`, `%x` is tokens.x (an unknown token is an error, as
 * in ssh), and with `env`, `${NAME}` is the variable (unset is an error).
 */
export function expandTokens(value: string, tokens: Tokens, env?: Readonly<Record<string, string | undefined>>): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i)
    if (env !== undefined && c === '$' && value.charAt(i + 1) === '{') {
      const end = value.indexOf('}', i + 2)
      if (end === -1) throw new ExpandError(`environment variable in "${value}" is missing its closing '}'`)
      const name = value.slice(i + 2, end)
      if (name === '') throw new ExpandError(`zero-length environment variable in "${value}"`)
      const v = env[name]
      if (v === undefined) throw new ExpandError(`environment variable \${${name}} has no value`)
      out += v
      i = end
      continue
    }
    if (c !== '%') {
      out += c
      continue
    }
    const t = value.charAt(++i)
    if (t === '%') out += '%'
    else if (t === '') throw new ExpandError(`"${value}" ends with a lone %`)
    else {
      const v = (tokens as Record<string, string | undefined>)[t]
      if (v === undefined) throw new ExpandError(`unknown token %${t} in "${value}"`)
      out += v
    }
  }
  return out
}

/** misc.c `tilde_expand`: `~` and `~/x` are the home directory (with a `/`); `~user` only for the local user. */
export function expandTilde(path: string, homeDir: string, localUser: string): string {
  if (!path.startsWith('~')) return path
  const slash = path.indexOf('/')
  const user = path.slice(1, slash === -1 ? undefined : slash)
  if (user !== '' && user !== localUser) throw new ExpandError(`cannot expand ~${user}: only the local user's ~ is known`)
  const rest = slash === -1 ? '' : path.slice(slash).replace(/^\/+/, '')
  return `${homeDir}${homeDir.endsWith('/') ? '' : '/'}${rest}`
}

const UNITS: Record<string, number> = {'': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800}

/** misc.c `convtime`: `90`, `1m30s`, `2h`; undefined when invalid. */
export function convtime(s: string): number | undefined {
  if (s === '') return undefined
  let total = 0
  const re = /(\d+)([smhdw]?)/giy
  let m: RegExpExecArray | null
  let pos = 0
  while (pos < s.length) {
    re.lastIndex = pos
    m = re.exec(s)
    if (m === null) return undefined
    const unit = UNITS[(m[2] ?? '').toLowerCase()] ?? 1
    total += Number(m[1]) * unit
    if (total > 2147483647) return undefined
    pos = re.lastIndex
  }
  return total
}
