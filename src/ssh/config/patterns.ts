/** OpenSSH's pattern matching (match.c) and the glob(3) that `Include` uses. */
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

/** match.c `match_pattern`: `*` and `?`, case-sensitive, the whole string. */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0
  let pi = 0
  let starP = -1
  let starS = 0
  while (si < s.length) {
    const pc = pattern.charAt(pi)
    if (pi < pattern.length && (pc === '?' || pc === s.charAt(si))) {
      si++
      pi++
    } else if (pi < pattern.length && pc === '*') {
      starP = pi++
      starS = si
    } else if (starP !== -1) {
      pi = starP + 1
      si = ++starS
    } else return false
  }
  while (pi < pattern.length && pattern.charAt(pi) === '*') pi++
  return pi === pattern.length
}

/**
 * match.c `match_pattern_list`: a comma-separated list, `!` negates. 1 = a positive pattern
 * matched, -1 = a negated pattern matched (that wins), 0 = none. `lower` lowercases the patterns.
 */
export function matchPatternList(value: string, list: string, lower: boolean): -1 | 0 | 1 {
  let positive = false
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!')
    let p = negated ? raw.slice(1) : raw
    if (lower) p = p.toLowerCase()
    if (matchPattern(value, p)) {
      if (negated) return -1
      positive = true
    }
  }
  return positive ? 1 : 0
}

/** match.c `match_hostname`: the host lowercased against the lowercased list. */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 1
}

/** One glob(3) path component (`*`, `?`, `[...]`); a leading `.` only matches a literal `.`. */
function componentRegExp(component: string): RegExp {
  let re = ''
  for (let i = 0; i < component.length; i++) {
    const c = component.charAt(i)
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const close = component.indexOf(']', i + 2)
      if (close === -1) re += '\\['
      else {
        let body = component.slice(i + 1, close)
        if (body.startsWith('!')) body = '^' + body.slice(1)
        re += `[${body.replace(/\\/g, '\\\\')}]`
        i = close
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

const hasMagic = (s: string): boolean => /[*?[]/.test(s)

/** glob(3) for an absolute path: the existing paths it names, sorted; a path without wildcards is returned as is. */
export function globPaths(path: string): string[] {
  if (!hasMagic(path)) return [path]
  const parts = path.split('/').filter((p, i) => p !== '' || i === 0)
  let current = ['/']
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? ''
    const last = i === parts.length - 1
    const next: string[] = []
    for (const dir of current) {
      if (!hasMagic(part)) {
        next.push(join(dir, part))
        continue
      }
      let entries: string[]
      try {
        entries = readdirSync(dir)
      } catch {
        continue
      }
      const re = componentRegExp(part)
      for (const e of entries.sort()) {
        if (e.startsWith('.') && !part.startsWith('.')) continue
        if (re.test(e)) next.push(join(dir, e))
      }
    }
    current = last ? next : next.filter((p) => isDir(p))
  }
  return current.filter((p) => exists(p)).sort()
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

function exists(p: string): boolean {
  try {
    statSync(p)
    return true
  } catch {
    return false
  }
}
