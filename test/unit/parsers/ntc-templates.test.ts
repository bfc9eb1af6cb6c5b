/**
 * Every ntc-templates sample in ../shared/fixtures/ntc-templates (cisco_ios + cisco_nxos, the
 * commands we parse) against its `.yml` expectation, field by field for the fields we also parse.
 * ntc field names and spellings are mapped to ours (ntc `--` = our '', ntc `port_error` = our
 * `reasonRaw`, ntc status = our printed status without a `: TD` suffix, ...).
 */
import assert from 'node:assert/strict'
import {basename, dirname, join} from 'node:path'
import {describe, test} from 'node:test'
import {parse as parseYaml} from 'yaml'
import {parseShowInterfaces} from '../../../src/parsers/interfaces.js'
import {parseInterfacesStatus, parseInterfacesStatusErrDisabled} from '../../../src/parsers/interfaces-status.js'
import {parseLogging} from '../../../src/parsers/logging.js'
import {parseRunningConfigInterfaces} from '../../../src/parsers/running-config.js'
import {parseShowVersion} from '../../../src/parsers/version.js'
import {filesUnder, readShared, sharedFixturesDir, sharedFixturesSkip} from '../../helpers/fixtures.js'

type Row = Record<string, string | string[]>

const dash = (v: string | string[] | undefined): string => {
  const s = typeof v === 'string' ? v.trim() : ''
  return s === '--' ? '' : s
}
const num = (v: string | string[] | undefined): number | null => (typeof v === 'string' && v !== '' ? Number(v) : null)
const str = (v: string | string[] | undefined): string => (typeof v === 'string' ? v : '')

/** Per ntc command folder: run our parser and compare with the ntc rows. */
const CHECKS: Record<string, (raw: string, rows: Row[]) => void> = {
  show_interfaces_status(raw, rows) {
    const got = parseInterfacesStatus(raw)
    assert.equal(got.length, rows.length, 'row count')
    rows.forEach((r, i) => {
      const g = got[i]
      assert.ok(g, `row ${i}`)
      assert.equal(g.port, r['port'], `port of row ${i}`)
      assert.equal(g.name, dash(r['name']), `name of ${g.port}`)
      assert.equal(g.statusRaw.replace(/:.*$/, ''), r['status'], `status of ${g.port}`)
      assert.equal(g.vlan, dash(r['vlan_id']), `vlan of ${g.port}`)
      assert.equal(g.duplex, dash(r['duplex']), `duplex of ${g.port}`)
      assert.equal(g.speed, dash(r['speed']), `speed of ${g.port}`)
      assert.equal(g.type, dash(r['type']), `type of ${g.port}`)
    })
  },
  show_interfaces_status_err_disabled(raw, rows) {
    const got = parseInterfacesStatusErrDisabled(raw)
    assert.equal(got.length, rows.length, 'row count')
    rows.forEach((r, i) => {
      const g = got[i]
      assert.ok(g, `row ${i}`)
      assert.equal(g.port, r['interface'])
      assert.equal(g.name, dash(r['name']), `name of ${g.port}`)
      assert.equal(g.statusRaw, r['status'], `status of ${g.port}`)
      assert.equal(g.reasonRaw, r['port_error'], `reason of ${g.port}`)
    })
  },
  show_logging(raw, rows) {
    const got = parseLogging(raw)
    assert.equal(got.length, rows.length, 'event count')
    rows.forEach((r, i) => {
      const g = got[i]
      assert.ok(g, `event ${i}`)
      assert.equal(g.sequence, num(r['number']), `sequence of event ${i}`)
      const stamp = [str(r['month']), str(r['day']), str(r['time']), str(r['timezone'])].filter((s) => s !== '').join(' ')
      assert.equal((g.time ?? '').replace(/\s+/g, ' '), stamp, `time of event ${i}`)
      assert.equal(g.facility, r['facility'], `facility of event ${i}`)
      assert.equal(g.severity, num(r['severity']), `severity of event ${i}`)
      assert.equal(g.mnemonic, r['mnemonic'], `mnemonic of event ${i}`)
      const message = r['message']
      assert.equal(g.message, Array.isArray(message) ? message.join('\n') : str(message), `message of event ${i}`)
    })
  },
  show_interfaces(raw, rows) {
    const got = parseShowInterfaces(raw)
    assert.equal(got.length, rows.length, 'interface count')
    rows.forEach((r, i) => {
      const g = got[i]
      assert.ok(g, `interface ${i}`)
      const w = g.interface
      assert.equal(g.interface, r['interface'])
      const link = g.linkDetail === null ? g.linkStatus : `${g.linkStatus} (${g.linkDetail})`
      assert.equal(link, r['link_status'], `link status of ${w}`)
      if (r['protocol_status'] !== undefined) {
        const proto = g.protocolDetail === null ? (g.protocolStatus ?? '') : `${g.protocolStatus ?? ''} (${g.protocolDetail})`
        assert.equal(proto, r['protocol_status'], `protocol status of ${w}`)
      }
      if (r['admin_state'] !== undefined && str(r['admin_state']) !== '' && g.protocolStatus === null) {
        assert.equal(g.adminState, r['admin_state'], `admin state of ${w}`)
      }
      assert.equal(g.hardwareType, str(r['hardware_type']).trim(), `hardware of ${w}`)
      assert.equal(g.macAddress, str(r['mac_address']), `mac of ${w}`)
      assert.equal(g.bia, str(r['bia']), `bia of ${w}`)
      assert.equal(g.description, str(r['description']), `description of ${w}`)
      assert.equal(g.ipAddress, str(r['ip_address']), `ip of ${w}`)
      assert.equal(g.prefixLength, num(r['prefix_length']), `prefix of ${w}`)
      assert.equal(g.mtu, num(r['mtu']), `mtu of ${w}`)
      assert.equal(g.bandwidth, str(r['bandwidth']), `bandwidth of ${w}`)
      assert.equal(g.delay, str(r['delay']), `delay of ${w}`)
      assert.equal(g.encapsulation, str(r['encapsulation']), `encapsulation of ${w}`)
      assert.equal(g.duplex, str(r['duplex']), `duplex of ${w}`)
      assert.equal(g.speed, str(r['speed']), `speed of ${w}`)
      assert.equal(g.mediaType, str(r['media_type']), `media type of ${w}`)
      // Counters: ntc leaves a counter empty when its line lacks a word its regex wants (`0 packets
      // input, 0 bytes` without `no buffer`, `0 output errors, 0 interface resets` without
      // `collisions`); we read those lines, so an empty ntc counter is not compared.
      const counter = (ours: number | null, theirs: string | string[] | undefined, what: string): void => {
        if (str(theirs) !== '') assert.equal(ours, num(theirs), `${what} of ${w}`)
      }
      counter(g.inputPackets, r['input_packets'], 'input packets')
      counter(g.outputPackets, r['output_packets'], 'output packets')
      counter(g.inputErrors, r['input_errors'], 'input errors')
      counter(g.outputErrors, r['output_errors'], 'output errors')
      counter(g.crc, r['crc'], 'crc')
      if (r['last_input'] !== undefined) assert.equal(g.lastInput, str(r['last_input']), `last input of ${w}`)
      if (r['last_output'] !== undefined) assert.equal(g.lastOutput, str(r['last_output']), `last output of ${w}`)
      if (r['last_link_flapped'] !== undefined) assert.equal(g.lastLinkFlapped, str(r['last_link_flapped']), `last flapped of ${w}`)
    })
  },
  show_running_config_interface(raw, rows) {
    const got = parseRunningConfigInterfaces(raw)
    assert.equal(got.length, rows.length, 'block count')
    rows.forEach((r, i) => {
      const g = got[i]
      assert.ok(g, `block ${i}`)
      assert.equal(g.interface, r['interface'])
      assert.equal(g.description ?? '', str(r['description']), `description of ${g.interface}`)
      if (str(r['bandwidth']) !== '') assert.ok(g.lines.includes(`bandwidth ${str(r['bandwidth'])}`), `bandwidth line of ${g.interface}`)
      if (str(r['mtu']) !== '') assert.ok(g.lines.includes(`mtu ${str(r['mtu'])}`), `mtu line of ${g.interface}`)
      assert.equal(g.keepaliveDisabled, false)
    })
  },
  show_version(raw, rows) {
    const r = rows[0]
    assert.ok(r && rows.length === 1)
    const g = parseShowVersion(raw)
    assert.ok(g, 'parsed')
    assert.equal(g.hostname, r['hostname'])
    assert.equal(g.uptime, r['uptime'])
    if (r['os'] !== undefined) {
      // NX-OS: ntc `os` keeps a trailing `[Maintenance Release]`; ntc `platform` is our model.
      assert.equal(g.os, 'nxos')
      assert.equal(g.version, str(r['os']).replace(/\s*\[.*\]$/, ''))
      assert.equal(g.model, r['platform'])
      assert.equal(g.serial, r['serial'])
    } else {
      assert.notEqual(g.os, 'nxos')
      assert.equal(g.version, r['version'])
      const hardware = r['hardware']
      assert.ok(Array.isArray(hardware))
      assert.equal(g.model, hardware[0])
      assert.deepEqual(g.serials, r['serial'])
      assert.equal(g.os, /IOS-XE|IOS XE/.test(raw) ? 'iosxe' : 'ios')
    }
  },
}

/** ntc command folder → our check (NX-OS singular `interface` folders share the IOS checks). */
function checkFor(folder: string): ((raw: string, rows: Row[]) => void) | undefined {
  const key = folder
    .replace(/^show_interface_/, 'show_interfaces_')
    .replace(/^show_interface$/, 'show_interfaces')
    .replace(/-/g, '_')
  return CHECKS[key]
}

const shared = sharedFixturesDir()

describe('ntc-templates samples parse like their .yml expectations', {skip: sharedFixturesSkip()}, () => {
  const raws = shared ? filesUnder(join(shared, 'ntc-templates'), '.raw').filter((p) => /cisco_(ios|nxos)/.test(p)) : []
  test('the shared fixtures hold the expected 31 ntc samples', () => {
    assert.equal(raws.length, 31)
  })
  for (const rawPath of raws) {
    const folder = basename(dirname(rawPath))
    const check = checkFor(folder)
    const rel = rawPath.slice((shared ?? '').length + 1)
    test(`${rel} matches its .yml field by field`, () => {
      assert.ok(check, `no check for ntc folder ${folder}`)
      const yml = parseYaml(readShared(rel.replace(/\.raw$/, '.yml'))) as {parsed_sample: Row[]}
      check(readShared(rel), yml.parsed_sample)
    })
  }
})
