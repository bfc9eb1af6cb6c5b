/**
 * `show running-config interface X`.
 *
 * IOS: `Building configuration...`, `Current configuration : N bytes`, `!`, `interface X`,
 * one-space-indented lines, `end`. NX-OS: `!Command: ...`, `!Running configuration last done at: ...`,
 * `!Time: ...`, `version 9.3(5) ...`, `interface X`, two-space-indented lines; some captures have
 * no indentation at all, so inside a block every line up to the next `interface`/`!`/`end` belongs to it.
 */

import {longName} from '../platforms/interface-names.js'
import {outputLines} from './text.js'

export interface RunningConfigInterface {
  /** As printed after `interface`. */
  interface: string
  /** Long normalised name. */
  longName: string
  /** Config lines without the block's common indentation (nested lines keep their extra indent). */
  lines: string[]
  /** A `no keepalive` line is present. */
  keepaliveDisabled: boolean
  /** A plain `shutdown` line is present. */
  shutdown: boolean
  description?: string
}

const HEADER_RE = /^(?:Building\s+configuration|Current\s+configuration\s*:|!Command:|!Time:|!Running\s+configuration|version\s+\S)/i

function finish(name: string, raw: string[]): RunningConfigInterface {
  const nonEmpty = raw.filter((l) => l.trim() !== '')
  const indent = Math.min(...nonEmpty.map((l) => /^\s*/.exec(l)?.[0].length ?? 0), Infinity)
  const lines = nonEmpty.map((l) => l.slice(Number.isFinite(indent) ? indent : 0))
  const trimmed = lines.map((l) => l.trim())
  const desc = trimmed.find((l) => /^description\s/i.test(l))
  const block: RunningConfigInterface = {
    interface: name,
    longName: longName(name),
    lines,
    keepaliveDisabled: trimmed.some((l) => /^no\s+keepalive$/i.test(l)),
    shutdown: trimmed.some((l) => /^shutdown$/i.test(l)),
  }
  if (desc !== undefined) block.description = desc.replace(/^description\s+/i, '')
  return block
}

/** Every `interface` block in the output. */
export function parseRunningConfigInterfaces(text: string): RunningConfigInterface[] {
  const out: RunningConfigInterface[] = []
  let name: string | null = null
  let body: string[] = []
  const flush = (): void => {
    if (name !== null) out.push(finish(name, body))
    name = null
    body = []
  }
  for (const line of outputLines(text)) {
    const m = /^interface\s+(\S+(?:\s+\d\S*)?)\s*$/i.exec(line)
    if (m) {
      flush()
      name = (m[1] ?? '').replace(/\s+/g, '')
      continue
    }
    if (/^(?:end|!.*)$/.test(line.trim()) && /^\S/.test(line)) {
      flush()
      continue
    }
    if (name === null) continue
    if (HEADER_RE.test(line)) continue
    body.push(line)
  }
  flush()
  return out
}

/** The first `interface` block (the one `show running-config interface X` asks for), or null. */
export function parseRunningConfigInterface(text: string): RunningConfigInterface | null {
  return parseRunningConfigInterfaces(text)[0] ?? null
}
