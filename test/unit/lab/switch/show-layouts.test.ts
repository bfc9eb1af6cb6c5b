/**
 * The lab switch's show outputs against the real captures in ../shared/fixtures: header lines and
 * column positions byte for byte, and the ntc-templates TextFSM templates (run with Debian's
 * python3-textfsm) parse our output into the expected records, as they parse the real devices'.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'
import {FakeClock} from '../../../../src/lab/clock.js'
import {Device} from '../../../../src/lab/switch/device.js'
import * as ios from '../../../../src/lab/switch/show-ios.js'
import * as nxos from '../../../../src/lab/switch/show-nxos.js'
import {readShared, sharedFixturesDir, sharedFixturesSkip} from '../../../helpers/fixtures.js'

const PYTHON = '/usr/bin/python3'
const fixturesSkip = sharedFixturesSkip()

function textfsmSkip(): string | false {
  if (fixturesSkip) return fixturesSkip
  let ok: boolean
  try {
    execFileSync(PYTHON, ['-c', 'import textfsm'], {stdio: 'ignore'})
    ok = true
  } catch {
    ok = false
  }
  if (ok) return false
  const why = `${PYTHON} with the textfsm module is missing (Debian python3-textfsm, pulled in by python3-netmiko)`
  if (process.env.CI === 'true') throw new Error(`${why}; under CI=true this is a failure, not a skip`)
  return why
}
const tfSkip = textfsmSkip()

/** Parse `text` with an ntc-templates template; keys lower-cased as ntc's own tests do. */
function ntc(template: string, text: string): Array<Record<string, string | string[]>> {
  const path = join(sharedFixturesDir()!, 'ntc-templates', 'templates', `${template}.textfsm`)
  assert.ok(existsSync(path), path)
  const script = [
    'import sys, json, textfsm',
    'with open(sys.argv[1]) as f:',
    '    t = textfsm.TextFSM(f)',
    '    rows = t.ParseText(sys.stdin.read())',
    '    print(json.dumps([dict(zip([h.lower() for h in t.header], r)) for r in rows]))',
  ].join('\n')
  return JSON.parse(execFileSync(PYTHON, ['-c', script, path], {input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']})) as Array<
    Record<string, string | string[]>
  >
}

const iosDev = (scenario: 'loop' | 'flapping' = 'loop'): Device => new Device({clock: new FakeClock(), scenario})
const nxDev = (scenario: 'loop' | 'flapping' = 'loop'): Device => new Device({clock: new FakeClock(), platform: 'nxos', scenario})
const firstLine = (s: string): string => s.split('\n')[0]!

/** Start column of each header word, so rows can be checked against the header like the real layout. */
function columnsOf(header: string): number[] {
  return [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index)
}

test('IOS show interfaces status: the header is the real one and rows start in its columns', {skip: fixturesSkip}, () => {
  const real = readShared('ntc-templates/cisco_ios/show_interfaces_status/cisco_ios_show_interfaces_status.raw')
  const ours = ios.showInterfacesStatus(iosDev())
  assert.equal(firstLine(ours), firstLine(real))
  const row = ours.split('\n').find((l) => l.startsWith('Gi1/0/19'))!
  const realErr = real.split('\n').find((l) => l.startsWith('Gi1/0/16'))! // the real err-disabled row
  const realUp = real.split('\n').find((l) => l.startsWith('Gi1/0/2 '))!
  assert.equal(row.indexOf('err-disabled'), realErr.indexOf('err-disabled'))
  assert.equal(row.indexOf('10/100/1000BaseTX'), realUp.indexOf('10/100/1000BaseTX'))
  const up = ours.split('\n').find((l) => l.startsWith('Gi1/0/2 '))!
  for (const cell of ['connected', 'a-full a-1000 10/100/1000BaseTX']) assert.equal(up.indexOf(cell), realUp.indexOf(cell), cell)
})

test('IOS show interfaces status parses with the ntc template: Gi1/0/19 err-disabled in vlan 10', {skip: tfSkip}, () => {
  const rows = ntc('cisco_ios_show_interfaces_status', ios.showInterfacesStatus(iosDev()))
  assert.equal(rows.length, 52)
  assert.deepEqual(
    rows.find((r) => r.port === 'Gi1/0/19'),
    {
      port: 'Gi1/0/19',
      name: 'compute-19 eth0',
      status: 'err-disabled',
      vlan_id: '10',
      duplex: 'auto',
      speed: 'auto',
      type: '10/100/1000BaseTX',
      fc_mode: '',
    },
  )
  assert.equal(rows.find((r) => r.port === 'Te1/1/1')?.status, 'connected')
})

test('IOS show interfaces status err-disabled: the 5-column IOS-XE header, parsed by the ntc template', {skip: tfSkip}, () => {
  const real = readShared('genieparser/iosxe/show_interfaces_status_err-disabled/golden_output_1_output.txt')
  const ours = ios.showInterfacesStatusErrDisabled(iosDev())
  assert.equal(firstLine(ours), firstLine(real))
  assert.equal(ours.split('\n')[1], '') // blank line under the header, as captured
  const row = ours.split('\n')[2]!
  const realRow = real.split('\n')[2]!
  assert.deepEqual(columnsOf(row).slice(0, 3), columnsOf(realRow).slice(0, 3))
  assert.deepEqual(ntc('cisco_ios_show_interfaces_status_err-disabled', ours), [
    {interface: 'Gi1/0/19', name: 'compute-19 e', status: 'err-disabled', port_error: 'loopback'},
  ])
})

test('IOS show interfaces Gi1/0/19 parses with the ntc template and carries the Keepalive line', {skip: tfSkip}, () => {
  const d = iosDev()
  const text = ios.showInterface(d, d.port('Gi1/0/19'))
  const [row] = ntc('cisco_ios_show_interfaces', text)
  assert.equal(row?.interface, 'GigabitEthernet1/0/19')
  assert.equal(row?.link_status, 'down')
  assert.equal(row?.protocol_status, 'down (err-disabled)')
  assert.equal(row?.description, 'compute-19 eth0')
  assert.match(text, /\n {2}Encapsulation ARPA, loopback not set\n {2}Keepalive set \(10 sec\)\n/)
  d.setKeepalive('Gi1/0/19', null)
  assert.match(ios.showInterface(d, d.port('Gi1/0/19')), /\n {2}Keepalive not set\n/)
})

test('IOS show version parses with the ntc template (hostname, version, hardware, uptime)', {skip: tfSkip}, () => {
  const [row] = ntc('cisco_ios_show_version', ios.showVersion(iosDev()))
  assert.equal(row?.hostname, 'sw1')
  assert.equal(row?.version, '16.12.4')
  assert.deepEqual(row?.hardware, ['WS-C3850-48P'])
  assert.equal(row?.uptime, '3 days, 4 hours, 17 minutes')
  const stack = new Device({clock: new FakeClock(), model: 'stack'})
  assert.deepEqual(ntc('cisco_ios_show_version', ios.showVersion(stack))[0]?.hardware, ['WS-C3850-48P', 'WS-C3850-48P'])
})

test('IOS show logging: the real header block, and every loop message parses with the ntc template', {skip: tfSkip}, () => {
  const real = readShared('ntc-templates/cisco_ios/show_logging/cisco_ios_show_logging_3.raw')
  const ours = ios.showLogging(iosDev('flapping'))
  const shape = (s: string): string[] => s.split('\n').slice(0, 9)
  assert.deepEqual(shape(ours).slice(1), shape(real).slice(1))
  const rows = ntc('cisco_ios_show_logging', ours)
  const mnemonics = rows.map((r) => [r.facility, r.severity, r.mnemonic].map(String).join('-'))
  assert.ok(mnemonics.includes('ETHCNTR-3-LOOP_BACK_DETECTED'))
  assert.ok(mnemonics.includes('PM-4-ERR_DISABLE'))
  assert.ok(mnemonics.includes('PM-4-ERR_RECOVER'))
  assert.equal(rows.length, ours.split('\n').filter((l) => /^\d{6}: /.test(l)).length)
  assert.match(String(rows[0]?.number), /^\d{6}$/)
})

test('IOS show errdisable recovery: the real table header, cause rows, interval and pending-interface layout', {skip: fixturesSkip}, () => {
  const real = readShared('genieparser/ios/show_errdisable_recovery/golden_output_output.txt').split('\n')
  const d = iosDev('flapping')
  const ours = ios.showErrdisableRecovery(d).split('\n')
  assert.deepEqual(ours.slice(0, 2), real.slice(0, 2))
  // every cause row of the real capture is there, byte for byte (ours adds loopdetect, IOS-XE)
  for (const line of real.slice(2, real.indexOf(''))) {
    const cause = line.slice(0, 29).trimEnd()
    assert.equal(ours.find((l) => l.startsWith(cause + ' '))?.replace('Enabled', 'Disabled'), line, cause)
  }
  assert.ok(ours.includes('loopback                     Enabled'))
  assert.ok(ours.includes('Timer interval: 300 seconds'))
  const hdr = real.indexOf('Interface      Errdisable reason      Time left(sec)')
  assert.deepEqual(ours.slice(ours.indexOf(real[hdr]!), ours.indexOf(real[hdr]!) + 2), real.slice(hdr, hdr + 2))
  const row = ours[ours.indexOf(real[hdr]!) + 2]!
  assert.match(row, /^Gi1\/0\/19 +loopback +295$/)
  // right-aligned like the real row: reason ends in the same column, time left too
  const realRow = real[hdr + 2]!
  assert.equal(row.indexOf('loopback') + 'loopback'.length, realRow.indexOf('bpduguard') + 'bpduguard'.length)
  assert.equal(row.length, realRow.length)
  assert.equal(ours[ours.indexOf(real[hdr]!) + 3], '    ')
})

test('IOS show running-config interface: Building configuration, byte count, !, one-space indent, end', () => {
  const d = iosDev()
  d.setKeepalive('Gi1/0/19', null)
  const text = ios.showRunningConfigInterface(d, d.port('Gi1/0/19'))
  const m =
    /^Building configuration\.\.\.\n\nCurrent configuration : (\d+) bytes\n(!\ninterface GigabitEthernet1\/0\/19\n(?: \S.*\n)+end\n)\n$/.exec(
      text,
    )
  assert.ok(m, text)
  assert.equal(Number(m[1]), Buffer.byteLength(m[2]!))
  assert.match(text, /\n no keepalive\n/)
})

test('NX-OS show interface status: dashed rules and header as captured; connected rows parse with the ntc template', {skip: tfSkip}, () => {
  const real = readShared('ntc-templates/cisco_nxos/show_interface_status/cisco_nxos_show_interface_status1.raw').split('\n')
  const ours = nxos.showInterfaceStatus(nxDev())
  assert.deepEqual(ours.split('\n').slice(0, 4), real.slice(0, 4))
  // the ntc template knows only connected|notconnec|down|disabled|...: it raises on the err-disabled row (`err-disab`, unverified)
  assert.throws(() => ntc('cisco_nxos_show_interface_status', ours), /State Error/)
  const rows = ntc('cisco_nxos_show_interface_status', ours.replace(/^Eth1\/19 .*\n/m, ''))
  assert.equal(rows.length, 48)
  assert.deepEqual(
    rows.find((r) => r.port === 'Eth1/18'),
    {port: 'Eth1/18', name: 'compute-18 eth0', status: 'connected', vlan_id: '10', duplex: 'full', speed: '10G', type: '10Gbase-SR'},
  )
  assert.ok(ours.includes('\nEth1/19       compute-19 eth0    err-disab 10        auto    auto    10Gbase-SR\n'))
})

test('NX-OS show interface status err-disabled parses with the ntc template', {skip: tfSkip}, () => {
  const real = readShared(
    'ntc-templates/cisco_nxos/show_interface_status_err-disabled/cisco_nxos_show_interface_status_err-disabled.raw',
  ).split('\n')
  const ours = nxos.showInterfaceStatusErrDisabled(nxDev())
  assert.deepEqual(ours.split('\n').slice(1, 4), real.slice(0, 3))
  assert.deepEqual(ntc('cisco_nxos_show_interface_status_err-disabled', ours), [
    {interface: 'Eth1/19', name: 'compute-19 eth0', status: 'err-disabled', port_error: 'loopback'},
  ])
})

test('NX-OS show interface Ethernet1/19 and show version parse with the ntc templates', {skip: tfSkip}, () => {
  const d = nxDev()
  const [ifRow] = ntc('cisco_nxos_show_interface', nxos.showInterface(d, d.port('Ethernet1/19')))
  assert.equal(ifRow?.interface, 'Ethernet1/19')
  assert.equal(ifRow?.admin_state, 'up')
  assert.match(String(ifRow?.link_status), /^down/)
  assert.doesNotMatch(nxos.showInterface(d, d.port('Ethernet1/19')), /Keepalive/)
  const [ver] = ntc('cisco_nxos_show_version', nxos.showVersion(d))
  assert.equal(ver?.os, '9.3(8)')
  assert.equal(ver?.platform, 'C93180YC-EX')
  assert.equal(ver?.hostname, 'sw1')
})

test(
  'NX-OS show errdisable recovery: the captured header and rows (lower-case), then a tab and Timer interval without unit',
  {skip: fixturesSkip},
  () => {
    const real = readShared('genieparser/nxos/show_errdisable_recovery/golden_output_1_output.txt')
      .split('\n')
      .map((l) => l.trimEnd())
    const ours = nxos.showErrdisableRecovery(nxDev()).split('\n')
    // the capture starts with the prompt and command echo; then header, rule and the cause rows
    const start = real.indexOf('ErrDisable Reason               Timer Status')
    assert.deepEqual(ours.slice(0, 17), real.slice(start, start + 17))
    assert.equal(ours[17], '')
    assert.equal(ours.at(-2), '\tTimer interval: 300')
    assert.ok(real.includes('\tTimer interval: 300'))
  },
)

test('NX-OS show running-config interface: !Command, !Running configuration, !Time, version line, two-space indent', () => {
  const d = nxDev()
  const text = nxos.showRunningConfigInterface(d, d.port('Ethernet1/19'))
  assert.match(
    text,
    /^\n!Command: show running-config interface Ethernet1\/19\n!Running configuration last done at: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n!Time: .*\n\nversion 9\.3\(8\) Bios:version 05\.45 \n\ninterface Ethernet1\/19\n {2}description compute-19 eth0\n/,
  )
})
