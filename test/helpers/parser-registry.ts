/**
 * Test helper (the switch driver calls its parsers directly): maps a fixture's command to its parser.
 *
 * Find the parser for a command as the operator (or the session layer) typed it, in any
 * abbreviation the device accepts: `sh int status`, `show interfaces Gi1/0/19 status`,
 * `sh errdis rec`, `show run int Gi1/0/19`, `show logging | include LOOP_BACK`.
 * The minimum keyword lengths follow the ntc-templates index (`sh[[ow]] int[[erfaces]] st[[atus]]
 * err-d[[isabled]]`, `sh[[ow]] ru[[nning-config]] in[[terface]]`, ...).
 */

import {normalizeInterface} from '../../src/platforms/interface-names.js'
import {
  parseErrdisableDetect,
  parseErrdisableRecovery,
  type ErrdisableDetectRow,
  type ErrdisableRecovery,
} from '../../src/parsers/errdisable.js'
import {parseShowInterfaces, type InterfaceDetail} from '../../src/parsers/interfaces.js'
import {
  parseInterfacesStatus,
  parseInterfacesStatusErrDisabled,
  type ErrDisabledRow,
  type InterfaceStatusRow,
} from '../../src/parsers/interfaces-status.js'
import {parseLogging, type LogEvent} from '../../src/parsers/logging.js'
import {parseRunningConfigInterfaces, type RunningConfigInterface} from '../../src/parsers/running-config.js'
import {parseShowVersion, type ShowVersion} from '../../src/parsers/version.js'

import type {PlatformName as Platform} from '../../src/platforms/types.js'

export type {Platform}

export interface ParserResults {
  'interfaces-status': InterfaceStatusRow[]
  'interfaces-status-err-disabled': ErrDisabledRow[]
  'errdisable-recovery': ErrdisableRecovery
  'errdisable-detect': ErrdisableDetectRow[]
  logging: LogEvent[]
  interfaces: InterfaceDetail[]
  'running-config-interface': RunningConfigInterface[]
  version: ShowVersion | null
}

export type ParserId = keyof ParserResults

export type ParserEntry = {
  [K in ParserId]: {
    id: K
    /** Interface named in the command (`Gi1/0/19` in `show interfaces Gi1/0/19 status`), else null. */
    interface: string | null
    parse: (text: string) => ParserResults[K]
  }
}[ParserId]

const PARSERS: {[K in ParserId]: (text: string) => ParserResults[K]} = {
  'interfaces-status': parseInterfacesStatus,
  'interfaces-status-err-disabled': parseInterfacesStatusErrDisabled,
  'errdisable-recovery': parseErrdisableRecovery,
  'errdisable-detect': parseErrdisableDetect,
  logging: parseLogging,
  interfaces: parseShowInterfaces,
  'running-config-interface': parseRunningConfigInterfaces,
  version: parseShowVersion,
}

/** The parser function for a parser id. */
export function parserById<K extends ParserId>(id: K): (text: string) => ParserResults[K] {
  return PARSERS[id]
}

/** A keyword and how many leading letters the device needs to recognise it. */
type Kw = [word: string, min: number]
/** `IF?` an optional interface argument, `IF` a required one, `*` anything after (NX-OS `logfile`, `last 50`). */
type Step = Kw | 'IF?' | 'IF' | '*'

interface Spec {
  id: ParserId
  platforms: Platform[]
  steps: Step[]
}

const SHOW: Kw = ['show', 2]
const INTERFACES: Kw = ['interfaces', 3]
const STATUS: Kw = ['status', 2]

/** Ordered: more specific first. */
const SPECS: Spec[] = [
  {id: 'interfaces-status-err-disabled', platforms: ['ios', 'nxos'], steps: [SHOW, INTERFACES, 'IF?', STATUS, ['err-disabled', 5]]},
  {id: 'interfaces-status', platforms: ['ios', 'nxos'], steps: [SHOW, INTERFACES, 'IF?', STATUS]},
  {id: 'interfaces', platforms: ['ios', 'nxos'], steps: [SHOW, INTERFACES, 'IF?']},
  {id: 'errdisable-recovery', platforms: ['ios', 'nxos'], steps: [SHOW, ['errdisable', 4], ['recovery', 3]]},
  {id: 'errdisable-detect', platforms: ['ios', 'nxos'], steps: [SHOW, ['errdisable', 4], ['detect', 3]]},
  {id: 'logging', platforms: ['ios', 'nxos'], steps: [SHOW, ['logging', 3], '*']},
  {id: 'running-config-interface', platforms: ['ios', 'nxos'], steps: [SHOW, ['running-config', 2], ['interface', 2], 'IF?']},
  {id: 'version', platforms: ['ios', 'nxos'], steps: [SHOW, ['version', 3]]},
]

function keywordMatches(word: string, [kw, min]: Kw): boolean {
  const w = word.toLowerCase()
  // NX-OS says `interface` where IOS says `interfaces`; both accept either prefix.
  const full = kw === 'interfaces' ? 'interfaces' : kw
  return w.length >= min && full.startsWith(w)
}

/** Consume an interface argument at toks[i]: `Gi1/0/19`, `GigabitEthernet 1/0/19`. Returns [name, tokensUsed]. */
function takeInterface(toks: string[], i: number): [string, number] | null {
  const a = toks[i]
  if (a === undefined) return null
  if (normalizeInterface(a) !== null && /\d/.test(a)) return [a, 1]
  const b = toks[i + 1]
  if (b !== undefined && /^[A-Za-z-]+$/.test(a) && /^\d/.test(b) && normalizeInterface(a + b) !== null) return [a + b, 2]
  return null
}

function match(spec: Spec, toks: string[]): {interface: string | null} | null {
  let i = 0
  let intf: string | null = null
  for (const step of spec.steps) {
    if (step === '*') return {interface: intf}
    if (step === 'IF?' || step === 'IF') {
      const got = takeInterface(toks, i)
      if (got) {
        intf = got[0]
        i += got[1]
      } else if (step === 'IF') return null
      continue
    }
    const t = toks[i]
    if (t === undefined || !keywordMatches(t, step)) return null
    i++
  }
  return i === toks.length ? {interface: intf} : null
}

/** Tokens of the command without any `| include ...` / `| section ...` pipe. */
function commandTokens(command: string): string[] {
  const beforePipe = command.split('|')[0] ?? ''
  return beforePipe
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')
}

/** Which parser handles `command` on `platform`; null when none does. */
export function commandId(platform: Platform, command: string): ParserId | null {
  return parserFor(platform, command)?.id ?? null
}

/** The parser for `command` on `platform`, in any accepted abbreviation; null when none. */
export function parserFor(platform: Platform, command: string): ParserEntry | null {
  const toks = commandTokens(command)
  for (const spec of SPECS) {
    if (!spec.platforms.includes(platform)) continue
    const m = match(spec, toks)
    if (m) return {id: spec.id, interface: m.interface, parse: PARSERS[spec.id]} as ParserEntry
  }
  return null
}
