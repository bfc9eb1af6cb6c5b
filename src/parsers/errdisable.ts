/**
 * `show errdisable recovery` and `show errdisable detect` (IOS / IOS-XE / NX-OS).
 *
 * IOS: `ErrDisable Reason / Timer Status` rows `loopback  Disabled`, `Timer interval: 300 seconds`,
 * then `Interfaces that will be enabled at the next timeout:` and an optional pending table
 * `Interface  Errdisable reason  Time left(sec)`. NX-OS: lower-case `disabled`, a tab-indented
 * `Timer interval: 300` without unit, long trailing whitespace. Cause names are kept as printed
 * (IOS truncates some: `evc-lite input mapping fa`, `Recovery command: "clear`).
 */

import {longName} from '../platforms/interface-names.js'
import {canonicalReason} from './status.js'
import {outputLines} from './text.js'

interface PendingRecovery {
  /** Long normalised name: `FastEthernet2/4`. */
  interface: string
  /** As printed: `Fa2/4`. */
  port: string
  /** Canonical cause: `bpduguard`, `loopback`. */
  reason: string
  timeLeftSeconds: number
}

export interface ErrdisableRecovery {
  /** Cause name as printed → timer enabled. */
  causes: Record<string, boolean>
  /** `Timer interval: N [seconds]`; null when the line is missing. */
  intervalSeconds: number | null
  pending: PendingRecovery[]
}

const CAUSE_ROW_RE = /^\s*(?<cause>\S.*?)\s+(?<state>enabled|disabled)\s*$/i
const INTERVAL_RE = /^\s*Timer\s+interval\s*:\s*(?<n>\d+)(?:\s*seconds?)?\s*$/i
const PENDING_HEADER_RE = /^\s*Interface\s+Errdisable\s+reason\s+Time\s+left/i
const PENDING_ROW_RE = /^\s*(?<port>\S+)\s+(?<reason>\S.*?)\s+(?<left>\d+)\s*$/

export function parseErrdisableRecovery(text: string): ErrdisableRecovery {
  const result: ErrdisableRecovery = {causes: {}, intervalSeconds: null, pending: []}
  let section: 'causes' | 'pending' = 'causes'
  for (const line of outputLines(text)) {
    if (line.trim() === '' || /^\s*-{3,}(\s+-{3,})*\s*$/.test(line)) continue
    if (/^\s*ErrDisable\s+Reason\s+Timer\s+Status/i.test(line)) continue
    if (/^\s*Interfaces\s+that\s+will\s+be\s+enabled/i.test(line)) {
      section = 'pending'
      continue
    }
    if (PENDING_HEADER_RE.test(line)) {
      section = 'pending'
      continue
    }
    const interval = INTERVAL_RE.exec(line)
    if (interval?.groups) {
      result.intervalSeconds = Number(interval.groups['n'])
      continue
    }
    if (section === 'causes') {
      const m = CAUSE_ROW_RE.exec(line)
      if (m?.groups) result.causes[m.groups['cause'] ?? ''] = (m.groups['state'] ?? '').toLowerCase() === 'enabled'
      continue
    }
    const p = PENDING_ROW_RE.exec(line)
    if (p?.groups) {
      const port = p.groups['port'] ?? ''
      result.pending.push({
        interface: longName(port),
        port,
        reason: canonicalReason(p.groups['reason'] ?? ''),
        timeLeftSeconds: Number(p.groups['left']),
      })
    }
  }
  return result
}

export interface ErrdisableDetectRow {
  /** Cause as printed: `loopback`, `psecure-violation`. */
  cause: string
  /** Detection column: Enabled → true. */
  enabled: boolean
  /** Mode column: `port`, `port/vlan`, `vlan`; '' when absent. */
  mode: string
}

const DETECT_ROW_RE = /^\s*(?<cause>\S.*?)\s+(?<state>Enabled|Disabled)(?:\s+(?<mode>\S+))?\s*$/i

/**
 * `show errdisable detect` (IOS layout: `ErrDisable Reason  Detection  Mode`, dashed underline,
 * rows `loopback  Enabled  port`). The NX-OS layout is unverified; rows of the same shape parse.
 */
export function parseErrdisableDetect(text: string): ErrdisableDetectRow[] {
  const rows: ErrdisableDetectRow[] = []
  for (const line of outputLines(text)) {
    if (line.trim() === '' || /^[\s-]+$/.test(line)) continue
    if (/^\s*ErrDisable\s+Reason\s+Detection/i.test(line)) continue
    const m = DETECT_ROW_RE.exec(line)
    if (m?.groups) {
      rows.push({
        cause: m.groups['cause'] ?? '',
        enabled: (m.groups['state'] ?? '').toLowerCase() === 'enabled',
        mode: m.groups['mode'] ?? '',
      })
    }
  }
  return rows
}
