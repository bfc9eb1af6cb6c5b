/**
 * Shared text clean-up for every parser: line endings (CRLF, NX-OS `\r\r\n`, stray `\r`), ANSI
 * escapes, trailing whitespace and tabs, a leading prompt / command echo (`sw1# show ...`),
 * IOS `Load for ...` / `Time source is ...` exec-timestamp lines, and a trailing bare prompt.
 */

/** `sw1#`, `sw1>`, `sw1(config-if)#`, `N95_2#`, `PE1# sh errdisable recovery`. */
const PROMPT_RE = /^[A-Za-z0-9][\w.\-:/()@]{0,62}[#>]\s*(\S.*)?$/
const COMMAND_ECHO_RE = /^(?:sh|sho|show)\s+\S/i
const EXEC_TIMESTAMP_RE = /^(?:Load\s+for\s+|Time\s+source\s+is\s+)/i

/** Normalise line endings only (keeps everything else). */
function normalizeNewlines(text: string): string {
  return text.replace(/\r+\n/g, '\n').replace(/\r/g, '\n')
}

function isPromptLine(line: string): boolean {
  const m = PROMPT_RE.exec(line)
  if (!m) return false
  const rest = m[1]
  // A prompt alone, or a prompt followed by a command the operator typed.
  return rest === undefined || /^[a-z]/i.test(rest)
}

/**
 * The output's lines with trailing whitespace removed and the echo/prompt noise stripped from both
 * ends. Interior blank lines are kept (some layouts use them as separators).
 */
export function outputLines(text: string): string[] {
  const clean = normalizeNewlines(text)
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/[^\n]\x08/g, '')
  const lines = clean.split('\n').map((l) => l.trimEnd())
  let start = 0
  while (start < lines.length) {
    const l = lines[start] ?? ''
    if (l.trim() === '' || isPromptLine(l) || COMMAND_ECHO_RE.test(l) || EXEC_TIMESTAMP_RE.test(l)) start++
    else break
  }
  let end = lines.length
  while (end > start) {
    const l = lines[end - 1] ?? ''
    if (l.trim() === '' || PROMPT_RE.test(l)) end--
    else break
  }
  return lines.slice(start, end)
}

/** Column start offsets of the named header words in a header line (case-insensitive). */
export function headerColumns(header: string, names: string[]): number[] | null {
  const cols: number[] = []
  let from = 0
  for (const name of names) {
    const re = new RegExp(`(^|\\s)(${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(\\s|$)`, 'i')
    const m = re.exec(header.slice(from))
    if (!m) return null
    const at = from + m.index + (m[1] ?? '').length
    cols.push(at)
    from = at + name.length
  }
  return cols
}

/** Tokens of a line with their start offsets. */
export function tokens(line: string): {text: string; start: number; end: number}[] {
  const out: {text: string; start: number; end: number}[] = []
  const re = /\S+/g
  let m: RegExpExecArray | null
  while ((m = re.exec(line)) !== null) out.push({text: m[0], start: m.index, end: m.index + m[0].length})
  return out
}

/** Turns `--` / empty into '' (NX-OS prints `--` for an empty Name or Type). */
export function dashToEmpty(value: string | undefined): string {
  const v = (value ?? '').trim()
  return v === '--' ? '' : v
}
