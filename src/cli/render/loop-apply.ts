/**
 * Human renderings of `netops loop trace --apply` (the trace itself is rendered by ./loop.ts): the plan of
 * both ends shown before the one confirmation, and what was done and read back. Pure functions returning
 * strings; every value that comes from a node or a switch goes through `printable`.
 */
import {color} from '../colors.js'
import type {ApplyPlan, ApplyResult, VerifiedEnds} from '../../loop/apply.js'
import {shellQuote} from '../../ssh/quote.js'
import {printable} from './metadata.js'
import {renderFixResult, renderPlan} from './switch.js'
import {wrapText} from './wrap.js'

const DEFAULT_WIDTH = 80

/** Both ends' plans, node first (the order they are applied in). */
export function renderApplyPlan(plan: ApplyPlan, width = DEFAULT_WIDTH): string {
  const out: string[] = []
  const node = printable(plan.node.node ?? 'the node')
  out.push(`${plan.replanned ? 'the switch plan changed while the node settled; ' : ''}plan, node first then switch:`)
  out.push(wrapText(`1. ${node}: ${printable(plan.node.reason)}`, width, 5))
  if (plan.node.command !== null) out.push(wrapText(`     ${color.cyan(printable(shellQuote(plan.node.command)))}`, width, 7))
  if (plan.node.stp !== null)
    out.push(wrapText(`     then wait until ${printable(plan.node.stp.bridge)} blocks one of the looped ports; else stop here`, width, 7))
  for (const a of plan.alternatives) out.push(wrapText(`     instead, by hand: ${printable(a)}`, width, 7))
  const sw = plan.switch
  out.push(wrapText(`2. ${printable(sw.host)} ${printable(sw.interface)}: fix-loop`, width, 5))
  if (sw.preview.lines.length === 0) out.push(`     ${color.green('nothing to send')}: the fix is already in place`)
  else
    out.push(
      renderPlan(sw.preview.plan, printable(sw.host), printable(sw.interface), width - 3)
        .split('\n')
        .slice(1)
        .map((l) => `   ${l}`)
        .join('\n'),
    )
  out.push('3. read both ends back')
  return out.join('\n')
}

function verifiedLine(v: VerifiedEnds['node'] | VerifiedEnds['switch'], checked: boolean, width: number): string {
  const mark = !checked ? color.dim('-') : v.ok ? color.green('ok') : color.red('FAILED')
  return wrapText(`  ${mark} ${printable(v.message)}`, width, 4)
}

/** What --apply did at each end, and what was read back. */
export function renderApplyResult(r: ApplyResult, width = DEFAULT_WIDTH): string {
  const out: string[] = [color.bold('apply')]
  const n = r.node
  const node = printable(n.node ?? 'the node')
  if (n.action === 'none') out.push(wrapText(`node ${node}: ${printable(n.reason)}`, width, 2))
  else {
    const c = n.change
    const what = c?.rstp === true ? 'RSTP' : 'STP'
    out.push(
      wrapText(
        `node ${node}: ${what} on for ${printable(n.bridge ?? '?')}${c?.changed === true ? '' : ' (already on, nothing changed)'}` +
          (n.settled === null ? '' : `; ${n.settled.blocking.map(printable).join(', ')} blocking after ${n.settled.seconds.toFixed(1)} s`),
        width,
        2,
      ),
    )
  }
  for (const a of r.alternatives) out.push(wrapText(`  instead of STP, by hand: ${printable(a)}`, width, 4))
  out.push('', `switch ${printable(r.switch.hostname || r.switch.host)}:`, renderFixResult(r.switch, width))
  out.push('', 'verified:')
  out.push(verifiedLine(r.verified.node, r.verified.node.checked, width))
  out.push(verifiedLine(r.verified.switch, true, width))
  return out.join('\n')
}
