/**
 * Test helper (the switch driver calls its parsers directly): maps a fixture's command to its parser.
 *
 * Find the parser for a command as the operator (or the session layer) typed it, in any
 * abbreviation the device accepts: `sh int status`, `show interfaces Gi1/0/19 status`,
 * `sh errdis rec`, `show run int Gi1/0/19`, `show logging | include LOOP_BACK`.
 * The minimum keyword lengths follow the ntc-templates index (`sh[[ow]] int[[erfaces]] st[[atus]]
 * err-d[[isabled]]`, `sh[[ow]] ru[[nning-config]] in[[terface]]`, `sh[[ow]] mac add[[ress-table]]`,
 * `sh[[ow]] lld[[p]] nei[[ghbors]] det[[ail]]`, `sh[[ow]] vl[[an]] br[[ief]]`, ...).
 *
 * The layer-2 parsers of `netops loop trace` take the platform (NX-OS spells port channels
 * `port-channel5`): parserFor() binds it, parserById(id, platform) takes it.
 */

import {join} from 'node:path'

import type {MacEntry, Neighbor} from '../../src/loop/types.js'
import {normalizeInterface, type NormalizeOptions} from '../../src/platforms/interface-names.js'
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
import {parseMacAddressTable} from '../../src/parsers/mac-address-table.js'
import {parseCdpNeighborsDetail, parseLldpNeighborsDetail} from '../../src/parsers/neighbors.js'
import {parseRunningConfigInterfaces, type RunningConfigInterface} from '../../src/parsers/running-config.js'
import {parseSwitchport, type SwitchportRow} from '../../src/parsers/switchport.js'
import {parseShowVersion, type ShowVersion} from '../../src/parsers/version.js'
import {parseVlanBrief, type VlanBriefRow} from '../../src/parsers/vlan-brief.js'
import {OWN_FIXTURES_DIR, REPO_DIR} from './fixtures.js'

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
  'mac-address-table': MacEntry[]
  'lldp-neighbors-detail': Neighbor[]
  'cdp-neighbors-detail': Neighbor[]
  'vlan-brief': VlanBriefRow[]
  switchport: SwitchportRow[]
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

const PARSERS: {[K in ParserId]: (text: string, options: NormalizeOptions) => ParserResults[K]} = {
  'interfaces-status': parseInterfacesStatus,
  'interfaces-status-err-disabled': parseInterfacesStatusErrDisabled,
  'errdisable-recovery': parseErrdisableRecovery,
  'errdisable-detect': parseErrdisableDetect,
  logging: parseLogging,
  interfaces: parseShowInterfaces,
  'running-config-interface': parseRunningConfigInterfaces,
  version: parseShowVersion,
  'mac-address-table': parseMacAddressTable,
  'lldp-neighbors-detail': parseLldpNeighborsDetail,
  'cdp-neighbors-detail': parseCdpNeighborsDetail,
  'vlan-brief': parseVlanBrief,
  switchport: parseSwitchport,
}

/** Every parser id, in registry order. */
export const PARSER_IDS = Object.keys(PARSERS) as ParserId[]

/** The parsers whose fixtures live per platform: test/fixtures/<platform>/<id>/ (with SOURCE.md). */
const PER_PLATFORM_FIXTURES = new Set<ParserId>([
  'mac-address-table',
  'lldp-neighbors-detail',
  'cdp-neighbors-detail',
  'vlan-brief',
  'switchport',
])

/**
 * Where a parser's own `<case>.txt` + `<case>.json` fixtures live: test/fixtures/parsers/<id>/
 * (platform null: the parser needs none), or test/fixtures/<platform>/<id>/ for each platform.
 */
export function fixtureDirs(id: ParserId): {platform: Platform | null; dir: string}[] {
  if (!PER_PLATFORM_FIXTURES.has(id)) return [{platform: null, dir: join(OWN_FIXTURES_DIR, id)}]
  return (['ios', 'nxos'] as const).map((platform) => ({platform, dir: join(REPO_DIR, 'test', 'fixtures', platform, id)}))
}

/** The parser function for a parser id (on `platform`, for the parsers that take one). */
export function parserById<K extends ParserId>(id: K, platform?: Platform | null): (text: string) => ParserResults[K] {
  const options: NormalizeOptions = platform ? {platform} : {}
  return (text) => PARSERS[id](text, options)
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
const INTERFACE: Kw = ['interface', 3]
const MAC: Kw = ['mac', 3]
const ADDRESS_TABLE: Kw = ['address-table', 3]
/** Older IOS (2900XL / 3500XL, 12.1) spells it as one word; NX-OS accepts it too. */
const MAC_ADDRESS_TABLE: Kw = ['mac-address-table', 3]
const NEIGHBORS: Kw = ['neighbors', 3]
const DETAIL: Kw = ['detail', 3]

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
  // `show interfaces Gi1/0/19 switchport`, `sh int sw` (ntc-templates: `sh[[ow]] int[[erfaces]] sw[[itchport]]`).
  {id: 'switchport', platforms: ['ios', 'nxos'], steps: [SHOW, INTERFACES, 'IF?', ['switchport', 2]]},
  {id: 'mac-address-table', platforms: ['ios', 'nxos'], steps: [SHOW, MAC, ADDRESS_TABLE, INTERFACE, 'IF']},
  {id: 'mac-address-table', platforms: ['ios', 'nxos'], steps: [SHOW, MAC, ADDRESS_TABLE]},
  {id: 'mac-address-table', platforms: ['ios', 'nxos'], steps: [SHOW, MAC_ADDRESS_TABLE, INTERFACE, 'IF']},
  {id: 'mac-address-table', platforms: ['ios', 'nxos'], steps: [SHOW, MAC_ADDRESS_TABLE]},
  // IOS names the port before `detail`: `show lldp neighbors Gi1/0/19 detail`; NX-OS after `interface`.
  {id: 'lldp-neighbors-detail', platforms: ['ios'], steps: [SHOW, ['lldp', 3], NEIGHBORS, 'IF?', DETAIL]},
  {id: 'lldp-neighbors-detail', platforms: ['nxos'], steps: [SHOW, ['lldp', 3], NEIGHBORS, INTERFACE, 'IF', DETAIL]},
  {id: 'lldp-neighbors-detail', platforms: ['nxos'], steps: [SHOW, ['lldp', 3], NEIGHBORS, DETAIL]},
  {id: 'cdp-neighbors-detail', platforms: ['ios'], steps: [SHOW, ['cdp', 2], NEIGHBORS, 'IF?', DETAIL]},
  {id: 'cdp-neighbors-detail', platforms: ['nxos'], steps: [SHOW, ['cdp', 2], NEIGHBORS, INTERFACE, 'IF', DETAIL]},
  {id: 'cdp-neighbors-detail', platforms: ['nxos'], steps: [SHOW, ['cdp', 2], NEIGHBORS, DETAIL]},
  {id: 'vlan-brief', platforms: ['ios', 'nxos'], steps: [SHOW, ['vlan', 2], ['brief', 2]]},
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
    if (m) return {id: spec.id, interface: m.interface, parse: parserById(spec.id, platform)} as ParserEntry
  }
  return null
}
