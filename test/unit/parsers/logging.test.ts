import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {eventsForInterface, parseLogLine, parseLogging} from '../../../src/parsers/logging.js'
import {fixtureCases} from '../../helpers/fixtures.js'

const story = fixtureCases('logging').find((c) => c.name === 'ios-c3750-stack-loopback-flap-datetime')
const uptime = fixtureCases('logging').find((c) => c.name === 'ios-c2960-uptime-stamps-and-markers')
const nxos = fixtureCases('logging').find((c) => c.name === 'nxos-logfile-errdisable')

describe('show logging: the keepalive loop-back story', () => {
  test('both LOOP_BACK_DETECTED wordings are loopback-detected events on the long interface name', () => {
    const a = parseLogLine('001181: .Nov 27 02:51:03.118 UTC: %ETHCNTR-3-LOOP_BACK_DETECTED: Loop-back detected on GigabitEthernet1/0/19.')
    const b = parseLogLine('*Mar  1 00:02:11: %ETHCNTR-3-LOOP_BACK_DETECTED: Keepalive packet loop-back detected on GigabitEthernet0/1.')
    assert.equal(a?.kind, 'loopback-detected')
    assert.equal(a?.interface, 'GigabitEthernet1/0/19')
    assert.equal(a?.reason, 'loopback')
    assert.equal(b?.kind, 'loopback-detected')
    assert.equal(b?.interface, 'GigabitEthernet0/1')
  })

  test('%PM-4-ERR_DISABLE with the short name is an err-disabled event on the long name, with its cause', () => {
    const e = parseLogLine('Jun  1 10:00:00: %PM-4-ERR_DISABLE: loopback error detected on Gi0/24, putting Gi0/24 in err-disable state')
    assert.equal(e?.kind, 'err-disabled')
    assert.equal(e?.interface, 'GigabitEthernet0/24')
    assert.equal(e?.reason, 'loopback')
    const sp = parseLogLine('Jun  1 10:00:00: %PM-SP-4-ERR_DISABLE: bpduguard error detected on Gi4/1, putting Gi4/1 in err-disable state')
    assert.equal(sp?.facility, 'PM-SP')
    assert.equal(sp?.reason, 'bpduguard')
    const po = parseLogLine(
      'Jun  1 10:00:00: %PM-4-ERR_DISABLE: channel-misconfig error detected on Po17, putting Twe1/0/17 in err-disable state',
    )
    assert.equal(po?.interface, 'TwentyFiveGigE1/0/17', 'the port put in err-disable, not the channel')
    assert.equal(po?.reason, 'channel-misconfig')
  })

  test('%PM-4-ERR_RECOVER is a recovered event with its cause', () => {
    const e = parseLogLine('%PM-4-ERR_RECOVER: Attempting to recover from loopback err-disable state on Gi1/0/19')
    assert.equal(e?.kind, 'recovered')
    assert.equal(e?.interface, 'GigabitEthernet1/0/19')
    assert.equal(e?.reason, 'loopback')
  })

  test('the stack story on Gi1/0/19: two err-disable cycles about 300 s apart, Gi2/0/19 kept apart', () => {
    assert.ok(story)
    const events = parseLogging(story.input)
    assert.equal(events.length, 15, 'the partial line after `Log Buffer` and the prompts are skipped')
    const on19 = events.filter((e) => e.interface === 'GigabitEthernet1/0/19')
    assert.deepEqual(
      on19.filter((e) => ['loopback-detected', 'err-disabled', 'recovered'].includes(e.kind)).map((e) => e.kind),
      ['loopback-detected', 'err-disabled', 'recovered', 'loopback-detected', 'err-disabled'],
    )
    const disables = on19.filter((e) => e.kind === 'err-disabled')
    const recover = on19.find((e) => e.kind === 'recovered')
    assert.ok(recover?.seconds != null && disables[0]?.seconds != null)
    const waited = recover.seconds - disables[0].seconds
    assert.ok(waited > 300 && waited < 310, `recovered after ${waited}s`)
    assert.equal(events.filter((e) => e.interface === 'GigabitEthernet2/0/19').length, 2)
    assert.deepEqual(eventsForInterface(events, 'gi1/0/19'), on19)
    assert.equal(events[0]?.sequence, 1181)
    assert.equal(events[0]?.clockMarker, '.')
    assert.equal(events[0]?.time, 'Nov 27 02:51:03.118 UTC')
    assert.equal(events.at(-1)?.kind, 'admin-down')
    assert.equal(events.at(-2)?.kind, 'config')
    assert.equal(events.at(-2)?.clockMarker, null)
  })

  test('uptime stamps (00:01:23, 1d02h, 45w5d), `*` and `.` markers and sequence numbers are read', () => {
    assert.ok(uptime)
    const events = parseLogging(uptime.input)
    assert.deepEqual(
      events.slice(0, 3).map((e) => [e.time, e.timeKind, e.seconds]),
      [
        ['00:01:23', 'uptime', 83],
        ['00:01:24', 'uptime', 84],
        ['1d02h', 'uptime', 93600],
      ],
    )
    assert.equal(events.find((e) => e.time === '45w5d')?.seconds, 45 * 7 * 86400 + 5 * 86400)
    assert.equal(events.find((e) => e.sequence === 212)?.time, '45w5d')
    const starred = events.find((e) => e.sequence === 213)
    assert.equal(starred?.clockMarker, '*')
    assert.equal(starred?.time, 'Mar  1 00:02:11.431')
    assert.equal(events.find((e) => e.mnemonic === 'ERR-RECOVER')?.clockMarker, '.')
    assert.equal(events.find((e) => e.mnemonic === 'ERR-RECOVER')?.kind, 'recovered', 'old XL spelling ERR-RECOVER')
    assert.equal(events.at(-1)?.kind, 'admin-down')
  })
})

describe('NX-OS show logging logfile', () => {
  test('IF_DOWN_ERROR_DISABLED, IF_ERRDIS_RECOVERY (guessed text), IF_UP and IF_DOWN_* are classified', () => {
    assert.ok(nxos)
    const events = parseLogging(nxos.input)
    assert.equal(events.length, 9)
    assert.deepEqual(
      events.filter((e) => e.interface === 'Ethernet1/19').map((e) => e.kind),
      ['link-up', 'err-disabled', 'recovered', 'link-up', 'admin-down'],
    )
    assert.equal(events[1]?.reason, 'loopback')
    assert.equal(events[4]?.reason, 'bpduguard', 'Reason:BPDUGuard')
    assert.equal(events[5]?.kind, 'link-down')
    assert.equal(events[6]?.kind, 'config')
    assert.equal(events[0]?.host, 'N9K-LEAF-07')
    assert.equal(events[0]?.time, '2026 Nov 27 02:40:11')
    assert.equal(events[8]?.interface, 'Ethernet103/1/3')
  })

  test('ETHPM-facility variants are classified by mnemonic like ETHPORT', () => {
    const e = parseLogLine(
      '2026 Nov 27 02:56:08 sw %ETHPM-5-IF_ERRDIS_RECOVERY: Interface Ethernet1/19 is being recovered from error disabled state (Last Reason:loopback)',
    )
    assert.equal(e?.kind, 'recovered')
    assert.equal(e?.interface, 'Ethernet1/19')
    assert.equal(e?.reason, 'loopback')
  })

  test('a syslog-forwarded NX-OS line with a time zone and no host parses', () => {
    const e = parseLogLine(
      '2017 Mar  4 15:26:19 CST: %ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface Ethernet103/1/3 is down (Error disabled. Reason:UDLD Tx-Rx Loop)',
    )
    assert.equal(e?.kind, 'err-disabled')
    assert.equal(e?.reason, 'udld')
    assert.equal(e?.time, '2017 Mar  4 15:26:19 CST')
  })
})

describe('line endings and echo', () => {
  test('CRLF and NX-OS \\r\\r\\n line endings parse exactly like LF', () => {
    assert.ok(story && nxos)
    for (const c of [story, nxos]) {
      const lf = parseLogging(c.input)
      assert.deepEqual(parseLogging(c.input.replace(/\n/g, '\r\n')), lf)
      assert.deepEqual(parseLogging(c.input.replace(/\n/g, '\r\r\n')), lf)
    }
  })

  test('header lines and text that is not a log message yield no events', () => {
    assert.deepEqual(
      parseLogging(
        'Syslog logging: enabled (0 messages dropped)\n    Trap logging: level informational, 5 message lines logged\nLog Buffer (4096 bytes):\n',
      ),
      [],
    )
    assert.equal(parseLogLine('    Console logging: level debugging, 22827 messages logged, xml disabled,'), null)
  })
})
