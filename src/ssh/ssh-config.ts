/**
 * ssh_config support lives in ./config/ (lexer, patterns, expansions, algorithms, directives,
 * resolver: OpenSSH 9.2 semantics). This module keeps the pattern-list helpers that known_hosts
 * matching shares with it.
 */
import {matchPattern} from './config/patterns.js'

/** OpenSSH-style wildcard match (`*`, `?`), case-insensitive (as match_hostname). */
export function wildcardMatch(pattern: string, value: string): boolean {
  return matchPattern(value.toLowerCase(), pattern.toLowerCase())
}

/**
 * Does a pattern list (the comma list of a known_hosts line, already split) match? Any matching
 * negated pattern rejects; otherwise any matching positive pattern accepts (match.c match_pattern_list).
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
