/**
 * `show version` for IOS, IOS-XE and NX-OS, and platform detection from it.
 */

import {outputLines} from './text.js'
import type {PlatformName} from '../platforms/types.js'

type OsFamily = 'ios' | 'iosxe' | 'nxos'

interface StackMember {
  switch: number
  active: boolean
  ports: number
  model: string
  swVersion: string
  swImage: string
  mode: string
}

export interface ShowVersion {
  os: OsFamily
  /** IOS: from `Cisco IOS Software ..., Version X,` (e.g. `15.0(2)SE2`, `16.12.4`, `03.06.05E`); NX-OS: `NXOS: version` / `system: version` without bracketed notes. */
  version: string
  /** IOS-XE only: `Cisco IOS XE Software, Version 16.12.04`; null elsewhere. */
  xeVersion: string | null
  /** `WS-C3850-24P`, `C9300-24P`, `C9372PX`, `5596` (NX-OS: the word(s) after `Nexus`/`Nexus9000`). */
  model: string
  hostname: string
  /** First serial (`System Serial Number`, else `Processor board ID`). */
  serial?: string
  /** All `System Serial Number` values (stack members in order), or the board ID. */
  serials: string[]
  /** As printed: `7 weeks, 17 hours, 14 minutes`, `749 day(s), 15 hour(s), ...`. */
  uptime?: string
  /** IOS-XE / 3750 stack table; empty when absent. */
  stack: StackMember[]
}

/** `nxos` for NX-OS output, `ios` for IOS and IOS-XE (same CLI dialect here), null when neither. */
export function detectPlatform(text: string): PlatformName | null {
  if (/Cisco Nexus Operating System|\bNX-OS\b|^\s*NXOS:\s+version|^\s*(?:kickstart|system):\s+version|cisco Nexus/im.test(text))
    return 'nxos'
  if (/Cisco IOS Software|Cisco IOS XE Software|IOS-XE|Cisco Internetwork Operating System/i.test(text)) return 'ios'
  return null
}

function first(lines: string[], re: RegExp): RegExpExecArray | null {
  for (const l of lines) {
    const m = re.exec(l)
    if (m) return m
  }
  return null
}

/** Parse `show version`; returns null when the text is not a Cisco IOS/IOS-XE/NX-OS `show version`. */
export function parseShowVersion(text: string): ShowVersion | null {
  const platform = detectPlatform(text)
  if (platform === null) return null
  const lines = outputLines(text)
  if (platform === 'nxos') {
    const ver = first(lines, /^\s*(?:NXOS|system):\s+version\s+(\S+)/i)
    const chassis = first(lines, /^\s*cisco\s+Nexus\s*\d*\s+(.+?)\s+[Cc]hassis/) ?? first(lines, /^\s*cisco\s+Nexus\s*(\S+)\s+[Cc]hassis/)
    const serial = first(lines, /Processor\s+Board\s+ID\s+(\S+)/i)
    const uptime = first(lines, /^\s*Kernel\s+uptime\s+is\s+(.+?)\s*$/)
    const result: ShowVersion = {
      os: 'nxos',
      version: ver?.[1] ?? '',
      xeVersion: null,
      model: chassis?.[1] ?? '',
      hostname: first(lines, /^\s*Device\s+name:\s+(\S+)/)?.[1] ?? '',
      serials: serial?.[1] ? [serial[1]] : [],
      stack: [],
    }
    if (serial?.[1]) result.serial = serial[1]
    if (uptime?.[1]) result.uptime = uptime[1]
    return result
  }
  const xe = /IOS[- ]XE/i.test(text)
  const xeVer = first(lines, /^Cisco IOS XE Software,\s+Version\s+(\S+)/i)
  const iosVer =
    first(lines, /^Cisco IOS Software.*?,\s+(?:Experimental\s+)?Version\s+([^\s,]+)/i) ??
    first(lines, /^Cisco Internetwork Operating System.*Version\s+([^\s,]+)/i)
  const host = first(lines, /^(\S+)\s+uptime\s+is\s+(.+?)\s*$/)
  const proc = first(lines, /^cisco\s+(\S+)\s+.*processor/i)
  const modelNumber = first(lines, /^\s*Model\s+[Nn]umber\s*:\s*(\S+)/)
  const serials = lines
    .map((l) => /^\s*System\s+[Ss]erial\s+[Nn]umber\s*:\s*(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined)
  if (serials.length === 0) {
    const board = first(lines, /Processor\s+board\s+ID\s+(\S+)/i)
    if (board?.[1]) serials.push(board[1])
  }
  const stack: StackMember[] = []
  for (const l of lines) {
    const m = /^(\*)?\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/.exec(l)
    if (m) {
      stack.push({
        switch: Number(m[2]),
        active: m[1] === '*',
        ports: Number(m[3]),
        model: m[4] ?? '',
        swVersion: m[5] ?? '',
        swImage: m[6] ?? '',
        mode: m[7] ?? '',
      })
    }
  }
  const result: ShowVersion = {
    os: xe ? 'iosxe' : 'ios',
    version: iosVer?.[1] ?? xeVer?.[1] ?? '',
    xeVersion: xeVer?.[1] ?? null,
    model: proc?.[1] ?? modelNumber?.[1] ?? stack[0]?.model ?? '',
    hostname: host?.[1] ?? '',
    serials,
    stack,
  }
  if (serials[0] !== undefined) result.serial = serials[0]
  if (host?.[2]) result.uptime = host[2]
  return result
}
