import {color} from '../colors.js'
import type {FixPlan} from '../../switch/planner.js'
import type {FixLoopResult} from '../../switch/fix-loop.js'
import type {Diagnosis} from '../../switch/types.js'
import {table} from './table.js'
import {wrapLine, wrapText, wrapWords} from './wrap.js'

/** Width of human output when the caller gives none (a pipe or a file). */
const DEFAULT_WIDTH = 80

const VERDICT_TEXT: Record<Diagnosis['verdict'], string> = {
  'keepalive-loopback': 'KEEPALIVE LOOP-BACK',
  'loopback-awaiting-recovery': 'LOOP-BACK, keepalive already off: waiting for recovery',
  'loopback-no-keepalive-control': 'LOOP-BACK (no keepalive control on this platform)',
  'err-disabled-other': 'ERR-DISABLED, other cause',
  'admin-down': 'ADMIN DOWN',
  healthy: 'HEALTHY',
}

function verdictColor(v: Diagnosis['verdict']): (s: string) => string {
  if (v === 'healthy') return color.green
  if (v === 'admin-down') return color.yellow
  return color.red
}

function statusText(s: string): string {
  if (s === 'connected') return color.green(s)
  if (s === 'err-disabled') return color.red(s)
  return color.yellow(s)
}

/** A diagnosis for a person, every line within `width` columns. */
export function renderDiagnosis(d: Diagnosis, width = DEFAULT_WIDTH): string {
  const out: string[] = []
  const wrap = (text: string, pad: number): string => wrapText(' '.repeat(pad) + text, width, pad + 2)
  out.push(`${color.bold(d.hostname || d.host)} (${d.host}, ${d.software ?? d.platform})  ${color.bold(d.interface)}`)
  out.push(`  verdict   ${verdictColor(d.verdict)(VERDICT_TEXT[d.verdict])}`)
  out.push(`  status    ${statusText(d.status)}${d.errDisabledReason ? ` (${d.errDisabledReason})` : ''}`)
  out.push(`  keepalive ${d.keepalive === null ? 'n/a' : d.keepalive ? color.red('on') : color.green('off')}`)
  out.push(
    `  recovery  loopback ${d.recovery.loopback ? color.green('enabled') : color.red('disabled')}, ` +
      `interval ${d.recovery.intervalSeconds === null ? 'unknown' : `${d.recovery.intervalSeconds} s`}`,
  )
  if (d.flapping) out.push(`  flapping  ${color.red(`${d.flapping.cycles} cycles`)}`)
  out.push('')
  out.push(wrap(d.summary, 2))
  for (const f of d.findings) out.push(wrap(`- ${f}`, 2))
  if (d.events.length > 0) {
    out.push('')
    const shown = d.events.slice(-12)
    out.push(`  events (${shown.length} of ${d.events.length}, oldest first)`)
    out.push(
      indent(
        table(
          ['TIME', 'EVENT', 'MESSAGE'],
          shown.map((e) => [e.time, e.kind, e.message]),
          {width: width - 4},
        ),
        4,
      ),
    )
  }
  out.push('')
  if (d.plan.length > 0) {
    out.push('  fix (netops switch fix-loop would send):')
    for (const line of d.plan) out.push(`    ${color.cyan(line)}`)
  } else if (d.verdict === 'err-disabled-other') {
    out.push(wrap('fix: not a keepalive loop-back; fix-loop refuses this port (see above)', 2))
  } else {
    out.push('  fix: nothing to send, the loop-back fix is in place')
  }
  for (const n of d.notes) out.push(color.dim(wrap(`note: ${n}`, 2)))
  return fitLines(out, width)
}

/** The plan before it is applied: each line with its purpose (wrapped beside it), then what is skipped and why. */
export function renderPlan(plan: FixPlan, host: string, port: string, width = DEFAULT_WIDTH): string {
  const out = wrapLine(`plan for ${host} ${port}:`, width)
  const column = 2 + 40 + 1
  for (const p of [...plan.config, ...plan.bounce]) {
    const purpose = width - column >= 20 ? wrapWords(`# ${p.purpose}`, width - column) : [`# ${p.purpose}`]
    out.push(`  ${color.cyan(p.line.padEnd(40))} ${color.dim(purpose[0] ?? '')}`)
    for (const more of purpose.slice(1)) out.push(' '.repeat(column + 2) + color.dim(more))
  }
  for (const s of plan.skipped) out.push(color.dim(wrapText(`  (skip) ${s.line}: ${s.reason}`, width, 4)))
  for (const n of plan.notes) out.push(color.dim(wrapText(`  note: ${n}`, width, 4)))
  return out.join('\n')
}

/** A fix-loop result for a person, every line within `width` columns. */
export function renderFixResult(r: FixLoopResult, width = DEFAULT_WIDTH): string {
  const out: string[] = []
  out.push(`${color.bold(r.hostname || r.host)} (${r.host})  ${color.bold(r.interface)}`)
  if (r.dryRun) {
    out.push(`  dry run: ${r.plan.length ? 'would send' : 'nothing to send'}`)
    for (const l of r.plan) out.push(`    ${color.cyan(l)}`)
  } else if (!r.changed) {
    out.push(`  ${color.green('nothing to change')}: the fix is already in place`)
  } else {
    out.push('  applied:')
    for (const l of r.applied) out.push(`    ${color.cyan(l)}`)
  }
  for (const s of r.skipped) out.push(color.dim(wrapText(`  (skip) ${s.line}: ${s.reason}`, width, 4)))
  for (const n of r.notes) out.push(color.dim(wrapText(`  note: ${n}`, width, 4)))
  if (r.saved) out.push('  saved: running-config copied to startup-config')
  if (r.waited) out.push(`  wait: ${r.waited.up ? color.green('port up') : color.red('port not up')} after ${r.waited.seconds} s`)
  if (r.after) {
    out.push('')
    out.push(
      indent(
        table(
          ['', 'BEFORE', 'AFTER'],
          [
            [
              'status',
              r.before.status + (r.before.errDisabledReason ? ` (${r.before.errDisabledReason})` : ''),
              r.after.status + (r.after.errDisabledReason ? ` (${r.after.errDisabledReason})` : ''),
            ],
            ['keepalive', onOff(r.before.keepalive), onOff(r.after.keepalive)],
            ['loopback recovery', onOff(r.before.recovery.loopback), onOff(r.after.recovery.loopback)],
            ['recovery interval', secs(r.before.recovery.intervalSeconds), secs(r.after.recovery.intervalSeconds)],
            ['verdict', r.before.verdict, r.after.verdict],
          ],
          {width: width - 2},
        ),
        2,
      ),
    )
  }
  out.push('')
  out.push(`  ${r.recovery.message}`)
  return fitLines(out, width)
}

function onOff(v: boolean | null): string {
  return v === null ? 'n/a' : v ? 'on' : 'off'
}

function secs(v: number | null): string {
  return v === null ? '?' : `${v} s`
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n)
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n')
}

/** Every line (of parts that may hold several) wrapped to `width`; lines that fit are untouched. */
function fitLines(parts: string[], width: number): string {
  return parts
    .join('\n')
    .split('\n')
    .flatMap((l) => wrapLine(l, width))
    .join('\n')
}

/** One switch's row in the per-host table of `switch diagnose`. */
export function summarizeDiagnosis(d: Diagnosis): string {
  const lines = d.plan.length ? ` (${d.plan.length} line${d.plan.length === 1 ? '' : 's'} to send)` : ''
  return `${d.interface} ${d.status} → ${d.verdict}${lines}`
}

/** One switch's row in the per-host table of `switch fix-loop`. */
export function summarizeFixResult(r: FixLoopResult): string {
  if (r.dryRun) return `plan: ${r.plan.length} line(s)`
  return r.changed ? `applied ${r.applied.length} line(s)` : 'nothing to change'
}
