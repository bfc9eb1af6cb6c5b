/** Human renderings of `netops ovs stp ...` results: pure functions returning strings. */
import {color} from '../colors.js'
import type {StpBridgeStatus, StpChangeResult, StpPlan, StpPortStatus} from '../../ovs/stp.js'

import {table} from './table.js'
import {shellQuote} from '../../ssh/quote.js'

function stateText(p: StpPortStatus): string {
  if (p.internal) return color.dim('internal (no STP)')
  if (p.state === null) return '-'
  // What ovsdb last stored while ovs-vswitchd ran: not the port's state now.
  if (p.stale) return color.dim(`${p.state} (stale)`)
  if (p.state === 'forwarding') return color.green(p.state)
  if (p.state === 'blocking' || p.state === 'discarding' || p.state === 'disabled') return color.yellow(p.state)
  return color.cyan(p.state)
}

function modeText(st: StpBridgeStatus): string {
  if (st.mode === 'off') return 'spanning tree off'
  const name = st.mode.toUpperCase()
  return st.active ? `${name} on` : `${name} on ${color.yellow('(stored, NOT active: ovs-vswitchd not running)')}`
}

function timersText(st: StpBridgeStatus): string {
  const c = st.config
  const v = (x: number | null, def: number, unit = ''): string => (x === null ? `${def}${unit} (default)` : `${x}${unit}`)
  const parts = [`priority ${v(c.priority, 32768)}`]
  if (st.mode !== 'rstp') parts.push(`hello ${v(c.helloTime, 2, ' s')}`)
  parts.push(`max-age ${v(c.maxAge, 20, ' s')}`, `forward-delay ${v(c.forwardDelay, 15, ' s')}`)
  return parts.join(', ')
}

function renderBridgeStatus(st: StpBridgeStatus): string {
  const out: string[] = [`${color.bold(st.bridge)}  ${modeText(st)}`]
  if (st.mode !== 'off') {
    out.push(`  bridge id  ${st.bridgeId ?? '-'}`)
    const rootBits = [st.rootId ?? '-']
    if (st.isRoot === true) rootBits.push(color.green('(this bridge is the root)'))
    else if (st.rootPort !== null) rootBits.push(`(via ${st.rootPort}, path cost ${st.rootPathCost ?? '-'})`)
    out.push(`  root id    ${rootBits.join(' ')}`)
    out.push(`  timers     ${timersText(st)}`)
  }
  if (st.ports.length === 0) out.push('  no ports')
  else if (st.mode === 'off') out.push(`  ports      ${st.ports.map((p) => p.name).join(', ')}`)
  else {
    const rows = st.ports.map((p) => [
      p.name,
      stateText(p),
      p.role ?? '',
      p.portId ?? '',
      p.pathCost === null ? '' : String(p.pathCost),
      p.bpdu === null ? '' : `${p.bpdu.rx}/${p.bpdu.tx}${p.bpdu.errors > 0 ? color.red(` (${p.bpdu.errors} err)`) : ''}`,
    ])
    out.push(table(['PORT', 'STATE', 'ROLE', 'PORT ID', 'COST', 'BPDU RX/TX'], rows).replace(/^/gm, '  '))
  }
  return out.join('\n')
}

export function renderStpStatus(list: StpBridgeStatus[]): string {
  if (list.length === 0) return 'no bridges'
  return list.map(renderBridgeStatus).join('\n\n')
}

/** The plan line shown before anything is written. */
export function renderPlan(plan: StpPlan): string {
  if (!plan.changed) return `${plan.bridge}: nothing to change`
  return `${plan.bridge}: will run ovs-vsctl set Bridge ${plan.bridge} ${plan.settings.map(([k, v]) => `${k}=${v}`).join(' ')}`
}

export function renderStpChange(r: StpChangeResult): string {
  const what = r.rstp ? 'RSTP on' : r.stp ? 'STP on' : 'spanning tree off'
  if (r.dryRun && r.changed && r.command) {
    return `${r.bridge}: would turn ${what} (dry run: nothing was sent)\n  would run: ${shellQuote(r.command)}`
  }
  const notActive = color.yellow(' (stored, not active: ovs-vswitchd is not running)')
  const lines = [
    r.changed
      ? `${r.bridge}: ${what}${r.active ? '' : notActive}`
      : `${r.bridge}: already ${what}${r.active || (!r.stp && !r.rstp) ? '' : notActive}, nothing changed`,
  ]
  if (r.status !== undefined) lines.push('', renderBridgeStatus(r.status))
  return lines.join('\n')
}

export function summarizeStatus(list: StpBridgeStatus[]): string {
  return list
    .map((st) => {
      if (st.mode === 'off') return `${st.bridge}: off`
      const counts: Record<string, number> = {}
      for (const p of st.ports) if (!p.internal && p.state !== null) counts[p.state] = (counts[p.state] ?? 0) + 1
      const c = Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')
      return `${st.bridge}: ${st.mode}${st.active ? '' : ' (not active)'}${st.isRoot === true ? ', root' : ''}${c ? `, ${c}` : ''}`
    })
    .join('; ')
}

export function summarizeChange(r: StpChangeResult): string {
  const what = r.rstp ? 'RSTP on' : r.stp ? 'STP on' : 'off'
  return `${r.bridge}: ${what}${r.changed ? (r.dryRun ? ' (would change)' : ' (changed)') : ' (unchanged)'}${r.active ? '' : ', not active'}`
}
