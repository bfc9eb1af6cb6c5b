/** Human rendering of `netops lab switch`: pure functions returning strings. */
import {color} from '../colors.js'
import {table} from './table.js'
import type {LabSwitchReport} from '../../lab/switch/report.js'

/**
 * Where the lab listens and how to log in. The passwords are shown here (the user needs them to
 * connect): they are either the public lab defaults or the ones the user just typed.
 */
export function renderLabSwitch(r: LabSwitchReport, secrets: {password: string; enablePassword: string}): string {
  const kind = r.topology
    ? `topology ${r.topology}`
    : r.platform === 'ios'
      ? `Cisco IOS-XE, WS-C3850-48P${r.model === 'stack' ? ' 2-member stack' : ''}`
      : 'Cisco NX-OS, Nexus 9000 C93180YC-EX'
  const lines: string[] = []
  const n = r.switches.length
  if (n === 1) {
    const s = r.switches[0]!
    lines.push(`lab switch ${color.bold(s.hostname)} (${kind}) listening on ${s.host}:${s.port}`)
    lines.push(
      `  connect:     ssh -p ${s.port} ${r.username}@${s.host}${r.legacySsh ? ' -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa -o Ciphers=+aes128-cbc -o MACs=+hmac-sha1' : ''}`,
    )
  } else {
    lines.push(
      `${n} lab switches (${kind}) listening on ${r.host}, ports ${r.ports[0]}-${r.ports.at(-1)}${isConsecutive(r.ports) ? '' : ' (not consecutive: see the table)'}`,
    )
  }
  lines.push(
    `  username:    ${r.username}`,
    `  password:    ${secrets.password}`,
    `  enable:      ${secrets.enablePassword}${r.credentials === 'lab-defaults' ? color.dim('   (public lab defaults)') : ''}`,
    `  host key:    ${r.hostKeyType} ${r.hostKeyFingerprint}`,
    r.topology
      ? `  topology:    ${r.topology}`
      : `  scenario:    ${r.scenario}: ${r.scenarioPort.interface} ${r.scenarioPort.status}${r.scenarioPort.errDisabledReason ? ` (${r.scenarioPort.errDisabledReason})` : ''}`,
    `  time scale:  ${r.timeScale}${r.timeScale === 1 ? '' : ` (keepalive ${fmt(10 * r.timeScale)} s, recovery timer 300 s → ${fmt(300 * r.timeScale)} s)`}`,
  )
  if (r.legacySsh)
    lines.push(
      '  ssh:         legacy only, as SSH-2.0-Cisco-1.25: DH group14/group1 SHA-1, ssh-rsa, CBC ciphers, hmac-sha1 (not group-exchange-sha1: ssh2 cannot serve it)',
    )
  if (n > 1 && n <= 50) {
    lines.push(
      '',
      r.topology
        ? table(
            ['HOSTNAME', 'PLATFORM', 'ADDRESS', 'PORT'],
            r.switches.map((s) => [s.hostname, s.platform === 'nxos' ? 'NX-OS' : 'IOS-XE', s.host, String(s.port)]),
          )
        : table(
            ['HOSTNAME', 'ADDRESS', 'PORT'],
            r.switches.map((s) => [s.hostname, s.host, String(s.port)]),
          ),
    )
  }
  return lines.join('\n')
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000)
}

function isConsecutive(ports: number[]): boolean {
  return ports.every((p, i) => i === 0 || p === ports[i - 1]! + 1)
}
