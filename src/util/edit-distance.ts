/** Levenshtein distance (insert, delete, substitute: 1 each) between two strings, for "did you mean" hints. */
export function editDistance(a: string, b: string, options: {ignoreCase?: boolean} = {}): number {
  const s = options.ignoreCase ? a.toLowerCase() : a
  const t = options.ignoreCase ? b.toLowerCase() : b
  // one row of the dynamic-programming table: row[j] = distance(s[0..i), t[0..j))
  let prev = Array.from({length: t.length + 1}, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const cur = [i]
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost)
    }
    prev = cur
  }
  return prev[t.length] ?? 0
}

/** The candidate closest to `word` when close enough to be a likely typo (at most 2 edits, or a third of its length), else undefined. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const dd = editDistance(word, c)
    if (dd < bestD) {
      best = c
      bestD = dd
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}
