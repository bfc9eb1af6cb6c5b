/**
 * IOS / IOS-XE show outputs of the lab switch, in the layouts of the real captures in
 * ../shared/fixtures (ntc-templates cisco_ios, genieparser ios/iosxe): same column widths,
 * headers, blank lines and casing. Lines are joined with '\n'; the CLI turns them into CRLF.
 */
import {causeKeyword, IOS_RECOVERY_CAUSES, type Device, type PortState} from './device.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const IOS_VERSION = '16.12.4'

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s)
const two = (n: number): string => String(n).padStart(2, '0')

/**
 * `Nov 27 03:12:01.123` (IOS `service timestamps log datetime msec`, clock NTP-synchronised, so no
 * leading `*`; with `service sequence-numbers` the line starts `000123: `, as in the ntc fixtures).
 */
function iosTimestamp(ms: number): string {
  const d = new Date(ms)
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
}

/** `03:12:01 UTC Fri Nov 27 2026` (running-config header, show clock). */
function iosClock(ms: number): string {
  const d = new Date(ms)
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`
}

function uptime(ms: number): string {
  let m = Math.floor(ms / 60_000)
  const weeks = Math.floor(m / 10080)
  m -= weeks * 10080
  const days = Math.floor(m / 1440)
  m -= days * 1440
  const hours = Math.floor(m / 60)
  m -= hours * 60
  const parts: string[] = []
  const unit = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`
  if (weeks) parts.push(unit(weeks, 'week'))
  if (days) parts.push(unit(days, 'day'))
  if (hours) parts.push(unit(hours, 'hour'))
  parts.push(unit(m, 'minute'))
  return parts.join(', ')
}

export function mac(p: PortState, base = 0x70350952): string {
  const hex = (base.toString(16) + (0x2a00 + p.index).toString(16).padStart(4, '0')).padStart(12, '0')
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`
}

function statusRow(d: Device, p: PortState): string {
  const status = d.status(p)
  const up = status === 'connected'
  const isTen = p.type === 'TenGigabitEthernet'
  const duplex = up ? (isTen ? 'full' : 'a-full') : 'auto'
  const speed = up ? (isTen ? '10G' : p.speed) : 'auto'
  const vlan = p.vlan === 'trunk' ? 'trunk' : String(p.vlan)
  return (
    pad(p.short, 10) +
    pad((p.description ?? '').slice(0, 18), 19) +
    pad(status, 13) +
    pad(vlan, 11) +
    lpad(duplex, 6) +
    ' ' +
    lpad(speed, 6) +
    ' ' +
    p.media
  )
}

export function showInterfacesStatus(d: Device, ports: PortState[] = d.ports): string {
  const lines = ['Port      Name               Status       Vlan       Duplex  Speed Type']
  for (const p of ports) lines.push(statusRow(d, p))
  return lines.join('\n') + '\n'
}

/** IOS-XE 5-column form (genieparser iosxe ShowInterfacesStatusErrDisabled golden_output_1). */
export function showInterfacesStatusErrDisabled(d: Device, ports: PortState[] = d.ports): string {
  const lines = ['Port         Name         Status       Reason               Err-disabled Vlans', '']
  for (const p of ports) {
    if (p.errDisabled === null) continue
    lines.push((pad(p.short, 13) + pad((p.description ?? '').slice(0, 12), 13) + pad('err-disabled', 13) + p.errDisabled).trimEnd())
  }
  return lines.join('\n') + '\n'
}

export function showInterface(d: Device, p: PortState): string {
  const status = d.status(p)
  const first =
    status === 'connected'
      ? `${p.name} is up, line protocol is up (connected) `
      : status === 'disabled'
        ? `${p.name} is administratively down, line protocol is down (disabled) `
        : `${p.name} is down, line protocol is down (${status}) `
  const isTen = p.type === 'TenGigabitEthernet'
  const bw = isTen ? 10000000 : 1000000
  const up = status === 'connected'
  const lines = [first, `  Hardware is ${isTen ? 'Ten Gigabit Ethernet Port' : 'Gigabit Ethernet'}, address is ${mac(p)} (bia ${mac(p)})`]
  if (p.description) lines.push(`  Description: ${p.description}`)
  lines.push(
    `  MTU 1500 bytes, BW ${bw} Kbit/sec, DLY 10 usec, `,
    '     reliability 255/255, txload 1/255, rxload 1/255',
    '  Encapsulation ARPA, loopback not set',
    p.keepalive === null ? '  Keepalive not set' : `  Keepalive set (${p.keepalive} sec)`,
    up
      ? `  Full-duplex, ${isTen ? '10Gb/s' : '1000Mb/s'}, media type is ${p.media}`
      : `  Auto-duplex, Auto-speed, media type is ${p.media}`,
    '  input flow-control is off, output flow-control is unsupported ',
    '  ARP type: ARPA, ARP Timeout 04:00:00',
    `  Last input ${up ? '00:00:00' : 'never'}, output ${up ? '00:00:01' : 'never'}, output hang never`,
    '  Last clearing of "show interface" counters never',
    '  Input queue: 0/2000/0/0 (size/max/drops/flushes); Total output drops: 0',
    '  Queueing strategy: fifo',
    '  Output queue: 0/40 (size/max)',
    '  5 minute input rate 0 bits/sec, 0 packets/sec',
    '  5 minute output rate 0 bits/sec, 0 packets/sec',
    '     0 packets input, 0 bytes, 0 no buffer',
    '     Received 0 broadcasts (0 multicasts)',
    '     0 runts, 0 giants, 0 throttles ',
    '     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored',
    '     0 watchdog, 0 multicast, 0 pause input',
    '     0 input packets with dribble condition detected',
    '     0 packets output, 0 bytes, 0 underruns',
    '     0 output errors, 0 collisions, 0 interface resets',
    '     0 unknown protocol drops',
    '     0 babbles, 0 late collision, 0 deferred',
    '     0 lost carrier, 0 no carrier, 0 pause output',
    '     0 output buffer failures, 0 output buffers swapped out',
  )
  return lines.join('\n') + '\n'
}

function interfaceConfigLines(p: PortState): string[] {
  const out = [`interface ${p.name}`]
  if (p.description) out.push(` description ${p.description}`)
  if (p.vlan === 'trunk') out.push(' switchport mode trunk')
  else {
    if (p.vlan !== 1) out.push(` switchport access vlan ${p.vlan}`)
    out.push(' switchport mode access')
  }
  if (p.shutdown) out.push(' shutdown')
  if (p.keepalive === null) out.push(' no keepalive')
  else if (p.keepalive !== 10) out.push(` keepalive ${p.keepalive}`)
  if (p.loopdetect) out.push(' loopdetect')
  if (p.portfast) out.push(' spanning-tree portfast')
  if (p.bpduguard) out.push(' spanning-tree bpduguard enable')
  return out
}

/** The full running configuration as lines (also what `write memory` stores). */
export function runningConfigLines(d: Device): string[] {
  const lines = ['!']
  if (d.lastConfigChange) lines.push(`! Last configuration change at ${iosClock(d.lastConfigChange.at)} by ${d.lastConfigChange.by}`, '!')
  lines.push(
    'version 16.12',
    'no service pad',
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    'service sequence-numbers',
    'no platform punt-keepalive disable-kernel-core',
    '!',
    `hostname ${d.hostname}`,
    '!',
    'vrf definition Mgmt-vrf',
    '!',
    'no aaa new-model',
    'switch 1 provision ws-c3850-48p',
  )
  if (d.model === 'stack') lines.push('switch 2 provision ws-c3850-48p')
  lines.push('!', 'ip domain name lab.example', '!')
  const causes = [...d.recoveryCauses].sort()
  for (const c of causes) lines.push(`errdisable recovery cause ${c}`)
  if (d.recoveryInterval !== 300) lines.push(`errdisable recovery interval ${d.recoveryInterval}`)
  if (causes.length || d.recoveryInterval !== 300) lines.push('!')
  lines.push('spanning-tree mode rapid-pvst', 'spanning-tree extend system-id', '!')
  for (const p of d.ports) lines.push(...interfaceConfigLines(p), '!')
  lines.push(
    'interface Vlan1',
    ' no ip address',
    ' shutdown',
    '!',
    'ip ssh version 2',
    '!',
    'line con 0',
    ' stopbits 1',
    'line vty 0 15',
    ' login local',
    ' transport input ssh',
    '!',
    'end',
  )
  return lines
}

export function showRunningConfig(d: Device, lines: string[] = runningConfigLines(d)): string {
  const body = lines.join('\n') + '\n'
  return `Building configuration...\n\nCurrent configuration : ${Buffer.byteLength(body)} bytes\n${body}\n`
}

export function showRunningConfigInterface(_d: Device, p: PortState): string {
  const body = ['!', ...interfaceConfigLines(p), 'end'].join('\n') + '\n'
  return `Building configuration...\n\nCurrent configuration : ${Buffer.byteLength(body)} bytes\n${body}\n`
}

export function showStartupConfig(d: Device): string {
  if (!d.startupConfig) return 'startup-config is not present\n'
  const body = d.startupConfig.join('\n') + '\n'
  return `Using ${Buffer.byteLength(body)} out of 2097152 bytes\n${body}\n`
}

/** genieparser ios ShowErrdisableRecovery layout. */
export function showErrdisableRecovery(d: Device): string {
  const lines = ['ErrDisable Reason            Timer Status', '-----------------            --------------']
  for (const c of IOS_RECOVERY_CAUSES) lines.push(pad(c, 29) + (d.recoveryCauses.has(causeKeyword('ios', c)) ? 'Enabled' : 'Disabled'))
  lines.push('', `Timer interval: ${d.recoveryInterval} seconds`, '', 'Interfaces that will be enabled at the next timeout:', '')
  const pending = d.pendingRecoveries()
  if (pending.length) {
    lines.push('Interface      Errdisable reason      Time left(sec)', '---------    ---------------------    --------------')
    for (const r of pending) {
      // as captured: name right-aligned in 7, reason ending in column 32, time left ending in column 45
      const name = lpad(r.port.short, 7)
      lines.push(name + lpad(r.reason, Math.max(r.reason.length + 1, 32 - name.length)) + lpad(String(r.secondsLeft), 13))
    }
    lines.push('    ')
  }
  return lines.join('\n') + '\n'
}

/** Layout of the C9500 / access-switch captures quoted in the reference (8 spaces after Detection). */
export function showErrdisableDetect(_d: Device): string {
  const rows: Array<[string, string]> = [
    ['arp-inspection', 'port'],
    ['bpduguard', 'port'],
    ['channel-misconfig (STP)', 'port'],
    ['dhcp-rate-limit', 'port'],
    ['dtp-flap', 'port'],
    ['gbic-invalid', 'port'],
    ['inline-power', 'port'],
    ['l2ptguard', 'port'],
    ['link-flap', 'port'],
    ['loopback', 'port'],
    ['loopdetect', 'port'],
    ['pagp-flap', 'port'],
    ['psecure-violation', 'port/vlan'],
    ['security-violation', 'port'],
    ['sfp-config-mismatch', 'port'],
    ['storm-control', 'port'],
    ['udld', 'port'],
    ['vmps', 'port'],
  ]
  const lines = ['ErrDisable Reason            Detection        Mode', '-----------------            ---------        ----']
  for (const [r, m] of rows) lines.push(pad(r, 29) + pad('Enabled', 17) + m)
  return lines.join('\n') + '\n'
}

/** ntc-templates cisco_ios show_logging layout (header block, Log Buffer, sequence-numbered lines). */
export function showLogging(d: Device): string {
  const n = d.log.length
  const header = [
    'Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)',
    '',
    'No Active Message Discriminator.',
    '',
    '',
    '',
    'No Inactive Message Discriminator.',
    '',
    '',
    '    Console logging: disabled',
    '    Monitor logging: level debugging, 0 messages logged, xml disabled,',
    '                     filtering disabled',
    `    Buffer logging:  level debugging, ${n} messages logged, xml disabled,`,
    '                    filtering disabled',
    '    Exception Logging: size (4096 bytes)',
    '    Count and timestamp logging messages: disabled',
    '    Persistent logging: disabled',
    '',
    'No active filter modules.',
    '',
    `    Trap logging: level informational, ${n} message lines logged`,
    '        Logging Source-Interface:       VRF Name:',
    '',
    'Log Buffer (102400 bytes):',
    '',
  ]
  for (const e of d.log) header.push(logLine(e.seq, e.at, e.text))
  return header.join('\n') + '\n'
}

function logLine(seq: number, at: number, text: string): string {
  return `${String(seq).padStart(6, '0')}: ${iosTimestamp(at)}: ${text}`
}

export function showVersion(d: Device): string {
  const now = d.now()
  const up = uptime(now - d.bootTime)
  const members = d.model === 'stack' ? [1, 2] : [1]
  const gig = 48 * members.length
  const ten = 4 * members.length
  const lines = [
    `Cisco IOS XE Software, Version ${IOS_VERSION.replace(/\.(\d)$/, '.0$1')}`,
    `Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version ${IOS_VERSION}, RELEASE SOFTWARE (fc5)`,
    'Technical Support: http://www.cisco.com/techsupport',
    'Copyright (c) 1986-2020 by Cisco Systems, Inc.',
    'Compiled Thu 09-Jul-20 21:49 by mcpre',
    '',
    '',
    'Cisco IOS-XE software, Copyright (c) 2005-2020 by cisco Systems, Inc.',
    'All rights reserved.  Certain components of Cisco IOS-XE software are',
    'licensed under the GNU General Public License ("GPL") Version 2.0.  The',
    'software code licensed under GPL Version 2.0 is free software that comes',
    'with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such',
    'GPL code under the terms of GPL Version 2.0.  For more details, see the',
    'documentation or "License Notice" file accompanying the IOS-XE software,',
    'or the applicable URL provided on the flyer accompanying the IOS-XE',
    'software.',
    '',
    '',
    'ROM: IOS-XE ROMMON',
    'BOOTLDR: CAT3K_CAA Boot Loader (CAT3K_CAA-HBOOT-M) Version 4.68, RELEASE SOFTWARE (P)',
    '',
    `${d.hostname} uptime is ${up}`,
    `Uptime for this control processor is ${up}`,
    `System returned to ROM by reload at ${iosClock(d.bootTime - 60_000)}`,
    `System restarted at ${iosClock(d.bootTime)}`,
    'System image file is "flash:packages.conf"',
    'Last reload reason: Reload Command',
    '',
    '',
    '',
    'This product contains cryptographic features and is subject to United',
    'States and local country laws governing import, export, transfer and',
    'use. Delivery of Cisco cryptographic products does not imply',
    'third-party authority to import, export, distribute or use encryption.',
    'Importers, exporters, distributors and users are responsible for',
    'compliance with U.S. and local country laws. By using this product you',
    'agree to comply with applicable laws and regulations. If you are unable',
    'to comply with U.S. and local laws, return this product immediately.',
    '',
    'A summary of U.S. laws governing Cisco cryptographic products may be found at:',
    'http://www.cisco.com/wwl/export/crypto/tool/stqrg.html',
    '',
    'If you require further assistance please contact us by sending email to',
    'export@cisco.com.',
    '',
    '',
    'Technology Package License Information: ',
    '',
    '------------------------------------------------------------------------------',
    'Technology-package                                     Technology-package',
    'Current                        Type                       Next reboot  ',
    '------------------------------------------------------------------------------',
    'ipservicesk9           Smart License                    ipservicesk9',
    'None                   Subscription Smart License       None ',
    '',
    '',
    'Smart Licensing Status: UNREGISTERED/EVAL MODE',
    '',
    'cisco WS-C3850-48P (MIPS) processor (revision AB0) with 795205K/6147K bytes of memory.',
    'Processor board ID FOC1234X0AB',
    '2 Virtual Ethernet interfaces',
    `${gig} Gigabit Ethernet interfaces`,
    `${ten} Ten Gigabit Ethernet interfaces`,
    '2048K bytes of non-volatile configuration memory.',
    '4194304K bytes of physical memory.',
    '250456K bytes of Crash Files at crashinfo:.',
    '1609272K bytes of Flash at flash:.',
    '0K bytes of WebUI ODM Files at webui:.',
    '',
    'Base Ethernet MAC Address          : 70:35:09:52:2a:00',
    'Motherboard Assembly Number        : 73-15805-04',
    'Motherboard Serial Number          : FOC12345ABC',
    'Model Revision Number              : AB0',
    'Motherboard Revision Number        : A0',
    'Model Number                       : WS-C3850-48P',
    'System Serial Number               : FOC1234X0AB',
    '',
    '',
    'Switch Ports Model              SW Version        SW Image              Mode   ',
    '------ ----- -----              ----------        ----------            ----   ',
  ]
  for (const m of members)
    lines.push(`${m === 1 ? '*' : ' '}    ${m} 56    WS-C3850-48P       ${pad(IOS_VERSION, 18)}CAT3K_CAA-UNIVERSALK9 INSTALL`)
  lines.push('', '')
  for (const m of members.slice(1)) {
    lines.push(
      `Switch ${two(m)}`,
      '---------',
      `Switch uptime                      : ${up} `,
      '',
      `Base Ethernet MAC Address          : 70:35:09:52:3${m}:00`,
      'Motherboard Assembly Number        : 73-15805-04',
      `Motherboard Serial Number          : FOC12345AB${m}`,
      'Model Revision Number              : AB0',
      'Motherboard Revision Number        : A0',
      'Model Number                       : WS-C3850-48P',
      `System Serial Number               : FOC1234X0A${m}`,
      '',
    )
  }
  lines.push('Configuration register is 0x102', '')
  return lines.join('\n') + '\n'
}

export function showClock(d: Device): string {
  const s = iosClock(d.now())
  const d0 = new Date(d.now())
  return `${s.replace(/^(\d\d:\d\d:\d\d)/, `$1.${String(d0.getUTCMilliseconds()).padStart(3, '0')}`)}\n`
}

// ---- layer 2: MAC table, LLDP / CDP neighbours, VLANs, switchport (topology lab) ------------------------

/** `52:54:00:aa:bb:01` → `5254.00aa.bb01` (how Cisco prints MACs). */
export function dotted(macColon: string): string {
  const h = macColon.replace(/:/g, '')
  return `${h.slice(0, 4)}.${h.slice(4, 8)}.${h.slice(8, 12)}`
}

/** Gi1/0/19 → GigabitEthernet1/0/19 is `p.name`; the short form is `p.short`. */
export interface MacRow {
  vlan: number
  mac: string
  port: PortState
}

export function macRows(d: Device, ports: PortState[] = d.ports, vlan?: number): MacRow[] {
  const rows: MacRow[] = []
  for (const p of ports)
    for (const l of d.learnedMacs(p)) if (vlan === undefined || l.vlan === vlan) rows.push({vlan: l.vlan, mac: l.mac, port: p})
  return rows.sort((a, b) => a.vlan - b.vlan || a.mac.localeCompare(b.mac))
}

/**
 * `show mac address-table [interface X | vlan N]`, IOS-XE Catalyst layout of ntc-templates
 * cisco_ios_show_mac-address-table6.raw (title, rule, `Vlan    Mac Address       Type        Ports`, the CPU
 * `All ... STATIC CPU` rows on the whole table only, `Total Mac Addresses for this criterion: N`).
 */
export function showMacAddressTable(d: Device, filter: {ports?: PortState[]; vlan?: number} = {}): string {
  const lines = [
    '          Mac Address Table',
    '-------------------------------------------',
    '',
    'Vlan    Mac Address       Type        Ports',
    '----    -----------       --------    -----',
  ]
  let n = 0
  if (!filter.ports && filter.vlan === undefined) {
    for (const m of [
      '0100.0ccc.cccc',
      '0100.0ccc.cccd',
      '0180.c200.0000',
      '0180.c200.000e',
      '0180.c200.000f',
      '0180.c200.0010',
      'ffff.ffff.ffff',
    ]) {
      lines.push(` All    ${m}    STATIC      CPU`)
      n++
    }
  }
  for (const r of macRows(d, filter.ports, filter.vlan)) {
    lines.push(`${lpad(String(r.vlan), 4)}    ${dotted(r.mac)}    DYNAMIC     ${r.port.short}`)
    n++
  }
  lines.push(`Total Mac Addresses for this criterion: ${n}`)
  return lines.join('\n') + '\n'
}

const IOS_SYSTEM_DESCRIPTION = [
  `Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), Version ${IOS_VERSION}, RELEASE SOFTWARE (fc5)`,
  'Technical Support: http://www.cisco.com/techsupport',
  'Copyright (c) 1986-2020 by Cisco Systems, Inc.',
  'Compiled Thu 09-Jul-20 21:49 by mcpre',
]
export const NXOS_SYSTEM_DESCRIPTION_LLDP = [
  'Cisco Nexus Operating System (NX-OS) Software 9.3(8)',
  'TAC support: http://www.cisco.com/tac',
  'Copyright (c) 2002-2021, Cisco Systems, Inc. All rights reserved.',
]

/**
 * `show lldp neighbors [X] detail`, IOS-XE 16 layout of ntc-templates cisco_ios_show_lldp_neighbors_detail_01.raw
 * (48-dash rule before each entry, `Local Intf:` first, `Management Addresses:` / `    IP: `, a blank line after each
 * entry, then a blank line and `Total entries displayed: N`; without the IOS-XE 17 `Peer Source MAC:` line).
 * A Linux node running lldpd: chassis id = its first NIC's MAC, port id = the NIC's MAC, port description = NIC name.
 */
export function showLldpNeighborsDetail(d: Device, ports: PortState[] = d.ports): string {
  const lines: string[] = []
  let n = 0
  for (const p of ports) {
    const f = d.neighbor(p, 'lldp')
    if (!f) continue
    n++
    lines.push('------------------------------------------------', `Local Intf: ${p.short}`, `Chassis id: ${dotted(f.chassisMac)}`)
    if (f.kind === 'node') {
      lines.push(
        `Port id: ${dotted(f.mac)}`,
        `Port Description: ${f.nic}`,
        `System Name: ${f.systemName}`,
        '',
        'System Description:',
        f.systemDescription,
      )
    } else {
      lines.push(`Port id: ${f.portShort}`, `Port Description: ${f.portDescription}`, `System Name: ${f.switch}`, '', 'System Description:')
      lines.push(...(f.platform === 'nxos' ? NXOS_SYSTEM_DESCRIPTION_LLDP : IOS_SYSTEM_DESCRIPTION))
    }
    lines.push('', 'Time remaining: 107 seconds')
    lines.push(
      ...(f.kind === 'node'
        ? ['System Capabilities: B,R,S', 'Enabled Capabilities: S']
        : ['System Capabilities: B,R', 'Enabled Capabilities: B,R']),
    )
    lines.push(...(f.mgmtAddress ? ['Management Addresses:', `    IP: ${f.mgmtAddress}`] : ['Management Addresses - not advertised']))
    lines.push(
      'Auto Negotiation - supported, enabled',
      'Physical media capabilities:',
      '    1000baseT(FD)',
      '    100base-TX(FD)',
      '    100base-TX(HD)',
      '    10base-T(FD)',
      '    10base-T(HD)',
      'Media Attachment Unit type: 30',
      f.kind === 'switch' ? `Vlan ID: ${f.vlan}` : 'Vlan ID: - not advertised',
      '',
    )
  }
  lines.push('', `Total entries displayed: ${n}`)
  return lines.join('\n') + '\n'
}

/**
 * `show cdp neighbors [X] detail`, IOS layout of ntc-templates cisco_ios_show_cdp_neighbors_detail.raw (25-dash
 * rule, `Device ID: `, `Entry address(es):`, `Platform: P,  Capabilities: C`, `Interface: X,  Port ID (outgoing
 * port): Y`, `Holdtime : N sec`; its `server` entry is a Linux host on Gi1/0/19) with the closing
 * `Total cdp entries displayed : N` of genieparser iosxe ShowCdpNeighborsDetail device_output_1.
 */
export function showCdpNeighborsDetail(d: Device, ports: PortState[] = d.ports): string {
  const lines: string[] = []
  let n = 0
  for (const p of ports) {
    const f = d.neighbor(p, 'cdp')
    if (!f) continue
    n++
    const addr = f.mgmtAddress ? [`  IP address: ${f.mgmtAddress}`] : []
    const id = f.kind === 'node' ? f.systemName : f.platform === 'nxos' ? `${f.switch}(FDO21120U5D)` : f.switch
    const platform = f.kind === 'node' ? 'Linux' : f.platform === 'nxos' ? 'N9K-C93180YC-EX' : 'cisco WS-C3850-48P'
    const caps =
      f.kind === 'node' ? 'Host' : f.platform === 'nxos' ? 'Router Switch IGMP Filtering Supports-STP-Dispute' : 'Router Switch IGMP'
    const portId = f.kind === 'node' ? f.nic : f.port
    lines.push('-------------------------', `Device ID: ${id}`, 'Entry address(es):', ...addr)
    lines.push(
      `Platform: ${platform},  Capabilities: ${caps}`,
      `Interface: ${p.name},  Port ID (outgoing port): ${portId}`,
      'Holdtime : 133 sec',
      '',
      'Version :',
    )
    if (f.kind === 'node') lines.push(f.systemDescription)
    else lines.push(...(f.platform === 'nxos' ? ['Cisco Nexus Operating System (NX-OS) Software, Version 9.3(8)'] : IOS_SYSTEM_DESCRIPTION))
    lines.push('', 'advertisement version: 2')
    if (f.kind === 'switch') lines.push(`Native VLAN: ${f.vlan}`)
    lines.push('Duplex: full', 'Management address(es):', ...addr, '')
  }
  lines.push('', `Total cdp entries displayed : ${n}`)
  return lines.join('\n') + '\n'
}

/** Ports column of `show vlan brief`: comma-separated, continued under the column so no line passes 79 characters. */
export function vlanPortLines(names: string[], indent = 48, width = 79): string[] {
  const out: string[] = []
  let cur = ''
  for (const [i, n] of names.entries()) {
    const item = n + (i < names.length - 1 ? ',' : '')
    if (cur && indent + cur.length + 1 + item.length > width) {
      out.push(cur)
      cur = item
    } else cur = cur ? `${cur} ${item}` : item
  }
  if (cur) out.push(cur)
  return out
}

/**
 * `show vlan brief`, IOS-XE layout of genieparser iosxe ShowVlanBrief golden_output (header, rule, `1    default
 * active    Gi...`, no trailing spaces on port-less rows, the 1002-1005 `act/unsup` rows), with the port list
 * wrapped under its column at 79 characters as in ntc-templates cisco_nxos_show_vlan.raw.
 */
export function showVlanBrief(d: Device): string {
  const lines = [
    '',
    'VLAN Name                             Status    Ports',
    '---- -------------------------------- --------- -------------------------------',
  ]
  const rows = [
    ...d.vlans,
    ...[1002, 1003, 1004, 1005].map((id) => ({
      id,
      name: ['fddi-default', 'token-ring-default', 'fddinet-default', 'trnet-default'][id - 1002]!,
    })),
  ]
  for (const v of rows) {
    const status = v.id >= 1002 ? 'act/unsup' : 'active'
    const head = pad(String(v.id), 5) + pad(v.name.slice(0, 32), 33) + status
    const members = d.ports.filter((p) => p.vlan === v.id).map((p) => p.short)
    const wrapped = vlanPortLines(members)
    if (wrapped.length === 0) lines.push(head)
    else {
      lines.push(pad(head, 48) + wrapped[0])
      for (const w of wrapped.slice(1)) lines.push(' '.repeat(48) + w)
    }
  }
  return lines.join('\n') + '\n'
}

/**
 * `show interfaces X switchport`, IOS-XE layout of genieparser iosxe ShowInterfacesSwitchport golden_output
 * (the `Name: Gi1/0/5` access-port block: trailing space after the private-vlan host-association / mapping
 * `none`, `Protected:`, `Unknown unicast blocked:`, `Appliance trust: none`).
 */
export function showInterfacesSwitchport(d: Device, p: PortState): string {
  const trunk = p.vlan === 'trunk'
  const up = d.isUp(p)
  const access = trunk ? 1 : (p.vlan as number)
  const vname = (id: number): string => d.vlans.find((v) => v.id === id)?.name ?? `VLAN${String(id).padStart(4, '0')}`
  const allowed = trunk && p.trunkVlans?.length ? p.trunkVlans.join(',') : 'ALL'
  const lines = [
    `Name: ${p.short}`,
    'Switchport: Enabled',
    `Administrative Mode: ${trunk ? 'trunk' : 'static access'}`,
    `Operational Mode: ${up ? (trunk ? 'trunk' : 'static access') : 'down'}`,
    'Administrative Trunking Encapsulation: dot1q',
    ...(up ? [`Operational Trunking Encapsulation: ${trunk ? 'dot1q' : 'native'}`] : []),
    `Negotiation of Trunking: ${trunk ? 'On' : 'Off'}`,
    `Access Mode VLAN: ${access} (${vname(access)})`,
    'Trunking Native Mode VLAN: 1 (default)',
    'Administrative Native VLAN tagging: enabled',
    'Voice VLAN: none',
    'Administrative private-vlan host-association: none ',
    'Administrative private-vlan mapping: none ',
    'Administrative private-vlan trunk native VLAN: none',
    'Administrative private-vlan trunk Native VLAN tagging: enabled',
    'Administrative private-vlan trunk encapsulation: dot1q',
    'Administrative private-vlan trunk normal VLANs: none',
    'Administrative private-vlan trunk associations: none',
    'Administrative private-vlan trunk mappings: none',
    'Operational private-vlan: none',
    `Trunking VLANs Enabled: ${allowed}`,
    'Pruning VLANs Enabled: 2-1001',
    'Capture Mode Disabled',
    'Capture VLANs Allowed: ALL',
    '',
    'Protected: false',
    'Unknown unicast blocked: disabled',
    'Unknown multicast blocked: disabled',
    'Appliance trust: none',
    '',
  ]
  return lines.join('\n') + '\n'
}
