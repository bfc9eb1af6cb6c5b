/**
 * NX-OS (Nexus 9000) show outputs of the lab switch, in the layouts of the real captures in
 * ../shared/fixtures (ntc-templates cisco_nxos, genieparser nxos) and the texts of the December
 * addendum of ../shared/reference/cisco-loopback-errdisable.md. The lab's NX-OS err-disable causes
 * (loopback, bpduguard) have no real capture of their `show interface status` cell, `show interface`
 * first line or logfile reason: those texts are modelled on the captured link-flap / generic forms and
 * each says UNVERIFIED where it is made.
 */
import {causeKeyword, NXOS_RECOVERY_CAUSES, type Device, type PortState} from './device.js'
import {dotted, macRows, mac, NXOS_SYSTEM_DESCRIPTION_LLDP, vlanPortLines} from './show-ios.js'

/** The copyright block NX-OS prints in its login banner and at the top of `show version`. */
export const NXOS_COPYRIGHT = [
  'Cisco Nexus Operating System (NX-OS) Software',
  'TAC support: http://www.cisco.com/tac',
  'Copyright (C) 2002-2021, Cisco and/or its affiliates.',
  'All rights reserved.',
  'The copyrights to certain works contained in this software are',
  'owned by other third parties and used and distributed under their own',
  'licenses, such as open source.  This software is provided "as is," and unless',
  'otherwise stated, there is no warranty, express or implied, including but not',
  'limited to warranties of merchantability and fitness for a particular purpose.',
]

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const NXOS_VERSION = '9.3(8)'
const RULE = '-'.repeat(80)
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))
const two = (n: number): string => String(n).padStart(2, '0')

/** `2026 Nov 27 03:12:01` (logfile stamp). */
function nxosTimestamp(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
}

/** `Fri Nov 27 03:12:01 2026` (running-config header). */
function ctime(ms: number): string {
  const d = new Date(ms)
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`
}

function statusCell(d: Device, p: PortState): string {
  switch (d.status(p)) {
    case 'connected':
      return 'connected'
    case 'notconnect':
      return 'notconnec'
    case 'disabled':
      return 'disabled'
    case 'err-disabled':
      return errDisabledCell(p)
  }
}

/**
 * The 9-character Status cell of an err-disabled port. Captured: `linkFlapE` (genieparser nxos
 * ShowInterfaceStatus golden6), i.e. the err-disabled listing's `linkFlapErr` cut to 9.
 * UNVERIFIED for other causes: the listing's generic `err-disabled` (ntc fixture), cut to 9 the same way.
 */
function errDisabledCell(p: PortState): string {
  return p.errDisabled === 'link-flap' ? 'linkFlapE' : 'err-disab'
}

/** `show interface status err-disabled` Status and Reason: captured `linkFlapErr` / `linkFlapErrDisabled`. */
function errDisabledListing(p: PortState): {status: string; reason: string} {
  if (p.errDisabled === 'link-flap') return {status: 'linkFlapErr', reason: 'linkFlapErrDisabled'}
  // UNVERIFIED: the Reason text for bpduguard / loopback was not found in a capture (the ntc fixture has
  // `err-disabled` + `Error disabled` for a cause it does not name); `BPDUGuard` is the IF_DOWN_ERROR_DISABLED reason seen in syslog.
  return {status: 'err-disabled', reason: p.errDisabled === 'bpduguard' ? 'BPDUGuard' : (p.errDisabled ?? 'Error disabled')}
}

/**
 * The cause inside the first line of `show interface`. Captured: `(linkFlapErrDisabled)`,
 * `(linkFlapErrDisabled, port: error)` (FEX ports), `(storm control errDisable)` (genieparser nxos).
 * UNVERIFIED for loopback / bpduguard: written like the captured link-flap form.
 */
function firstLineCause(p: PortState): string {
  const cause = p.errDisabled ?? 'error'
  if (cause === 'link-flap') return 'linkFlapErrDisabled'
  if (cause === 'storm-control') return 'storm control errDisable'
  return `${cause === 'bpduguard' ? 'bpduGuard' : cause}ErrDisabled`
}

export function showInterfaceStatus(d: Device, ports: PortState[] = d.ports): string {
  const lines = ['', RULE, 'Port          Name               Status    Vlan      Duplex  Speed   Type', RULE]
  if (ports === d.ports) lines.push('mgmt0         --                 connected routed    full    1000    --')
  for (const p of ports) {
    const up = d.status(p) === 'connected'
    const vlan = p.vlan === 'trunk' ? 'trunk' : String(p.vlan)
    lines.push(
      pad(p.short, 14) +
        pad((p.description ?? '--').slice(0, 18), 19) +
        pad(statusCell(d, p), 10) +
        pad(vlan, 10) +
        pad(up ? 'full' : 'auto', 8) +
        pad(up ? p.speed : 'auto', 8) +
        p.media,
    )
  }
  return lines.join('\n') + '\n'
}

export function showInterfaceStatusErrDisabled(d: Device, ports: PortState[] = d.ports): string {
  const lines = ['', RULE, 'Port         Name               Status             Reason', RULE]
  for (const p of ports) {
    if (p.errDisabled === null) continue
    const {status, reason} = errDisabledListing(p)
    lines.push(pad(p.short, 13) + pad((p.description ?? '--').slice(0, 18), 19) + pad(status, 19) + reason)
  }
  return lines.join('\n') + '\n'
}

export function showInterface(d: Device, p: PortState): string {
  const status = d.status(p)
  const first =
    status === 'connected'
      ? `${p.name} is up`
      : status === 'disabled'
        ? `${p.name} is down (Administratively down)`
        : status === 'err-disabled'
          ? `${p.name} is down (${firstLineCause(p)})`
          : `${p.name} is down (Link not connected)`
  const up = status === 'connected'
  const lines = [
    first,
    `admin state is ${p.shutdown ? 'down' : 'up'}, Dedicated Interface`,
    `  Hardware: 100/1000/10000/25000 Ethernet, address: ${mac(p, 0x003a9c5b)} (bia ${mac(p, 0x003a9c5b)})`,
  ]
  if (p.description) lines.push(`  Description: ${p.description}`)
  lines.push(
    '  MTU 1500 bytes, BW 10000000 Kbit , DLY 10 usec',
    '  reliability 255/255, txload 1/255, rxload 1/255',
    '  Encapsulation ARPA, medium is broadcast',
    `  Port mode is ${p.vlan === 'trunk' ? 'trunk' : 'access'}`,
    up ? '  full-duplex, 10 Gb/s, media type is 10G' : '  auto-duplex, auto-speed',
    '  Beacon is turned off',
    '  Auto-Negotiation is turned on  FEC mode is Auto',
    '  Input flow-control is off, output flow-control is off',
    '  Auto-mdix is turned off',
    '  Rate mode is dedicated',
    '  Switchport monitor is off ',
    '  EtherType is 0x8100 ',
    '  EEE (efficient-ethernet) : n/a',
    '    admin fec state is auto, oper fec state is off',
    `  Last link flapped ${flapped(d.now() - p.lastChange)}`,
    '  Last clearing of "show interface" counters never',
    '  1 interface resets',
    '  Load-Interval #1: 30 seconds',
    '    30 seconds input rate 0 bits/sec, 0 packets/sec',
    '    30 seconds output rate 0 bits/sec, 0 packets/sec',
    '    input rate 0 bps, 0 pps; output rate 0 bps, 0 pps',
    '  Load-Interval #2: 5 minute (300 seconds)',
    '    300 seconds input rate 0 bits/sec, 0 packets/sec',
    '    300 seconds output rate 0 bits/sec, 0 packets/sec',
    '    input rate 0 bps, 0 pps; output rate 0 bps, 0 pps',
    '  RX',
    '    0 unicast packets  0 multicast packets  0 broadcast packets',
    '    0 input packets  0 bytes',
    '    0 jumbo packets  0 storm suppression bytes',
    '    0 runts  0 giants  0 CRC  0 no buffer',
    '    0 input error  0 short frame  0 overrun   0 underrun  0 ignored',
    '    0 watchdog  0 bad etype drop  0 bad proto drop  0 if down drop',
    '    0 input with dribble  0 input discard',
    '    0 Rx pause',
    '    0 Stomped CRC',
    '  TX',
    '    0 unicast packets  0 multicast packets  0 broadcast packets',
    '    0 output packets  0 bytes',
    '    0 jumbo packets',
    '    0 output error  0 collision  0 deferred  0 late collision',
    '    0 lost carrier  0 no carrier  0 babble  0 output discard',
    '    0 Tx pause',
    '',
  )
  return lines.join('\n') + '\n'
}

function flapped(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 86400) return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`
  const weeks = Math.floor(s / 604800)
  const days = Math.floor((s % 604800) / 86400)
  return weeks ? `${weeks}week(s) ${days}day(s)` : `${days}d${two(Math.floor((s % 86400) / 3600))}h`
}

function interfaceConfigLines(p: PortState): string[] {
  const out = ['', `interface ${p.name}`]
  if (p.description) out.push(`  description ${p.description}`)
  if (p.vlan === 'trunk') out.push('  switchport mode trunk')
  else if (p.vlan !== 1) out.push(`  switchport access vlan ${p.vlan}`)
  if (p.portfast) out.push('  spanning-tree port type edge')
  if (p.bpduguard) out.push('  spanning-tree bpduguard enable')
  if (p.shutdown) out.push('  shutdown')
  return out
}

function header(d: Device, command: string): string[] {
  const changed = d.lastConfigChange?.at ?? d.bootTime
  return [
    '',
    `!Command: ${command}`,
    `!Running configuration last done at: ${ctime(changed)}`,
    `!Time: ${ctime(d.now())}`,
    '',
    `version ${NXOS_VERSION} Bios:version 05.45 `,
  ]
}

export function runningConfigLines(d: Device): string[] {
  const lines = header(d, 'show running-config')
  lines.push(`hostname ${d.hostname}`, '', 'feature ssh', '', 'username admin role network-admin', '')
  for (const c of [...d.recoveryCauses].sort()) lines.push(`errdisable recovery cause ${c}`)
  if (d.recoveryInterval !== 300) lines.push(`errdisable recovery interval ${d.recoveryInterval}`)
  lines.push('vlan 1,10', '', 'vrf context management', '', 'interface mgmt0', '  vrf member management')
  for (const p of d.ports) lines.push(...interfaceConfigLines(p))
  lines.push('line console', 'line vty', '')
  return lines
}

export function showRunningConfig(d: Device): string {
  return runningConfigLines(d).join('\n') + '\n'
}

export function showRunningConfigInterface(d: Device, p: PortState): string {
  return [...header(d, `show running-config interface ${p.name}`), ...interfaceConfigLines(p), ''].join('\n') + '\n'
}

export function showStartupConfig(d: Device): string {
  if (!d.startupConfig) return 'No startup configuration.\n'
  return d.startupConfig.join('\n').replace('!Command: show running-config', '!Command: show startup-config') + '\n'
}

/** genieparser nxos ShowErrdisableRecovery layout (lower-case, tab before `Timer interval`, no unit). */
export function showErrdisableRecovery(d: Device): string {
  const lines = ['ErrDisable Reason               Timer Status', '-----------------               ------------']
  for (const c of NXOS_RECOVERY_CAUSES) lines.push(pad(c, 32) + (d.recoveryCauses.has(causeKeyword('nxos', c)) ? 'enabled' : 'disabled'))
  lines.push('', `\tTimer interval: ${d.recoveryInterval}`)
  return lines.join('\n') + '\n'
}

/** genieparser nxos ShowLoggingLogfile shape: `YYYY Mmm dd hh:mm:ss <host> %FAC-SEV-MNEMONIC: ...`. */
export function showLoggingLogfile(d: Device): string {
  return d.log.map((e) => `${nxosTimestamp(e.at)} ${d.hostname} ${e.text}`).join('\n') + (d.log.length ? '\n' : '')
}

export function showVersion(d: Device): string {
  const up = d.now() - d.bootTime
  const s = Math.floor(up / 1000)
  const lines = [
    ...NXOS_COPYRIGHT,
    'Certain components of this software are licensed under',
    'the GNU General Public License (GPL) version 2.0 or ',
    'GNU General Public License (GPL) version 3.0  or the GNU',
    'Lesser General Public License (LGPL) Version 2.1 or ',
    'Lesser General Public License (LGPL) Version 2.0. ',
    'A copy of each such license is available at',
    'http://www.opensource.org/licenses/gpl-2.0.php and',
    'http://opensource.org/licenses/gpl-3.0.html and',
    'http://www.opensource.org/licenses/lgpl-2.1.php and',
    'http://www.gnu.org/licenses/old-licenses/library.txt.',
    '',
    'Software',
    '  BIOS: version 05.45',
    `  NXOS: version ${NXOS_VERSION}`,
    '  BIOS compile time:  11/22/2020',
    '  NXOS image file is: bootflash:///nxos.9.3.8.bin',
    '  NXOS compile time:  8/18/2021 15:00:00 [08/19/2021 00:03:46]',
    '',
    '',
    'Hardware',
    '  cisco Nexus9000 C93180YC-EX chassis ',
    '  Intel(R) Xeon(R) CPU  @ 1.80GHz with 24632824 kB of memory.',
    '  Processor Board ID FDO21120U5D',
    '',
    `  Device name: ${d.hostname}`,
    '  bootflash:   53298520 kB',
    `Kernel uptime is ${Math.floor(s / 86400)} day(s), ${Math.floor((s % 86400) / 3600)} hour(s), ${Math.floor((s % 3600) / 60)} minute(s), ${s % 60} second(s)`,
    '',
    `Last reset at 310210 usecs after ${ctime(d.bootTime)}`,
    '  Reason: Reset Requested by CLI command reload',
    `  System version: ${NXOS_VERSION}`,
    '  Service: ',
    '',
    'plugin',
    '  Core Plugin, Ethernet Plugin',
    '',
    'Active Package(s):',
    '',
  ]
  return lines.join('\n') + '\n'
}

// ---- layer 2: MAC table, LLDP / CDP neighbours, VLANs (topology lab) ------------------------------------

/**
 * `show mac address-table [interface X | vlan N]`, NX-OS 9.3 layout: the legend and header of genieparser nxos
 * ShowMacAddressTable golden_output_address_interface (`Legend: ` with its trailing space, `   VLAN     MAC
 * Address      Type      age     Secure NTFY Ports`, the `---------+---...` rule) and the rows of golden_output_4
 * (`*   10     0000.0c07.ac0a   dynamic  0         F      F    Po4`). No total line on NX-OS.
 */
export function showMacAddressTable(d: Device, filter: {ports?: PortState[]; vlan?: number} = {}): string {
  const lines = [
    'Legend: ',
    '        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC',
    '        age - seconds since last seen,+ - primary entry using vPC Peer-Link,',
    '        (T) - True, (F) - False, C - ControlPlane MAC, ~ - vsan',
    '   VLAN     MAC Address      Type      age     Secure NTFY Ports',
    '---------+-----------------+--------+---------+------+----+------------------',
  ]
  for (const r of macRows(d, filter.ports, filter.vlan)) {
    lines.push(
      '*' +
        String(r.vlan).padStart(5) +
        '     ' +
        dotted(r.mac) +
        '   ' +
        pad('dynamic', 9) +
        pad('0', 10) +
        pad('F', 7) +
        pad('F', 5) +
        r.port.short,
    )
  }
  return lines.join('\n') + '\n'
}

const IOS_DESCRIPTION_ONE_LINE =
  'Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version 16.12.4, RELEASE SOFTWARE (fc5)'

/**
 * `show lldp neighbors [interface X] detail`, NX-OS 9.3 layout of ntc-templates cisco_nxos_show_lldp_neighbors_detail2.raw
 * (capability-codes header, `Local Port id:`, `System Capabilities: B, R` with spaces, `Management Address:` and
 * `Management Address IPV6: not advertised`), entries separated by two blank lines and closed by a blank line and
 * `Total entries displayed: N` as in cisco_nxos_show_lldp_neighbors_detail.raw.
 */
export function showLldpNeighborsDetail(d: Device, ports: PortState[] = d.ports): string {
  const lines = [
    'Capability codes:',
    '  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device',
    '  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other',
    'Device ID            Local Intf      Hold-time  Capability  Port ID  ',
    '',
  ]
  let n = 0
  for (const p of ports) {
    const f = d.neighbor(p, 'lldp')
    if (!f) continue
    if (n > 0) lines.push('')
    n++
    lines.push(`Chassis id: ${dotted(f.chassisMac)}`)
    if (f.kind === 'node') {
      lines.push(`Port id: ${dotted(f.mac)}`, `Local Port id: ${p.short}`, `Port Description: ${f.nic}`, `System Name: ${f.systemName}`)
      lines.push(`System Description: ${f.systemDescription}`)
    } else {
      lines.push(
        `Port id: ${f.portShort}`,
        `Local Port id: ${p.short}`,
        `Port Description: ${f.portDescription}`,
        `System Name: ${f.switch}`,
      )
      if (f.platform === 'nxos')
        lines.push(`System Description: ${NXOS_SYSTEM_DESCRIPTION_LLDP[0]}`, ...NXOS_SYSTEM_DESCRIPTION_LLDP.slice(1))
      else lines.push(`System Description: ${IOS_DESCRIPTION_ONE_LINE}`)
    }
    lines.push('Time remaining: 97 seconds')
    lines.push(
      ...(f.kind === 'node'
        ? ['System Capabilities: B, R, S', 'Enabled Capabilities: S']
        : ['System Capabilities: B, R', 'Enabled Capabilities: B, R']),
    )
    lines.push(`Management Address: ${f.mgmtAddress ?? 'not advertised'}`, 'Management Address IPV6: not advertised')
    lines.push(`Vlan ID: ${f.kind === 'switch' ? f.vlan : 'not advertised'}`, '')
  }
  lines.push(`Total entries displayed: ${n}`)
  return lines.join('\n') + '\n'
}

/**
 * `show cdp neighbors [interface X] detail`, NX-OS layout of ntc-templates cisco_nxos_show_cdp_neighbors_detail.raw
 * (40-dash rule, `Device ID:` with no space, `Interface address(es):` / `    IPv4 Address: `, `Platform: P, Capabilities:
 * C`, `Holdtime: N sec`, `Advertisement Version: 2`, `Mgmt address(es):`). NX-OS prints no total line; with no
 * neighbour the output is empty (UNVERIFIED: no capture of the empty case was found).
 */
export function showCdpNeighborsDetail(d: Device, ports: PortState[] = d.ports): string {
  const lines: string[] = []
  for (const p of ports) {
    const f = d.neighbor(p, 'cdp')
    if (!f) continue
    const addr = f.mgmtAddress ? [`    IPv4 Address: ${f.mgmtAddress}`] : []
    lines.push('----------------------------------------')
    if (f.kind === 'node') lines.push(`Device ID:${f.systemName}`)
    else if (f.platform === 'nxos') lines.push(`Device ID:${f.switch}(FDO21120U5D)`, `System Name: ${f.switch}`)
    else lines.push(`Device ID:${f.switch}`, 'VTP Management Domain Name: null')
    const platform = f.kind === 'node' ? 'Linux' : f.platform === 'nxos' ? 'N9K-C93180YC-EX' : 'cisco WS-C3850-48P'
    const caps =
      f.kind === 'node'
        ? 'Host'
        : f.platform === 'nxos'
          ? 'Router Switch IGMP Filtering Supports-STP-Dispute'
          : 'Router Switch IGMP Filtering'
    lines.push('', 'Interface address(es):', ...addr, `Platform: ${platform}, Capabilities: ${caps}`)
    lines.push(`Interface: ${p.name}, Port ID (outgoing port): ${f.kind === 'node' ? f.nic : f.port}`, 'Holdtime: 133 sec', '', 'Version:')
    if (f.kind === 'node') lines.push(f.systemDescription)
    else lines.push(f.platform === 'nxos' ? 'Cisco Nexus Operating System (NX-OS) Software, Version 9.3(8)' : IOS_DESCRIPTION_ONE_LINE)
    lines.push('', 'Advertisement Version: 2', '')
    if (f.kind === 'switch') lines.push(`Native VLAN: ${f.vlan}`)
    lines.push('Duplex: full', 'Mgmt address(es):', ...addr)
  }
  return lines.length ? lines.join('\n') + '\n' : ''
}

/** `show vlan brief`, NX-OS layout of ntc-templates cisco_nxos_show_vlan.raw (its first block: leading blank line, ports wrapped at 79). */
export function showVlanBrief(d: Device): string {
  const lines = [
    '',
    'VLAN Name                             Status    Ports',
    '---- -------------------------------- --------- -------------------------------',
  ]
  for (const v of d.vlans) {
    const head = pad(String(v.id), 5) + pad(v.name.slice(0, 32), 33) + 'active'
    const wrapped = vlanPortLines(d.ports.filter((p) => p.vlan === v.id).map((p) => p.short))
    if (wrapped.length === 0) lines.push(head)
    else {
      lines.push(pad(head, 48) + wrapped[0])
      for (const w of wrapped.slice(1)) lines.push(' '.repeat(48) + w)
    }
  }
  return lines.join('\n') + '\n'
}
