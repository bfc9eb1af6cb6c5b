/** Every parser is tolerant of CRLF, NX-OS `\r\r\n`, trailing blanks/tabs and a prompt + command echo. */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {fixtureDirs, parserById, type ParserId} from '../../helpers/parser-registry.js'
import {canonicalReason, canonicalStatus} from '../../../src/parsers/status.js'
import {outputLines} from '../../../src/parsers/text.js'
import {fixtureCases} from '../../helpers/fixtures.js'

const IDS: ParserId[] = [
  'interfaces-status',
  'interfaces-status-err-disabled',
  'errdisable-recovery',
  'errdisable-detect',
  'interfaces',
  'running-config-interface',
  'version',
  'mac-address-table',
  'lldp-neighbors-detail',
  'cdp-neighbors-detail',
  'vlan-brief',
  'switchport',
]

describe('parsers ignore line-ending style, trailing whitespace and echo', () => {
  for (const id of IDS) {
    for (const {platform, dir} of fixtureDirs(id)) {
      const c = fixtureCases(dir)[0]
      const on = platform === null ? '' : ` on ${platform}`
      test(`${id}${on}: CRLF, \\r\\r\\n and trailing tabs give the same result as LF (${c?.name})`, () => {
        assert.ok(c)
        const parse = parserById(id, platform)
        const lf = parse(c.input)
        assert.deepEqual(parse(c.input.replace(/\n/g, '\r\n')), lf)
        assert.deepEqual(parse(c.input.replace(/\n/g, '\r\r\n')), lf)
        assert.deepEqual(parse(c.input.replace(/\n/g, ' \t \n')), lf)
      })
    }
  }

  test('outputLines strips a leading prompt + command echo and a trailing prompt, keeps the body', () => {
    assert.deepEqual(outputLines('\r\nsw1#show errdisable recovery\r\nTimer interval: 300 seconds\t \r\n\r\nsw1#'), [
      'Timer interval: 300 seconds',
    ])
    assert.deepEqual(outputLines('show version\nCisco IOS Software\n'), ['Cisco IOS Software'])
    assert.deepEqual(outputLines('N95_2# sh errdisable recovery   \n\tTimer interval: 300  \nN95_2#  '), ['\tTimer interval: 300'])
    assert.deepEqual(outputLines('sw1(config-if)#\nfoo\n'), ['foo'])
  })

  test('an echo-less capture is left intact', () => {
    assert.deepEqual(outputLines('Port      Name   Status\nGi1/0/1   x      connected\n'), [
      'Port      Name   Status',
      'Gi1/0/1   x      connected',
    ])
  })
})

describe('canonical status and cause words', () => {
  test('truncated and decorated statuses map to one word', () => {
    assert.equal(canonicalStatus('notconnec'), 'notconnect')
    assert.equal(canonicalStatus('notconnect: TD'), 'notconnect')
    assert.equal(canonicalStatus('err-disabled'), 'err-disabled')
    assert.equal(canonicalStatus('errDisabled'), 'err-disabled')
    assert.equal(canonicalStatus('linkFlapErr'), 'err-disabled')
    assert.equal(canonicalStatus('xcvrAbsen'), 'xcvr-absent')
    assert.equal(canonicalStatus('noOperMem'), 'no-oper-members')
    assert.equal(canonicalStatus('Connected'), 'connected')
    assert.equal(canonicalStatus('weirdNew'), 'weirdnew')
  })
  test('cause spellings map to the IOS cause names', () => {
    assert.equal(canonicalReason('BPDUGuard'), 'bpduguard')
    assert.equal(canonicalReason('linkFlapErrDisabled'), 'link-flap')
    assert.equal(canonicalReason('storm-ctrl'), 'storm-control')
    assert.equal(canonicalReason('loopback'), 'loopback')
    assert.equal(canonicalReason('loopdetect'), 'loopdetect')
    assert.equal(canonicalReason('UDLD Tx-Rx Loop'), 'udld')
  })
})
