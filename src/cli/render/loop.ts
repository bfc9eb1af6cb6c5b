import {color} from '../colors.js'
import type {LoopTrace} from '../../loop/trace.js'
import type {Verdict} from '../../loop/types.js'
import {drawPath} from '../../loop/verdict.js'
import {printable} from './metadata.js'
import {wrapText, wrapWords} from './wrap.js'

/** Width of human output when the caller gives none (a pipe or a file). */
const DEFAULT_WIDTH = 80

const VERDICT_TEXT: Record<Verdict, string> = {
  'bridge-loop': 'BRIDGE LOOP: the node bridges two links into the same layer-2 domain, spanning tree off',
  'stp-blocked': 'STP BLOCKED: the node bridges two links, and spanning tree blocks one: no loop',
  bond: 'BOND: the links are members of one OVS bond: no loop',
  'single-link': 'SINGLE LINK: one link, no loop through the node; the keepalive test is fooled',
  unknown: 'UNKNOWN: the path could not be followed (see the evidence)',
}

function verdictColor(v: Verdict): (s: string) => string {
  if (v === 'bridge-loop') return color.red
  if (v === 'unknown') return color.yellow
  return color.green
}

/**
 * A loop trace for a person: header, the path drawn, the verdict, the evidence, the plan; every
 * line within `width` columns. Device- and node-supplied text (names, descriptions) is escaped:
 * no control character reaches the terminal raw.
 */
export function renderLoopTrace(t: LoopTrace, width = DEFAULT_WIDTH, {plan = true}: {plan?: boolean} = {}): string {
  const out: string[] = []
  const line = (text: string, pad = 0, paint: (s: string) => string = (s) => s, hang = pad + 2): void => {
    for (const part of text.split('\n')) out.push(paint(wrapText(' '.repeat(pad) + printable(part), width, hang)))
  }
  const command = (s: string): string => (s.trimStart().startsWith('netops ') ? color.cyan(s) : s)
  const node = t.node === null ? 'node not identified' : `node ${t.node}`
  line(`${t.switch} ${t.port} → ${node}`, 0, color.bold)
  if (t.nodeIdentifiedBy.length > 0) line(`identified by ${t.nodeIdentifiedBy.join('; ')}`, 2)
  if (t.switches.length > 1) line(`switches read: ${t.switches.join(', ')}`, 2)
  out.push('')
  for (const l of drawPath(t, t.switchSide).split('\n')) out.push(...wrapPath(printable(l), width, 2))
  out.push('')
  const verdict = wrapWords(VERDICT_TEXT[t.verdict], width - 9)
  verdict.forEach((v, i) => out.push(`${i === 0 ? 'verdict  ' : ' '.repeat(9)}${verdictColor(t.verdict)(v)}`))
  out.push('')
  out.push('evidence')
  for (const e of t.evidence) line(`- ${e}`, 2)
  if (!plan) return out.join('\n')
  out.push('')
  if (t.plan.node.length === 0 && t.plan.switch.length === 0) {
    out.push(t.verdict === 'unknown' ? 'plan: nothing to do until the path is known' : 'plan: nothing to do')
  } else {
    out.push('plan')
    if (t.plan.node.length > 0) {
      out.push('  1. on the node first (break the loop):')
      for (const p of t.plan.node) line(p, 5, command)
    }
    if (t.plan.switch.length > 0) {
      out.push(`  ${t.plan.node.length > 0 ? '2. then on the switch' : 'on the switch'} (keepalive and recovery):`)
      for (const p of t.plan.switch) line(p, 5, command)
    }
  }
  return out.join('\n')
}

/**
 * A drawn path within `width` columns, broken only before a `── ` hop (never inside a name or
 * `(VLAN 10)`); continuation lines are indented under the first hop.
 */
export function wrapPath(path: string, width: number, pad: number): string[] {
  const hops = path.split(' ── ')
  const lines: string[] = []
  let cur = ' '.repeat(pad) + (hops.shift() ?? '')
  for (const hop of hops) {
    const next = `${cur} ── ${hop}`
    if (next.length <= width || cur.trim() === '') cur = next
    else {
      lines.push(cur)
      cur = `${' '.repeat(pad + 2)}── ${hop}`
    }
  }
  lines.push(cur)
  return lines
}
