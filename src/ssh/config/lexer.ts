/**
 * How OpenSSH 9.2 splits an ssh_config line (readconf.c process_config_line_depth):
 * trailing whitespace is stripped, the keyword ends at whitespace or one `=` (`strdelim`), the
 * rest is split by `argv_split` (double and single quotes, `\` escapes, `#` at the start of an
 * argument ends the line). `Match` re-reads the rest with `strdelim` (double quotes only).
 */

export class LexError extends Error {}

const WS = ' \t\r\n'

/**
 * OpenSSH's `strdelim`: the next word of `s` from `pos` (whitespace, or one `=`, separates;
 * a word that starts with `"` runs to the next `"`). Returns the word and where the rest begins,
 * or undefined at the end; throws on an unclosed quote.
 */
export function strdelim(s: string, pos: number): {word: string; next: number} | undefined {
  if (pos >= s.length) return undefined
  let i = pos
  while (i < s.length && !`${WS}"=`.includes(s.charAt(i))) i++
  if (i >= s.length) return {word: s.slice(pos), next: s.length}
  if (s.charAt(i) === '"') {
    const close = s.indexOf('"', i + 1)
    if (close === -1) throw new LexError('unclosed quote')
    // OpenSSH removes the opening quote and ends the word at the closing one
    const word = s.slice(pos, i) + s.slice(i + 1, close)
    let next = close + 1
    while (next < s.length && WS.includes(s.charAt(next))) next++
    return {word, next}
  }
  const sawEquals = s.charAt(i) === '='
  const word = s.slice(pos, i)
  let next = i + 1
  while (next < s.length && WS.includes(s.charAt(next))) next++
  if (!sawEquals && s.charAt(next) === '=') {
    next++
    while (next < s.length && WS.includes(s.charAt(next))) next++
  }
  return {word, next}
}

/** OpenSSH's `argv_split(s, terminate_on_comment=1)`. Throws LexError on an unclosed quote. */
export function argvSplit(s: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < s.length) {
    const c = s.charAt(i)
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '#') break
    let quote = ''
    let arg = ''
    for (; i < s.length; i++) {
      const ch = s.charAt(i)
      const nx = s.charAt(i + 1)
      if (ch === '\\') {
        if (nx === "'" || nx === '"' || nx === '\\' || (quote === '' && nx === ' ')) {
          i++
          arg += nx
        } else arg += ch
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch
      else if (quote !== '' && ch === quote) quote = ''
      else arg += ch
    }
    if (i >= s.length && quote !== '') throw new LexError('unclosed quote')
    out.push(arg)
  }
  return out
}

export interface ConfigLine {
  /** Lowercased keyword. */
  keyword: string
  /** The text after the keyword and its separator (what ProxyCommand and Match read). */
  rest: string
  /** `rest` split as OpenSSH's argv_split does. */
  args: string[]
}

/**
 * One line of an ssh_config file: undefined for blank and comment lines. Throws LexError with
 * OpenSSH's wording for a keyword without argument or unclosed quotes.
 */
export function splitLine(raw: string): ConfigLine | undefined {
  const line = raw.replace(/[ \t\r\n\f]+$/, '')
  if (line === '') return undefined
  let first = strdelim(line, 0)
  if (first === undefined) return undefined
  // leading whitespace gives an empty first word
  if (first.word === '') first = strdelim(line, first.next)
  if (first === undefined || first.word === '' || first.word.startsWith('#')) return undefined
  const keyword = first.word.toLowerCase()
  let p = first.next
  while (p < line.length && WS.includes(line.charAt(p))) p++
  const rest = line.slice(p)
  if (rest === '') throw new LexError(`no argument after keyword "${keyword}"`)
  return {keyword, rest, args: argvSplit(rest)}
}
