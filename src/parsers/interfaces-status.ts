/**
 * `show interfaces status` (IOS / IOS-XE) and `show interface status` (NX-OS), plus their
 * `err-disabled` variants.
 *
 * Layout: `Port Name Status Vlan Duplex Speed Type`; NX-OS adds dashed rules and prints `--` for
 * an empty Name/Type. The Name column is free text (it may contain words such as `connected` or
 * `trunk`) and is truncated to 18 characters, and some captures are not column-aligned, so a row
 * is split at the status word whose remainder parses as `Vlan Duplex Speed [Type]`; when several
 * splits parse, the one closest to the header's Status column wins.
 */

import {longName} from '../platforms/interface-names.js'
import {canonicalReason, canonicalStatus} from './status.js'
import {dashToEmpty, headerColumns, outputLines, tokens} from './text.js'

export interface InterfaceStatusRow {
  /** As printed: `Gi1/0/19`, `Eth1/19`. */
  port: string
  /** Long normalised name: `GigabitEthernet1/0/19` (the printed name if it does not parse). */
  interface: string
  /** Description column ('' when empty or `--`). */
  name: string
  /** Canonical lower-case status: connected, notconnect, disabled, err-disabled, ... */
  status: string
  /** Status exactly as printed: `notconnec`, `notconnect: TD`, `xcvrAbsen`. */
  statusRaw: string
  /** `1`, `trunk`, `routed`, `unassigned`, `pvlan prom`, `123,1234`, '' (NX-OS `--`). */
  vlan: string
  duplex: string
  speed: string
  /** Media type ('' when absent or `--`). */
  type: string
}

const HEADER_RE = /^\s*Port\s+Name\s+Status\s+Vlan\s+Duplex\s+Speed\s+Type\s*$/i
const RULE_RE = /^\s*-{5,}\s*$/
const STATUS_WORD_RE = /^[A-Za-z][\w-]*:?$/
const VLAN = String.raw`(?:\d+(?:[,-]\d+)*|trunk|routed|unassigned|f-path|pvlan\s+\S+|monitor|--)`
const DUPLEX = String.raw`(?:a-full|a-half|full|half|auto|--)`
const REST_RE = new RegExp(
  String.raw`^(?:\s+(?<extra>[^\s]+))?\s+(?<vlan>${VLAN})\s+(?<duplex>${DUPLEX})\s+(?<speed>\S+)(?:\s+(?<type>.*?))?\s*$`,
)
const REST_NO_EXTRA_RE = new RegExp(String.raw`^\s+(?<vlan>${VLAN})\s+(?<duplex>${DUPLEX})\s+(?<speed>\S+)(?:\s+(?<type>.*?))?\s*$`)
/** MDS/Nexus FC rows kept by upstream samples: `fc2/1 is up    Port mode is NP`, `fc2/5 is down (SFP not present)`. */
const FC_ROW_RE = /^(?<port>\S+)\s+is\s+(?<status>\S+)\s+(?:Port\s+mode\s+is\s+(?<mode>\S+)|\((?<detail>[^)]*)\))\s*$/

function parseStatusRow(line: string, statusCol: number | null): InterfaceStatusRow | null {
  const fc = FC_ROW_RE.exec(line)
  if (fc?.groups) {
    const port = fc.groups['port'] ?? ''
    const statusRaw = fc.groups['status'] ?? ''
    return {
      port,
      interface: longName(port),
      name: '',
      status: canonicalStatus(statusRaw),
      statusRaw,
      vlan: '',
      duplex: '',
      speed: '',
      type: fc.groups['detail'] ?? '',
    }
  }
  const toks = tokens(line)
  const first = toks[0]
  if (!first || toks.length < 4) return null
  type Split = {idx: number; groups: Record<string, string | undefined>; extra: string | undefined}
  const splits: Split[] = []
  for (let i = 1; i < toks.length; i++) {
    const t = toks[i]
    if (!t || !STATUS_WORD_RE.test(t.text)) continue
    const rest = line.slice(t.end)
    const m = (t.text.endsWith(':') ? REST_RE : REST_NO_EXTRA_RE).exec(rest)
    if (m?.groups) splits.push({idx: i, groups: m.groups, extra: m.groups['extra']})
  }
  if (splits.length === 0) return null
  let best = splits[0] as Split
  if (statusCol !== null) {
    for (const s of splits) {
      const d = Math.abs((toks[s.idx]?.start ?? 0) - statusCol)
      if (d < Math.abs((toks[best.idx]?.start ?? 0) - statusCol)) best = s
    }
  }
  const statusTok = toks[best.idx]
  if (!statusTok) return null
  const statusRaw = best.extra === undefined ? statusTok.text : `${statusTok.text} ${best.extra}`
  const port = first.text
  return {
    port,
    interface: longName(port),
    name: dashToEmpty(line.slice(first.end, statusTok.start)),
    status: canonicalStatus(statusTok.text),
    statusRaw,
    vlan: dashToEmpty(best.groups['vlan']?.replace(/\s+/g, ' ')),
    duplex: dashToEmpty(best.groups['duplex']),
    speed: dashToEmpty(best.groups['speed']),
    type: dashToEmpty(best.groups['type']),
  }
}

/** IOS `show interfaces status` and NX-OS `show interface status`. Header, rules and prompts are skipped. */
export function parseInterfacesStatus(text: string): InterfaceStatusRow[] {
  const rows: InterfaceStatusRow[] = []
  let statusCol: number | null = null
  for (const line of outputLines(text)) {
    if (line.trim() === '' || RULE_RE.test(line)) continue
    if (HEADER_RE.test(line)) {
      statusCol = headerColumns(line, ['Port', 'Name', 'Status'])?.[2] ?? null
      continue
    }
    const row = parseStatusRow(line, statusCol)
    if (row) rows.push(row)
  }
  return rows
}

export interface ErrDisabledRow {
  port: string
  /** Long normalised name. */
  interface: string
  name: string
  /** Canonical: `err-disabled` (NX-OS `linkFlapErr` too). */
  status: string
  statusRaw: string
  /** Canonical cause, lower case: `loopback`, `bpduguard`, `loopdetect`, `link-flap`, ... */
  reason: string
  /** Cause as printed: `linkFlapErrDisabled`, `Error disabled`, `psecure-violation`. */
  reasonRaw: string
  /** IOS-XE 5-column form only (`Err-disabled Vlans`); '' otherwise. */
  errDisabledVlans: string
}

const ERR_HEADER_RE = /^\s*Port\s+Name\s+Status\s+Reason\b/i

/**
 * `show interfaces status err-disabled`: IOS 4-column (`Port Name Status Reason`), IOS-XE
 * 5-column (`... Err-disabled Vlans`) and NX-OS (dashed rules, reasons with spaces such as
 * `Error disabled`).
 */
export function parseInterfacesStatusErrDisabled(text: string): ErrDisabledRow[] {
  const rows: ErrDisabledRow[] = []
  let statusCol: number | null = null
  let vlansCol: number | null = null
  for (const line of outputLines(text)) {
    if (line.trim() === '' || RULE_RE.test(line)) continue
    if (ERR_HEADER_RE.test(line)) {
      statusCol = headerColumns(line, ['Port', 'Name', 'Status', 'Reason'])?.[2] ?? null
      const v = /Err-disabled\s+Vlans?/i.exec(line)
      vlansCol = v ? v.index : null
      continue
    }
    const toks = tokens(line)
    const first = toks[0]
    if (!first || toks.length < 3) continue
    // Status: an err-disable word (IOS always `err-disabled`); else the token at the Status column.
    let statusIdx = -1
    let bestDist = Infinity
    for (let i = 1; i < toks.length - 1; i++) {
      const t = toks[i]
      if (!t) continue
      const looksErr = /err/i.test(t.text)
      const dist = statusCol === null ? i : Math.abs(t.start - statusCol)
      const score = looksErr ? dist : dist + 1000
      if (score < bestDist && (looksErr || (statusCol !== null && Math.abs(t.start - statusCol) <= 2))) {
        bestDist = score
        statusIdx = i
      }
    }
    const statusTok = toks[statusIdx]
    if (!statusTok) continue
    const after = toks.slice(statusIdx + 1)
    const vc = vlansCol
    const reasonToks = vc === null ? after : after.filter((t) => t.start < vc - 1)
    const vlanToks = vc === null ? [] : after.filter((t) => t.start >= vc - 1)
    const reasonRaw = reasonToks.map((t) => t.text).join(' ')
    rows.push({
      port: first.text,
      interface: longName(first.text),
      name: dashToEmpty(line.slice(first.end, statusTok.start)),
      status: canonicalStatus(statusTok.text),
      statusRaw: statusTok.text,
      reason: canonicalReason(reasonRaw),
      reasonRaw,
      errDisabledVlans: vlanToks.map((t) => t.text).join(' '),
    })
  }
  return rows
}
