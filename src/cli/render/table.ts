/** Table helpers shared by every human renderer: borderless cli-table3, uncoloured upper-case headers. */
import type CliTable3 from 'cli-table3'
import {color} from '../colors.js'
import {lazyRequire} from '../../util/lazy-require.js'
import type {RunManyResult} from '../../util/run-many.js'

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

export function table(head: string[], rows: string[][]): string {
  const t = new (Table())({head, ...BORDERLESS})
  t.push(...rows)
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}

/** Per-host result table for commands run against several hosts, with an `N/M hosts ok` line. */
export function renderHostTable<T>(outcomes: Array<RunManyResult<T>>, describe: (value: T) => string): string {
  const rows = outcomes.map((o) =>
    o.ok ? [o.target, color.green('ok'), describe(o.value)] : [o.target, color.red(`failed (${o.error.code})`), o.error.message],
  )
  const failed = outcomes.filter((o) => !o.ok).length
  return `${table(['HOST', 'RESULT', 'DETAIL'], rows)}\n${outcomes.length - failed}/${outcomes.length} hosts ok`
}
