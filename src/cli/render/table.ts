/** Table helpers shared by every human renderer: borderless cli-table3, uncoloured upper-case headers. */
import type CliTable3 from 'cli-table3'
import {color} from '../colors.js'
import {lazyRequire} from '../../util/lazy-require.js'
import type {RunManyResult} from '../../util/run-many.js'
import {fitCell, fitColumns, visibleLength} from './wrap.js'

/** Loaded on the first table drawn: start-up (--help, the first SSH byte) does not pay for it. */
const Table = lazyRequire<typeof CliTable3>('cli-table3')

const BORDERLESS = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: {head: [] as string[], border: [] as string[], 'padding-left': 0, 'padding-right': 0},
}

/** The gap between two columns. */
const GAP = BORDERLESS.chars.middle.length

/**
 * A borderless table. With `width`, its columns are fitted to it: the widest shrink first and
 * their cells wrap at spaces (a word wider than its column is cut with `…`).
 */
export function table(head: string[], rows: string[][], opts: {width?: number} = {}): string {
  let cells = rows
  if (opts.width !== undefined) {
    const natural = head.map((h, i) =>
      Math.max(visibleLength(h), ...rows.map((r) => Math.max(0, ...(r[i] ?? '').split('\n').map(visibleLength)))),
    )
    const widths = fitColumns(natural, opts.width, GAP)
    cells = rows.map((r) => r.map((c, i) => fitCell(c, widths[i] ?? c.length).join('\n')))
  }
  const t = new (Table())({head, ...BORDERLESS})
  t.push(...cells)
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}

/** Per-host result table for commands run against several hosts, with an `N/M hosts ok` line; fitted to `width` when given. */
export function renderHostTable<T>(outcomes: Array<RunManyResult<T>>, describe: (value: T) => string, width?: number): string {
  const rows = outcomes.map((o) =>
    o.ok ? [o.target, color.green('ok'), describe(o.value)] : [o.target, color.red(`failed (${o.error.code})`), o.error.message],
  )
  const failed = outcomes.filter((o) => !o.ok).length
  return `${table(['HOST', 'RESULT', 'DETAIL'], rows, width === undefined ? {} : {width})}\n${outcomes.length - failed}/${outcomes.length} hosts ok`
}
