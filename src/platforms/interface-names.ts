/**
 * Platform-neutral Cisco interface names.
 *
 * IOS / IOS-XE print long names in `show interfaces`, `show running-config` and most log messages
 * (`GigabitEthernet1/0/19`) and short ones in `show interfaces status` and `%PM-4-ERR_DISABLE`
 * (`Gi1/0/19`); NX-OS prints `Ethernet1/19` and `Eth1/19`. Users type anything in between
 * (`gi1/0/19`, `g1/0/19`, `19`). Everything that compares interfaces goes through here.
 */
import type {PlatformName} from './types.js'
import {editDistance} from '../util/edit-distance.js'

const IGNORE_CASE = {ignoreCase: true}

export interface InterfaceName {
  /** Long form as the device prints it in `show interfaces`: `GigabitEthernet1/0/19`. */
  long: string
  /** Short form as `show interfaces status` prints it: `Gi1/0/19`, `Eth1/19`, `Po17`. */
  short: string
  /** Canonical long type name without the number: `GigabitEthernet`. */
  type: string
  /** Everything after the type: `1/0/19`, `17`, `0/1.100`. */
  path: string
}

export interface NormalizeOptions {
  /** NX-OS spells port channels `port-channel5`; IOS `Port-channel5` (default). */
  platform?: PlatformName
}

interface TypeSpec {
  long: string
  short: string
  /** Extra lower-case spellings accepted as an exact type (besides long and short). */
  aliases: string[]
}

/**
 * Known types. Order matters: when an abbreviation is a prefix of several long names and no alias
 * settles it, the first one wins only if the abbreviation is at least two letters long and the
 * candidates disagree on nothing else; see resolveType().
 */
const TYPES: TypeSpec[] = [
  {long: 'GigabitEthernet', short: 'Gi', aliases: ['g', 'gig', 'gige']},
  {long: 'FastEthernet', short: 'Fa', aliases: ['f']},
  {long: 'TenGigabitEthernet', short: 'Te', aliases: ['ten', 'tengig', 'tengige', 'tengigabit']},
  {long: 'TwentyFiveGigE', short: 'Twe', aliases: ['twentyfivegigabitethernet', 'twentyfivegig']},
  {long: 'FortyGigabitEthernet', short: 'Fo', aliases: ['fortygige']},
  {long: 'HundredGigE', short: 'Hu', aliases: ['hundredgigabitethernet']},
  {long: 'TwoGigabitEthernet', short: 'Tw', aliases: []},
  {long: 'FiveGigabitEthernet', short: 'Fi', aliases: []},
  {long: 'AppGigabitEthernet', short: 'Ap', aliases: []},
  {long: 'Ethernet', short: 'Eth', aliases: ['e', 'et']},
  {long: 'Port-channel', short: 'Po', aliases: ['portchannel', 'p']},
  {long: 'Vlan', short: 'Vl', aliases: ['v']},
  {long: 'Loopback', short: 'Lo', aliases: ['l']},
  {long: 'Tunnel', short: 'Tu', aliases: []},
  {long: 'mgmt', short: 'mgmt', aliases: ['m']},
  {long: 'Serial', short: 'Se', aliases: []},
  {long: 'nve', short: 'nve', aliases: []},
  {long: 'vfc', short: 'vfc', aliases: []},
  {long: 'fc', short: 'fc', aliases: []},
  {long: 'Null', short: 'Nu', aliases: []},
  {long: 'BDI', short: 'BD', aliases: []},
]

const NAME_RE = /^([A-Za-z][A-Za-z-]*?)(\s?)(\d+(?:\/\d+)*(?:\.\d+)?(?::\d+)?)$/

function resolveType(word: string): TypeSpec | null {
  const w = word.toLowerCase()
  for (const t of TYPES) {
    if (t.long.toLowerCase() === w || t.short.toLowerCase() === w || t.aliases.includes(w)) return t
  }
  const prefixed = TYPES.filter((t) => t.long.toLowerCase().startsWith(w))
  if (prefixed.length === 1) return prefixed[0] ?? null
  return null
}

/**
 * Parse any IOS / NX-OS interface spelling. Returns null for things that are not an interface name
 * (a bare number, an ambiguous abbreviation such as `t1/1`, free text). Unknown but well-formed
 * types (`Virtual-PPP2`, `Embedded-Service-Engine0/0`) are kept as written.
 */
export function normalizeInterface(name: string, options: NormalizeOptions = {}): InterfaceName | null {
  const trimmed = name.trim().replace(/[.,:;)]+$/, '')
  const m = NAME_RE.exec(trimmed)
  if (!m) return null
  const word = m[1] ?? ''
  const spaced = (m[2] ?? '') !== ''
  const path = m[3] ?? ''
  const spec = resolveType(word)
  if (spec) {
    const longType = spec.long === 'Port-channel' && options.platform === 'nxos' ? 'port-channel' : spec.long
    return {long: longType + path, short: spec.short + path, type: spec.long, path}
  }
  // Unknown types only in the device's own spelling (no space): `Virtual-PPP2`, not `Interface 1/0/19`.
  if (word.length < 3 || spaced) return null
  return {long: word + path, short: word + path, type: word, path}
}

/** True when both names denote the same interface (`Gi1/0/19` vs `GigabitEthernet1/0/19`). */
export function sameInterface(a: string, b: string): boolean {
  const na = normalizeInterface(a)
  const nb = normalizeInterface(b)
  if (na && nb) return na.type.toLowerCase() === nb.type.toLowerCase() && na.path === nb.path
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}

/** Long form if the name parses, else the name unchanged. */
export function longName(name: string, options: NormalizeOptions = {}): string {
  return normalizeInterface(name, options)?.long ?? name
}

/** Short form if the name parses, else the name unchanged. */
export function shortName(name: string): string {
  return normalizeInterface(name)?.short ?? name
}

export type PortMatch =
  | {kind: 'exact'; name: string}
  | {kind: 'ambiguous'; candidates: string[]}
  | {kind: 'none'; nearest: string[]}
  /** A range (`Gi1/0/19-20`, `19-20`): `first` and `last` spelled as the user would type each end. */
  | {kind: 'range'; first: string; last: string}

/** `Gi1/0/19-20` → Gi1/0/19 and Gi1/0/20; `19-20` → 19 and 20; anything else: null. */
export function splitRange(query: string): {first: string; last: string} | null {
  const m = /^(.*?)(\d+)\s*-\s*(\d+)$/.exec(query.trim())
  if (m === null) return null
  const [, prefix = '', a = '', b = ''] = m
  if (prefix !== '' && !/[/a-z]$/i.test(prefix)) return null
  return {first: prefix + a, last: prefix + b}
}

/** Management ports (NX-OS mgmt0) carry no switching: never a port to suggest for --port. */
function isManagement(name: string): boolean {
  return normalizeInterface(name)?.type === 'mgmt'
}

function lastElement(path: string): string {
  const parts = path.split(/[/.:]/)
  return parts[parts.length - 1] ?? ''
}

function unique(names: string[]): string[] {
  const out: string[] = []
  for (const n of names) if (!out.some((o) => sameInterface(o, n))) out.push(n)
  return out
}

/**
 * Resolve what the user typed for `--port` against the ports the switch reported.
 * - `19`: every port whose last path element is 19 (Gi1/0/19 and Gi2/0/19 → ambiguous).
 * - `1/0/19` (no type): ports whose path is, or ends with, that path.
 * - any interface spelling: the port with the same type and path.
 * - a range (`Gi1/0/19-20`): `range`, with its two ends (one port at a time is what --port takes).
 * `none` carries up to five nearest real names (same type and nearby numbers first; never mgmt0).
 */
export function matchPort(query: string, known: string[]): PortMatch {
  const q = query.trim()
  const range = splitRange(q)
  if (range !== null) return {kind: 'range', ...range}
  let candidates: string[]
  if (/^\d+$/.test(q)) {
    const n = Number(q)
    candidates = known.filter((k) => {
      const nk = normalizeInterface(k)
      return nk !== null && /^\d+$/.test(lastElement(nk.path)) && Number(lastElement(nk.path)) === n
    })
  } else if (/^\d+(?:\/\d+)+$/.test(q)) {
    candidates = known.filter((k) => {
      const nk = normalizeInterface(k)
      return nk !== null && (nk.path === q || nk.path.endsWith('/' + q))
    })
  } else {
    candidates = known.filter((k) => sameInterface(k, q))
    if (candidates.length > 0) return {kind: 'exact', name: candidates[0] ?? q}
  }
  candidates = unique(candidates)
  if (candidates.length === 1) return {kind: 'exact', name: candidates[0] ?? q}
  if (candidates.length > 1) return {kind: 'ambiguous', candidates}
  return {kind: 'none', nearest: nearestPorts(q, known)}
}

/** Up to `limit` known names closest to `query`: same type, same slot/module, nearby port number, then spelling. */
export function nearestPorts(query: string, known: string[], limit = 5): string[] {
  const q = query.trim()
  const nq = normalizeInterface(q)
  const qPath = nq ? nq.path : /^[\d/]+$/.test(q) ? q : null
  const qLast = qPath === null ? NaN : Number(lastElement(qPath))
  const qPrefix = qPath !== null && qPath.includes('/') ? qPath.slice(0, qPath.lastIndexOf('/')) : null
  const scored = unique(known.filter((k) => !isManagement(k))).map((k) => {
    const nk = normalizeInterface(k)
    const typePenalty = nq && nk && nq.type.toLowerCase() !== nk.type.toLowerCase() ? 1 : 0
    const kPrefix = nk && nk.path.includes('/') ? nk.path.slice(0, nk.path.lastIndexOf('/')) : null
    const prefixPenalty = qPrefix !== null && kPrefix !== qPrefix ? 1 : 0
    const kLast = nk ? Number(lastElement(nk.path)) : NaN
    const numDist = Number.isFinite(qLast) && Number.isFinite(kLast) ? Math.abs(qLast - kLast) : 1e6
    const spell = Math.min(editDistance(q, k, IGNORE_CASE), nk ? editDistance(nq?.short ?? q, nk.short, IGNORE_CASE) : Infinity)
    return {k, key: [typePenalty, prefixPenalty, numDist, spell] as const}
  })
  scored.sort((a, b) => {
    for (let i = 0; i < 4; i++) {
      const d = (a.key[i] ?? 0) - (b.key[i] ?? 0)
      if (d !== 0) return d
    }
    return 0
  })
  return scored.slice(0, limit).map((s) => s.k)
}
