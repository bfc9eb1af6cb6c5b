/**
 * Fitting human output to a terminal width: prose is wrapped at spaces (never inside a word),
 * table cells are wrapped the same way and a word wider than its column is cut with `…`.
 * Widths count visible characters: colour escapes are not counted.
 */

const ANSI = /\u001b\[[0-9;]*m/g

/** Visible width of one line (colour escapes removed). */
export function visibleLength(s: string): number {
  return Array.from(s.replace(ANSI, '')).length
}

/**
 * The words of `text` in lines of at most `width` visible characters. Spaces between words become
 * one; a word wider than `width` is never broken: it gets a line of its own.
 */
export function wrapWords(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '')
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    if (line === '') line = w
    else if (visibleLength(line) + 1 + visibleLength(w) <= width) line += ` ${w}`
    else {
      lines.push(line)
      line = w
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line)
  return lines
}

/**
 * One line wrapped to `width`: its leading spaces are kept, continuation lines are indented by
 * `hang` spaces (default: the line's own indent plus two). A line that fits is returned as is.
 */
export function wrapLine(line: string, width: number, hang?: number): string[] {
  if (visibleLength(line) <= width) return [line]
  const indent = /^ */.exec(line)?.[0].length ?? 0
  const cont = hang ?? indent + 2
  const out: string[] = []
  let cur = ' '.repeat(indent)
  let curLen = indent
  let empty = true
  for (const w of line
    .slice(indent)
    .split(/\s+/)
    .filter((x) => x !== '')) {
    const wl = visibleLength(w)
    if (!empty && curLen + 1 + wl > width) {
      out.push(cur)
      cur = ' '.repeat(cont) + w
      curLen = cont + wl
      continue
    }
    cur += (empty ? '' : ' ') + w
    curLen += (empty ? 0 : 1) + wl
    empty = false
  }
  out.push(cur)
  return out
}

/** Every line of `text` wrapped to `width` (see wrapLine). */
export function wrapText(text: string, width: number, hang?: number): string {
  return text
    .split('\n')
    .flatMap((l) => wrapLine(l, width, hang))
    .join('\n')
}

/** A table cell's lines within `width`: wrapped at spaces; a word wider than the column is cut with `…`. */
export function fitCell(text: string, width: number): string[] {
  const w = Math.max(1, width)
  return text.split('\n').flatMap((part) => wrapWords(part, w).map((l) => (visibleLength(l) <= w ? l : cut(l, w))))
}

function cut(s: string, width: number): string {
  const plain = Array.from(s.replace(ANSI, ''))
  return plain.slice(0, Math.max(0, width - 1)).join('') + '…'
}

/**
 * Column widths that fit `total` (gaps included): natural widths, the widest column shrunk first
 * (the rightmost of equals: the last column is usually free text),
 * none below the smaller of its natural width and `minWidth`. May still exceed `total` when even
 * the minimums do not fit.
 */
export function fitColumns(natural: number[], total: number, gap: number, minWidth = 10): number[] {
  const widths = [...natural]
  const room = total - gap * Math.max(0, widths.length - 1)
  const floor = natural.map((n) => Math.min(n, minWidth))
  let sum = widths.reduce((a, b) => a + b, 0)
  while (sum > room) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) {
      if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) >= (widths[widest] ?? 0))) widest = i
    }
    if (widest < 0) break
    widths[widest] = (widths[widest] ?? 0) - 1
    sum--
  }
  return widths
}
