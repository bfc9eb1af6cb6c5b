/**
 * `show interfaces [X]` (IOS / IOS-XE) and `show interface [X]` (NX-OS): one record per interface.
 *
 * First line: IOS `GigabitEthernet1/0/19 is down, line protocol is down (err-disabled)`,
 * `... is administratively down, line protocol is down (disabled)`; NX-OS carries the err-disable
 * cause in the parenthesis: `Ethernet140/1/26 is down (linkFlapErrDisabled, port: error)`,
 * `Ethernet1/6 is down (linkFlapErrDisabled)`, `Ethernet1/38 is down (storm control errDisable)`
 * (genieparser nxos goldens and issues; see the December addendum of
 * ../shared/reference/cisco-loopback-errdisable.md), `Ethernet1/2 is down (Link not connected)`,
 * `Vlan1 is down (Administratively down), line protocol is down, autostate enabled`. The keepalive line (`Keepalive set (10 sec)`,
 * `Keepalive not set`, `Keepalive not supported`) is read as printed; NX-OS Ethernet ports print
 * none, so keepalive is null there.
 */

import {longName, normalizeInterface} from '../platforms/interface-names.js'
import {canonicalReason} from './status.js'
import {outputLines} from './text.js'

export interface InterfaceDetail {
  /** As printed on the first line. */
  interface: string
  /** Long normalised name. */
  longName: string
  /** `up`, `down`, `administratively down`, `reset`, ... (without the parenthesised detail). */
  linkStatus: string
  /** Parenthesised text after the link status (NX-OS): `Link not connected`, `errDisabled`. */
  linkDetail: string | null
  /** `up` / `down`; null when the line has no `line protocol` part (NX-OS Ethernet). */
  protocolStatus: string | null
  /** Parenthesised text after the protocol status (IOS): `connected`, `notconnect`, `err-disabled`, `disabled`. */
  protocolDetail: string | null
  /** True when the first line says the port is err-disabled (either platform's spelling). */
  errDisabled: boolean
  /**
   * The err-disable cause the first line names (NX-OS: `linkFlapErrDisabled` → `link-flap`,
   * `storm control errDisable` → `storm-control`); null when it names none (IOS `(err-disabled)`).
   */
  errDisabledCause: string | null
  /** `up` / `down`: NX-OS `admin state is ...`, else derived from `administratively down`. */
  adminState: string | null
  /** true: `Keepalive set`; false: `Keepalive not set` / `not supported`; null: no keepalive line. */
  keepalive: boolean | null
  /** `set` | `not-set` | `not-supported` | null (no line). */
  keepaliveState: 'set' | 'not-set' | 'not-supported' | null
  /** Seconds from `Keepalive set (10 sec)`. */
  keepaliveSeconds: number | null
  description: string
  hardwareType: string
  macAddress: string
  bia: string
  ipAddress: string
  prefixLength: number | null
  mtu: number | null
  bandwidth: string
  delay: string
  encapsulation: string
  duplex: string
  speed: string
  mediaType: string
  lastInput: string
  lastOutput: string
  lastLinkFlapped: string
  inputPackets: number | null
  outputPackets: number | null
  inputErrors: number | null
  outputErrors: number | null
  crc: number | null
  interfaceResets: number | null
}

const FIRST_LINE_RE = /^(?<intf>\S+)\s+is\s+(?<link>.+?)(?:,\s+line\s+protocol\s+is\s+(?<proto>.+?))?(?:,\s+autostate\s+\S+)?\s*$/

function splitParen(s: string): [string, string | null] {
  const m = /^(.*?)\s*\((.*)\)\s*$/.exec(s)
  return m ? [(m[1] ?? '').trim(), (m[2] ?? '').trim()] : [s.trim(), null]
}

/**
 * The cause inside an NX-OS first-line parenthesis, as free text made canonical where known:
 * `linkFlapErrDisabled, port: error` → `link-flap`, `storm control errDisable` → `storm-control`.
 * A generic `err-disabled` / `errDisabled` / `Error Disabled - ...` names no cause: null.
 */
function causeOf(detail: string | null): string | null {
  const head = (detail ?? '').split(',')[0]?.trim() ?? ''
  if (/^(?:err-?disabled?|error[\s-]+disabled?)\b/i.test(head)) return null
  const cause = head.replace(/\s*err-?disabled?$/i, '').trim()
  return cause === '' ? null : canonicalReason(cause)
}

function blank(intf: string): InterfaceDetail {
  return {
    interface: intf,
    longName: longName(intf),
    linkStatus: '',
    linkDetail: null,
    protocolStatus: null,
    protocolDetail: null,
    errDisabled: false,
    errDisabledCause: null,
    adminState: null,
    keepalive: null,
    keepaliveState: null,
    keepaliveSeconds: null,
    description: '',
    hardwareType: '',
    macAddress: '',
    bia: '',
    ipAddress: '',
    prefixLength: null,
    mtu: null,
    bandwidth: '',
    delay: '',
    encapsulation: '',
    duplex: '',
    speed: '',
    mediaType: '',
    lastInput: '',
    lastOutput: '',
    lastLinkFlapped: '',
    inputPackets: null,
    outputPackets: null,
    inputErrors: null,
    outputErrors: null,
    crc: null,
    interfaceResets: null,
  }
}

const MAC = String.raw`[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}`

function applyLine(d: InterfaceDetail, line: string): void {
  let m: RegExpExecArray | null
  if ((m = /^admin\s+state\s+is\s+(\w+)/i.exec(line.trim()))) {
    d.adminState = (m[1] ?? '').toLowerCase()
    return
  }
  if ((m = /^\s*Keepalive\s+set\s*\((\d+)\s*sec\)/i.exec(line))) {
    d.keepalive = true
    d.keepaliveState = 'set'
    d.keepaliveSeconds = Number(m[1])
    return
  }
  if (/^\s*Keepalive\s+not\s+set/i.test(line)) {
    d.keepalive = false
    d.keepaliveState = 'not-set'
    return
  }
  if (/^\s*Keepalive\s+not\s+supported/i.test(line)) {
    d.keepalive = false
    d.keepaliveState = 'not-supported'
    return
  }
  if (
    (m = new RegExp(String.raw`^\s+Hardware(?::|\s+is)\s+(.*?)(?:,\s+address(?::|\s+is)\s+(${MAC})(?:\s+\(bia\s+(${MAC})\))?)?\s*$`).exec(
      line,
    ))
  ) {
    d.hardwareType = (m[1] ?? '').trim()
    d.macAddress = m[2] ?? ''
    d.bia = m[3] ?? ''
    return
  }
  if ((m = /^\s+(?:Port\s+)?[Dd]escription(?::|\s+is)\s+(.*?)\s*$/.exec(line))) {
    d.description = m[1] ?? ''
    return
  }
  if ((m = /^\s+Internet\s+[Aa]ddress\s+is\s+(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line))) {
    d.ipAddress = m[1] ?? ''
    d.prefixLength = Number(m[2])
    return
  }
  if ((m = /^\s+MTU\s+(\d+)\s+bytes(?:.*?BW\s+(\d+\s+\w+?)(?:\/sec)?\s*,.*?DLY\s+(\d+\s+\w+))?/.exec(line))) {
    d.mtu = Number(m[1])
    d.bandwidth = m[2] ?? ''
    d.delay = m[3] ?? ''
    return
  }
  if ((m = /^\s+Encapsulation\s+(.+?)(?:,|\s*$)/.exec(line))) {
    d.encapsulation = (m[1] ?? '').trim()
    return
  }
  if ((m = /^\s+((?:[Ff]ull|[Aa]uto|[Hh]alf|[Aa]-)[^,]*),\s+([^,]+?)(?:,\s*(.*?))?\s*$/.exec(line))) {
    d.duplex = (m[1] ?? '').trim()
    d.speed = (m[2] ?? '').trim()
    const media = /media\s+type\s+is\s*(.*)$/.exec(m[3] ?? '')
    d.mediaType = media ? (media[1] ?? '').trim() : ''
    return
  }
  if ((m = /^\s+Last\s+input\s+(.+?),\s+output\s+(.+?),\s+output\s+hang/.exec(line))) {
    d.lastInput = m[1] ?? ''
    d.lastOutput = m[2] ?? ''
    return
  }
  if ((m = /^\s+Last\s+link\s+flapped\s+(.+?)\s*$/.exec(line))) {
    d.lastLinkFlapped = m[1] ?? ''
    return
  }
  if ((m = /^\s+(\d+)\s+packets\s+input,/.exec(line)) || (m = /^\s+(\d+)\s+input\s+packets\b(?!\s+with)/.exec(line))) {
    d.inputPackets = Number(m[1])
    return
  }
  if ((m = /^\s+(\d+)\s+packets\s+output,/.exec(line)) || (m = /^\s+(\d+)\s+output\s+packets\b(?!\s+with)/.exec(line))) {
    d.outputPackets = Number(m[1])
    return
  }
  if ((m = /^\s+(\d+)\s+input\s+errors?,?\s+(?:(\d+)\s+CRC)?/.exec(line))) {
    d.inputErrors = Number(m[1])
    if (m[2] !== undefined) d.crc = Number(m[2])
    return
  }
  if ((m = /^\s+\d+\s+runts\s+\d+\s+giants\s+(\d+)\s+CRC/.exec(line))) {
    d.crc = Number(m[1])
    return
  }
  if ((m = /^\s+(\d+)\s+output\s+errors?\b/.exec(line))) {
    d.outputErrors = Number(m[1])
    const r = /(\d+)\s+interface\s+resets/.exec(line)
    if (r) d.interfaceResets = Number(r[1])
    return
  }
  if ((m = /^\s+(\d+)\s+interface\s+resets/.exec(line))) {
    d.interfaceResets = Number(m[1])
  }
}

/** Every interface block in the output, in order. */
export function parseShowInterfaces(text: string): InterfaceDetail[] {
  const out: InterfaceDetail[] = []
  let cur: InterfaceDetail | null = null
  for (const line of outputLines(text)) {
    if (line.trim() === '') continue
    const first = /^\S/.test(line) ? FIRST_LINE_RE.exec(line) : null
    if (first?.groups && normalizeInterface(first.groups['intf'] ?? '') !== null) {
      const g = first.groups
      cur = blank(g['intf'] ?? '')
      const [link, linkDetail] = splitParen(g['link'] ?? '')
      cur.linkStatus = link
      cur.linkDetail = linkDetail
      if (g['proto'] !== undefined) {
        const [proto, protoDetail] = splitParen(g['proto'])
        cur.protocolStatus = proto
        cur.protocolDetail = protoDetail
      }
      const detail = `${linkDetail ?? ''} ${cur.protocolDetail ?? ''}`
      cur.errDisabled = /err-?disable|error\s+disable/i.test(detail)
      cur.errDisabledCause = cur.errDisabled ? causeOf(linkDetail) : null
      if (/administratively\s+down/i.test(link) || /administratively\s+down/i.test(linkDetail ?? '')) cur.adminState = 'down'
      else if (g['proto'] !== undefined) cur.adminState = 'up'
      out.push(cur)
      continue
    }
    if (cur) applyLine(cur, line)
  }
  return out
}

/** The first interface block, or null when there is none. */
export function parseShowInterface(text: string): InterfaceDetail | null {
  return parseShowInterfaces(text)[0] ?? null
}
