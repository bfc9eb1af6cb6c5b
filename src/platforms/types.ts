/**
 * Platforms are data: how to talk to a device family over an interactive CLI.
 * The session layer (src/session) is generic and reads everything platform-specific from here.
 */
/** Every platform netops speaks, once: flag options and inventory validation read this list. */
export const PLATFORM_NAMES = ['ios', 'nxos'] as const

export type PlatformName = (typeof PLATFORM_NAMES)[number]

export function isPlatformName(value: unknown): value is PlatformName {
  return (PLATFORM_NAMES as readonly unknown[]).includes(value)
}

/** The spellings operators (and Netmiko / NAPALM / Nornir inventories) use, lower-cased, to our platform names. */
export const PLATFORM_SPELLINGS: ReadonlyMap<string, 'auto' | PlatformName> = new Map<string, 'auto' | PlatformName>([
  ['auto', 'auto'],
  ...PLATFORM_NAMES.map((p) => [p, p] as const),
  ['cisco_ios', 'ios'],
  ['iosxe', 'ios'],
  ['ios-xe', 'ios'],
  ['ios_xe', 'ios'],
  ['cisco_xe', 'ios'],
  ['cisco_iosxe', 'ios'],
  ['nx-os', 'nxos'],
  ['nx_os', 'nxos'],
  ['cisco_nxos', 'nxos'],
  ['nxos_ssh', 'nxos'],
])

/** `IOS-XE` → ios, `NX-OS` → nxos (case-insensitive); undefined for a platform we do not speak. */
export function normalizePlatform(text: string): 'auto' | PlatformName | undefined {
  return PLATFORM_SPELLINGS.get(text.trim().toLowerCase())
}

export type CliMode = 'user' | 'privileged' | 'config'

interface SaveStep {
  /** What the device prints when it wants an answer. */
  expect: RegExp
  /** What to answer (sent followed by a newline). */
  answer: string
}

export interface PlatformSpec {
  name: PlatformName
  /** Human name for messages. */
  displayName: string
  /** Matches a prompt at the very end of the buffer; group 1 = hostname, group 2 = config sub-mode, group 3 = `>` or `#`. */
  promptPattern: RegExp
  /** Paging marker at the end of the buffer, answered with a space. */
  pagerPattern: RegExp
  enableCommand: string
  /** The enable secret prompt. */
  enablePasswordPrompt: RegExp
  /** Output meaning the enable secret was wrong. */
  enableFailure: RegExp
  /** Output meaning a command was rejected. The first match names the error. */
  failureIndicators: RegExp[]
  /** Sent once in privileged mode, after login. */
  onOpen: string[]
  configEnter: string
  configExit: string
  /** Commands that save running-config, with the dialogue they need. */
  save: {command: string; steps: SaveStep[]; done: RegExp; timeoutMs: number}
  /** Show commands, per purpose. */
  commands: {
    version: string
    interfacesStatus: string
    errDisabled: string
    errdisableRecovery: string
    logging: (include: string) => string
    showInterface: (name: string) => string
    runningInterface: (name: string) => string
    /** `netops loop trace` (issue 13); `name` is the long interface name, none = the whole table (one read for every port). */
    macAddressTable: (name?: string) => string
    lldpNeighborsDetail: (name?: string) => string
    cdpNeighborsDetail: (name?: string) => string
    /** A port's mode, access VLAN and allowed trunk VLANs (src/parsers/switchport.ts). */
    switchport: (name: string) => string
    /** VLAN → access ports (src/parsers/vlan-brief.ts). */
    vlanBrief: string
  }
  /** Whether Ethernet ports have a keepalive that can be turned off. */
  hasEthernetKeepalive: boolean
  /** errdisable recovery interval range, seconds. */
  recoveryIntervalRange: {min: number; max: number}
}
