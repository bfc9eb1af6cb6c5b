/** Printing shared by the benches: aligned plain-text tables and target verdicts. */

/** Rows as columns: the first left-aligned, the others right-aligned, three spaces apart. */
export function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n')
}

export const f2 = (n: number) => n.toFixed(2)
export const ok = (b: boolean) => (b ? 'ok' : 'MISSED')
