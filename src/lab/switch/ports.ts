/**
 * Port inventories of the simulated switches and interface-name matching the way the Cisco
 * CLI does it: any unique prefix of the type name (`g`, `gi`, `Gig`, `GigabitEthernet`), an
 * optional space, then the numbers (`int gi 1/0/19`, `interface GigabitEthernet1/0/19`).
 */
import type {PlatformName} from '../../platforms/types.js'

export type SwitchModel = 'single' | 'stack'

export interface PortSpec {
  /** Long name as the device prints it: GigabitEthernet1/0/19, Ethernet1/19. */
  name: string
  /** Short name used in status tables: Gi1/0/19, Eth1/19. */
  short: string
  /** Type prefix (long) and the numbering part. */
  type: string
  numbers: string
  /** Media column of `show interfaces status`. */
  media: string
  /** Speed of the port when connected, as shown in the status table (`a-1000`, `10G`). */
  speed: string
  /** 1-based position, used for MAC addresses. */
  index: number
}

interface TypeDef {
  long: string
  short: string
}

const IOS_TYPES: TypeDef[] = [
  {long: 'GigabitEthernet', short: 'Gi'},
  {long: 'TenGigabitEthernet', short: 'Te'},
  {long: 'FastEthernet', short: 'Fa'},
  {long: 'Vlan', short: 'Vl'},
  {long: 'Port-channel', short: 'Po'},
]
const NXOS_TYPES: TypeDef[] = [
  {long: 'Ethernet', short: 'Eth'},
  {long: 'mgmt', short: 'mgmt'},
  {long: 'port-channel', short: 'Po'},
  {long: 'Vlan', short: 'Vlan'},
]

function interfaceTypes(platform: PlatformName): TypeDef[] {
  return platform === 'ios' ? IOS_TYPES : NXOS_TYPES
}

/** The physical ports of a model, in the order the device lists them. */
export function buildPorts(platform: PlatformName, model: SwitchModel): PortSpec[] {
  const ports: PortSpec[] = []
  const add = (type: string, short: string, numbers: string, media: string, speed: string): void => {
    ports.push({name: type + numbers, short: short + numbers, type, numbers, media, speed, index: ports.length + 1})
  }
  if (platform === 'nxos') {
    for (let i = 1; i <= 48; i++) add('Ethernet', 'Eth', `1/${i}`, '10Gbase-SR', '10G')
    return ports
  }
  const members = model === 'stack' ? [1, 2] : [1]
  for (const m of members) {
    for (let i = 1; i <= 48; i++) add('GigabitEthernet', 'Gi', `${m}/0/${i}`, '10/100/1000BaseTX', 'a-1000')
    for (let i = 1; i <= 4; i++) add('TenGigabitEthernet', 'Te', `${m}/1/${i}`, i <= 2 ? 'SFP-10GBase-SR' : 'Not Present', '10G')
  }
  return ports
}

/**
 * Parse an interface reference at the start of `text` (`gi1/0/19`, `Gi 1/0/19`, `Ethernet1/19`).
 * Returns the canonical name (which may not exist on the device) or `{error}` with the offset where
 * the input stopped making sense, for the caret.
 */
export function parseInterfaceRef(
  platform: PlatformName,
  text: string,
): {ok: true; type: TypeDef; numbers: string; length: number} | {ok: false; offset: number} {
  const m = /^([A-Za-z-]+)( ?)([0-9][0-9/.]*)?/.exec(text)
  if (!m || m[1] === undefined) return {ok: false, offset: 0}
  const word = m[1].toLowerCase()
  const candidates = interfaceTypes(platform).filter((t) => t.long.toLowerCase().startsWith(word))
  if (candidates.length === 0) {
    // caret at the first character that no type name continues
    let best = 0
    for (const t of interfaceTypes(platform)) best = Math.max(best, commonPrefix(t.long.toLowerCase(), word))
    return {ok: false, offset: best}
  }
  const type = candidates[0]!
  if (m[3] === undefined) return {ok: false, offset: m[1].length + m[2]!.length}
  return {ok: true, type, numbers: m[3], length: m[0].length}
}

export function commonPrefix(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** Resolve any accepted spelling (long, short, abbreviated, any case) to a port of the list. */
export function findPort<T extends {name: string}>(platform: PlatformName, ports: readonly T[], ref: string): T | undefined {
  const r = parseInterfaceRef(platform, ref.trim())
  if (!r.ok || r.length !== ref.trim().length) return undefined
  const name = r.type.long + r.numbers
  return ports.find((p) => p.name.toLowerCase() === name.toLowerCase())
}
