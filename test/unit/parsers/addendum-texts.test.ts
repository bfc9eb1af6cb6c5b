/**
 * The texts of the December addendum of ../shared/reference/cisco-loopback-errdisable.md ("texts
 * checked against more public captures"), each as quoted there, through our parsers.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parseShowInterface} from '../../../src/parsers/interfaces.js'
import {parseInterfacesStatus} from '../../../src/parsers/interfaces-status.js'
import {parseLogging, parseLogLine} from '../../../src/parsers/logging.js'
import {canonicalStatus} from '../../../src/parsers/status.js'

const pick = (text: string) =>
  parseLogging(text).map((e) => ({
    facility: e.facility,
    severity: e.severity,
    mnemonic: e.mnemonic,
    kind: e.kind,
    interface: e.interface,
    reason: e.reason,
  }))

describe('NX-OS texts of the addendum', () => {
  test('IF_DOWN_ERROR_DISABLED at severity 5 with a free-text reason (napalm-logs)', () => {
    assert.deepEqual(
      pick('%ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface Ethernet1/3 is down (Error disabled. Reason:Received REINIT_NO_FLAP request)'),
      [
        {
          facility: 'ETHPORT',
          severity: 5,
          mnemonic: 'IF_DOWN_ERROR_DISABLED',
          kind: 'err-disabled',
          interface: 'Ethernet1/3',
          reason: 'received reinit_no_flap request',
        },
      ],
    )
  })

  test('a collector copy at severity 2, without % and colon, wrapped onto a second line (Cisco UDLD tech note)', () => {
    const text = 'ETHPORT-2-IF_DOWN_ERROR_DISABLED Interface Ethernet1/2\nis down (Error disabled. Reason:UDLD empty echo)'
    assert.deepEqual(pick(text), [
      {
        facility: 'ETHPORT',
        severity: 2,
        mnemonic: 'IF_DOWN_ERROR_DISABLED',
        kind: 'err-disabled',
        interface: 'Ethernet1/2',
        reason: 'udld',
      },
    ])
  })

  test('other reasons are kept as free text, never matched against a word list', () => {
    for (const [reason, want] of [
      ['DCX-No ACK in 100 PDUs', 'dcx-no ack in 100 pdus'],
      ['ekeying triggered', 'ekeying triggered'],
    ] as const) {
      const [e] = parseLogging(
        `2026 Nov 27 03:12:01 n9k %ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface Ethernet1/9 is down (Error disabled. Reason:${reason})`,
      )
      assert.equal(e?.reason, want)
      assert.equal(e?.interface, 'Ethernet1/9')
    }
  })

  test('BPDU guard has its own STP-2 message naming the port', () => {
    const [e] = parseLogging('%STP-2-BLOCK_BPDUGUARD: Received BPDU on port Ethernet1/43 with BPDU Guard enabled. Disabling port.')
    assert.equal(e?.interface, 'Ethernet1/43')
    assert.equal(e?.reason, 'bpduguard')
  })

  test('show interface first lines carry the cause', () => {
    const cases: Array<[string, string, string | null]> = [
      ['Ethernet140/1/26 is down (linkFlapErrDisabled, port: error)', 'Ethernet140/1/26', 'link-flap'],
      ['Ethernet1/6 is down (linkFlapErrDisabled)', 'Ethernet1/6', 'link-flap'],
      ['Ethernet1/38 is down (storm control errDisable)', 'Ethernet1/38', 'storm-control'],
      ['vfc248 is down (Error Disabled - VFC not bound)', 'vfc248', null],
    ]
    for (const [line, name, cause] of cases) {
      const d = parseShowInterface(`${line}\nadmin state is up, Dedicated Interface\n`)
      assert.equal(d?.interface, name)
      assert.equal(d?.errDisabled, true, line)
      assert.equal(d?.errDisabledCause, cause, line)
    }
  })

  test('show interface status: the 9-character cell linkFlapE is err-disabled (genieparser golden6)', () => {
    assert.equal(canonicalStatus('linkFlapE'), 'err-disabled')
    assert.equal(canonicalStatus('linkFlapErr'), 'err-disabled')
    const rows = parseInterfacesStatus(
      [
        '--------------------------------------------------------------------------------',
        'Port          Name               Status    Vlan      Duplex  Speed   Type',
        '--------------------------------------------------------------------------------',
        'Eth1/6        --                 linkFlapE 1         auto    auto    10Gbase-SR',
      ].join('\n'),
    )
    assert.deepEqual(
      rows.map((r) => [r.port, r.status, r.statusRaw]),
      [['Eth1/6', 'err-disabled', 'linkFlapE']],
    )
  })
})

describe('IOS / IOS-XE texts of the addendum', () => {
  test('Catalyst 9400/9600 log the loop-back under PLATFORM_PM: any facility with LOOP_BACK_DETECTED counts', () => {
    const e = parseLogLine('*Jul 13 04:29:31.915: %PLATFORM_PM-3-LOOP_BACK_DETECTED: Loop-back detected on GigabitEthernet2/0/1.')
    assert.equal(e?.facility, 'PLATFORM_PM')
    assert.equal(e?.kind, 'loopback-detected')
    assert.equal(e?.interface, 'GigabitEthernet2/0/1')
    assert.equal(e?.clockMarker, '*')
  })

  test('Catalyst 6500 -SP facilities and the ERR_RECOVER text', () => {
    const d = parseLogLine('%PM-SP-4-ERR_DISABLE: bpduguard error detected on Gi4/1, putting Gi4/1 in err-disable state')
    assert.deepEqual([d?.facility, d?.kind, d?.interface, d?.reason], ['PM-SP', 'err-disabled', 'GigabitEthernet4/1', 'bpduguard'])
    const r = parseLogLine('%PM-4-ERR_RECOVER: Attempting to recover from link-flap err-disable state on Gi1/6')
    assert.deepEqual([r?.kind, r?.interface, r?.reason], ['recovered', 'GigabitEthernet1/6', 'link-flap'])
  })

  test('header variants: sequence number and origin-id host name, a timezone, a year in the stamp', () => {
    const a = parseLogLine(
      '521: router1: *Nov 14 08:30:56.699: %LINK-5-CHANGED: Interface GigabitEthernet0/1, changed state to administratively down',
    )
    assert.deepEqual([a?.sequence, a?.host, a?.time, a?.clockMarker, a?.kind], [521, 'router1', 'Nov 14 08:30:56.699', '*', 'admin-down'])
    const b = parseLogLine('May 31 15:25:53.743 MEST: %LINK-3-UPDOWN: Interface GigabitEthernet1/0/19, changed state to down')
    assert.equal(b?.time, 'May 31 15:25:53.743 MEST')
    const c = parseLogLine(
      'Jul 14 2023 08:23:43.398 UTC: %PM-4-ERR_DISABLE: loopback error detected on Gi1/0/19, putting Gi1/0/19 in err-disable state',
    )
    assert.equal(c?.time, 'Jul 14 2023 08:23:43.398 UTC')
    assert.equal(c?.seconds, Date.UTC(2023, 6, 14, 8, 23, 43) / 1000 + 0.398)
  })

  test('a stack member (hostname-n) suffix does not change the port or the cause', () => {
    const e = parseLogLine(
      'Jul 14 2023 08:23:43.398 UTC: %PM-4-ERR_DISABLE: loopback error detected on Gi2/0/19, putting Gi2/0/19 in err-disable state (sw1-2)',
    )
    assert.deepEqual([e?.interface, e?.reason], ['GigabitEthernet2/0/19', 'loopback'])
    const l = parseLogLine('*Jul 13 04:29:31.915: %PLATFORM_PM-3-LOOP_BACK_DETECTED: Loop-back detected on GigabitEthernet2/0/1. (c9600-2)')
    assert.equal(l?.interface, 'GigabitEthernet2/0/1')
  })

  test('IOS-XE 16.12 first line of an err-disabled port on a 9300 stack', () => {
    const d = parseShowInterface('TenGigabitEthernet2/0/48 is down, line protocol is down (err-disabled)\n')
    assert.equal(d?.errDisabled, true)
    assert.equal(d?.errDisabledCause, null)
  })
})
