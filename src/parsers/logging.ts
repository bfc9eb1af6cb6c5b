/**
 * `show logging` (IOS / IOS-XE) and `show logging logfile` / `show logging last N` (NX-OS).
 *
 * IOS line: `[seq: ][origin: ][*|.]<stamp>: %FAC[-SUB]-SEV-MNEMONIC: text` where stamp is a date
 * `Mmm dd [yyyy ]hh:mm:ss[.mmm][ TZ]` or an uptime (`45w5d`, `1d02h`, `00:01:23`); the sequence
 * number, the origin-id host name (`521: router1: *Nov 14 ...`) and the marker are optional (`*` =
 * clock not set, `.` = clock not authoritative). Facilities may carry a suffix (`%PM-SP-4-...`) or an
 * underscore (`%PLATFORM_PM-3-LOOP_BACK_DETECTED`); stack members may append `(hostname-n)` to the
 * text. Messages without severity (`CEF-HWIDB: ...`) are kept, and so are collector copies that drop
 * the `%` and the colon (`ETHPORT-2-IF_DOWN_ERROR_DISABLED Interface Ethernet1/2`). NX-OS line:
 * `YYYY Mmm dd hh:mm:ss [host] %FAC-SEV-MNEM: text`, severity 2 or 5 for IF_DOWN_ERROR_DISABLED.
 * The header block (`Syslog logging: ...` up to `Log Buffer (N bytes):`) and partial lines before
 * the first stamped message are skipped; unstamped lines after a message continue it (collectors
 * wrap long lines: `... Interface Ethernet1/2` / `is down (Error disabled. Reason:UDLD empty echo)`),
 * and the message is classified on its whole text. Texts: the December addendum of
 * ../shared/reference/cisco-loopback-errdisable.md.
 */

import {normalizeInterface} from '../platforms/interface-names.js'
import {canonicalReason} from './status.js'
import {outputLines} from './text.js'

type LogEventKind =
  | 'loopback-detected'
  | 'err-disabled'
  | 'recovered'
  | 'link-up'
  | 'link-down'
  | 'lineproto-up'
  | 'lineproto-down'
  | 'admin-down'
  | 'config'
  | 'other'

export interface LogEvent {
  /** IOS `service sequence-numbers` value (`022701` → 22701); null when absent. */
  sequence: number | null
  /** The stamp exactly as logged, without marker and final colon: `Jun 19 03:02:31.123 UTC`, `45w5d`, `2026 Nov 27 03:00:01`. */
  time: string | null
  /** `datetime` (a calendar stamp) or `uptime` (`service timestamps log uptime`). */
  timeKind: 'datetime' | 'uptime' | null
  /**
   * Orderable seconds for computing intervals inside one buffer: uptime seconds for uptime stamps;
   * for calendar stamps seconds since 1970 of that date/time (IOS logs no year: 1970 is assumed,
   * so differences across a new year are wrong). Null when there is no stamp.
   */
  seconds: number | null
  /** `*` clock not set, `.` clock not authoritative (IOS); null when absent. */
  clockMarker: '*' | '.' | null
  /** NX-OS logfile host name field, or the IOS origin-id host name (`521: router1: *Nov 14 ...`); else null. */
  host: string | null
  facility: string | null
  severity: number | null
  mnemonic: string | null
  /** Message text; continuation lines are appended after `\n`. */
  message: string
  /** LONG normalised interface name the event is about, or null. */
  interface: string | null
  kind: LogEventKind
  /** err-disable cause (`loopback`, `bpduguard`, ...) for loop-back / err-disable / recover events. */
  reason: string | null
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const MON = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
const BODY =
  String.raw`(?:%(?<fac>[A-Z][A-Z0-9_]*(?:-[A-Z][A-Z0-9_]*)*?)-(?<sev>[0-7])-(?<mnem>[A-Z0-9_][A-Z0-9_-]*):` +
  String.raw`|(?<fac2>[A-Z][A-Z0-9_]*)-(?<mnem2>[A-Z0-9_]+):` +
  // a collector's copy without `%` and colon: FAC-SEV-MNEMONIC then a space
  String.raw`|(?<fac3>[A-Z][A-Z0-9_]*(?:-[A-Z][A-Z0-9_]*)*?)-(?<sev3>[0-7])-(?<mnem3>[A-Z][A-Z0-9_]*[A-Z0-9])(?=\s))\s*(?<msg>.*)`

const IOS_LINE_RE = new RegExp(
  String.raw`^(?<m1>[*.])?(?:(?<seq>\d+):\s+)?(?:(?<origin>[A-Za-z][\w.-]*):\s+(?=[*.]?(?:${MON}|\d)))?(?<m2>[*.])?` +
    String.raw`(?:(?<date>${MON}\s+\d{1,2}\s+(?:\d{4}\s+)?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:\s+[A-Za-z]{2,5})?)` +
    String.raw`|(?<up>\d+y\d+w|\d+w\d+d|\d+d\d+h|\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?))?` +
    String.raw`(?<stampColon>:)?\s*${BODY}$`,
)

const NXOS_LINE_RE = new RegExp(
  String.raw`^(?<date>\d{4}\s+${MON}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)(?:\s+(?<tz>[A-Z]{2,5}):)?(?:\s+(?<host>[^\s%]+?):?)?\s+${BODY}$`,
)

function parseUptime(s: string): number | null {
  let m = /^(\d+)y(\d+)w$/.exec(s)
  if (m) return Number(m[1]) * 365 * 86400 + Number(m[2]) * 7 * 86400
  m = /^(\d+)w(\d+)d$/.exec(s)
  if (m) return Number(m[1]) * 7 * 86400 + Number(m[2]) * 86400
  m = /^(\d+)d(\d+)h$/.exec(s)
  if (m) return Number(m[1]) * 86400 + Number(m[2]) * 3600
  m = /^(\d+):(\d+)(?::(\d+))?(?:\.(\d+))?$/.exec(s)
  if (m) return m[3] === undefined ? Number(m[1]) * 3600 + Number(m[2]) * 60 : Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])
  return null
}

function parseDate(s: string): number | null {
  const m = /^(?:(\d{4})\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{4})\s+)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(s)
  if (!m) return null
  const month = MONTHS.indexOf((m[2] ?? '').toLowerCase())
  if (month < 0) return null
  const year = Number(m[1] ?? m[4] ?? 1970)
  const frac = m[8] ? Number(`0.${m[8]}`) : 0
  return Date.UTC(year, month, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7])) / 1000 + frac
}

function iface(raw: string | undefined): string | null {
  if (!raw) return null
  return normalizeInterface(raw)?.long ?? null
}

/** Fill kind / interface / reason from facility, mnemonic and text. */
function classifyLogMessage(
  facility: string | null,
  mnemonic: string | null,
  message: string,
): {kind: LogEventKind; interface: string | null; reason: string | null} {
  const mn = (mnemonic ?? '').toUpperCase().replace(/-/g, '_')
  const fac = (facility ?? '').toUpperCase()
  // wrapped lines are one message: classify the whole text
  const text = message.replace(/\s*\n\s*/g, ' ')
  let m: RegExpExecArray | null

  if (mn === 'LOOP_BACK_DETECTED') {
    m = /(?:Keepalive\s+packet\s+loop-?back|Loop-?back)\s+detected\s+on\s+(\S+)/i.exec(text)
    return {kind: 'loopback-detected', interface: iface(m?.[1]), reason: 'loopback'}
  }
  if (mn === 'ERR_DISABLE') {
    // `loopback error detected on Gi0/24, putting Gi0/24 in err-disable state`
    m = /^\s*(.+?)\s+error\s+detected\s+on\s+([^,\s]+),?\s+putting\s+(\S+)\s+in\s+err-disable/i.exec(text)
    if (m) return {kind: 'err-disabled', interface: iface(m[3]) ?? iface(m[2]), reason: canonicalReason(m[1] ?? '')}
    m = /on\s+(\S+)/i.exec(text)
    return {kind: 'err-disabled', interface: iface(m?.[1]), reason: null}
  }
  if (mn === 'ERR_RECOVER') {
    m = /recover\s+from\s+(.+?)\s+err-disable\s+state\s+on\s+(\S+)/i.exec(text)
    return {kind: 'recovered', interface: iface(m?.[2]), reason: m ? canonicalReason(m[1] ?? '') : null}
  }
  if (mn === 'IF_DOWN_ERROR_DISABLED') {
    // NX-OS: `Interface Ethernet1/1 is down (Error disabled. Reason:UDLD Tx-Rx Loop)`
    m = /Interface\s+(\S+)\s+is\s+down\s*\(Error\s+disabled\.?\s*Reason\s*:\s*([^)]*)\)/i.exec(text)
    if (m) return {kind: 'err-disabled', interface: iface(m[1]), reason: canonicalReason(m[2] ?? '')}
    m = /Interface\s+(\S+)/i.exec(text)
    return {kind: 'err-disabled', interface: iface(m?.[1]), reason: null}
  }
  if (mn === 'IF_ERRDIS_RECOVERY' || /ERRDIS.*RECOV|ERR_?DIS.*RECOV/.test(mn)) {
    // GUESS (no device capture found): third-party parser rules give
    // `Interface <if> is being recovered from error disabled state (...)`; a cause, if present, as `Reason:<cause>`.
    m = /Interface\s+(\S+)/i.exec(text)
    const r = /Reason\s*:\s*([^)]*)/i.exec(text) ?? /recover(?:ed|ing)?\s+from\s+(\S+)\s+err/i.exec(text)
    return {kind: 'recovered', interface: iface(m?.[1]), reason: r ? canonicalReason(r[1] ?? '') : null}
  }
  if (mn === 'BLOCK_BPDUGUARD') {
    // `Received BPDU on port Ethernet1/43 with BPDU Guard enabled. Disabling port.` (NX-OS STP-2, IOS SPANTREE-2):
    // the err-disable itself is logged by its own line (IOS PM-4-ERR_DISABLE, NX-OS IF_DOWN_ERROR_DISABLED).
    m = /on\s+port\s+([^\s,]+)/i.exec(text)
    return {kind: 'other', interface: iface(m?.[1]), reason: 'bpduguard'}
  }
  if (mn === 'IF_UP') {
    m = /Interface\s+(\S+)\s+is\s+up/i.exec(text)
    return {kind: 'link-up', interface: iface(m?.[1]), reason: null}
  }
  if (mn === 'IF_DOWN_ADMIN_DOWN' || mn === 'IF_DOWN_CHANNEL_ADMIN_DOWN') {
    m = /Interface\s+(\S+)/i.exec(text)
    return {kind: 'admin-down', interface: iface(m?.[1]), reason: null}
  }
  if (mn.startsWith('IF_DOWN')) {
    m = /Interface\s+(\S+)/i.exec(text)
    return {kind: 'link-down', interface: iface(m?.[1]), reason: null}
  }
  if (mn === 'UPDOWN' || mn === 'CHANGED') {
    m = /Line\s+protocol\s+on\s+Interface\s+([^,\s]+),?\s+changed\s+state\s+to\s+(up|down)/i.exec(text)
    if (m) return {kind: m[2]?.toLowerCase() === 'up' ? 'lineproto-up' : 'lineproto-down', interface: iface(m[1]), reason: null}
    m = /Interface\s+([^,\s]+),?\s+changed\s+state\s+to\s+(administratively\s+down|up|down)/i.exec(text)
    if (m) {
      const state = (m[2] ?? '').toLowerCase()
      const kind: LogEventKind = state === 'up' ? 'link-up' : state === 'down' ? 'link-down' : 'admin-down'
      return {kind, interface: iface(m[1]), reason: null}
    }
  }
  if (/^CONFIG_I$|^VSHD_SYSLOG_CONFIG_I$/.test(mn) || (fac === 'SYS' && mn.startsWith('CONFIG'))) {
    return {kind: 'config', interface: null, reason: null}
  }
  m = /\bInterface\s+([A-Za-z][\w\-/.:]*\d)/i.exec(text) ?? /\bon\s+([A-Za-z][\w\-/.]*\d)\b/.exec(text)
  return {kind: 'other', interface: iface(m?.[1]), reason: null}
}

function makeEvent(g: Record<string, string | undefined>, nxos: boolean): LogEvent {
  const facility = g['fac'] ?? g['fac2'] ?? g['fac3'] ?? null
  const mnemonic = g['mnem'] ?? g['mnem2'] ?? g['mnem3'] ?? null
  const sev = g['sev'] ?? g['sev3']
  const severity = sev === undefined ? null : Number(sev)
  const message = g['msg'] ?? ''
  const date = g['date']
  const up = g['up']
  let time: string | null = null
  let timeKind: LogEvent['timeKind'] = null
  let seconds: number | null = null
  if (date !== undefined) {
    time = nxos && g['tz'] ? `${date} ${g['tz']}` : date
    timeKind = 'datetime'
    seconds = parseDate(date)
  } else if (up !== undefined) {
    time = up
    timeKind = 'uptime'
    seconds = parseUptime(up)
  }
  const marker = g['m1'] ?? g['m2']
  return {
    sequence: g['seq'] === undefined ? null : Number(g['seq']),
    time,
    timeKind,
    seconds,
    clockMarker: marker === '*' || marker === '.' ? marker : null,
    host: g['host'] ?? g['origin'] ?? null,
    facility,
    severity,
    mnemonic,
    message,
    ...classifyLogMessage(facility, mnemonic, message),
  }
}

/** Parse one log line; null when it does not start a message. */
export function parseLogLine(line: string): LogEvent | null {
  const nx = NXOS_LINE_RE.exec(line)
  if (nx?.groups) return makeEvent(nx.groups, true)
  const m = IOS_LINE_RE.exec(line)
  if (!m?.groups) return null
  const g = m.groups
  const hasStamp = g['date'] !== undefined || g['up'] !== undefined
  // A message must carry a stamp (followed by its colon) or a sequence number, as IOS prints them;
  // `%FAC-SEV-MNEM:` alone (no timestamps configured) is accepted too.
  if (hasStamp && g['stampColon'] === undefined) return null
  if (!hasStamp && g['stampColon'] !== undefined) return null
  if (!hasStamp && g['seq'] === undefined && g['fac'] === undefined && g['fac3'] === undefined) return null
  return makeEvent(g, false)
}

/** All messages in a `show logging` / `show logging logfile` output, oldest first as printed. */
export function parseLogging(text: string): LogEvent[] {
  const events: LogEvent[] = []
  let current: LogEvent | null = null
  for (const line of outputLines(text)) {
    if (line.trim() === '') continue
    const ev = parseLogLine(line)
    if (ev) {
      events.push(ev)
      current = ev
      continue
    }
    if (current) {
      current.message += `\n${line}`
      Object.assign(current, classifyLogMessage(current.facility, current.mnemonic, current.message))
    }
  }
  return events
}

/** The events about one port, whatever spelling `port` uses (`19` is not accepted here: resolve it with matchPort first). */
export function eventsForInterface(events: LogEvent[], port: string): LogEvent[] {
  const wanted = normalizeInterface(port)?.long.toLowerCase() ?? port.toLowerCase()
  return events.filter((e) => e.interface !== null && e.interface.toLowerCase() === wanted)
}
