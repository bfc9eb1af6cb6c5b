import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {UsageError} from '../../../../src/errors.js'
import {chooseMode, iptablesSpec, nftAddCommands, parseTarget, planRedirect} from '../../../../src/metadata/redirect/index.js'

const HOST_IFACES = {lo: ['127.0.0.1'], 'br-md': ['10.200.0.1', '10.200.0.254'], eth0: ['192.0.2.10']}

describe('redirect plan: --to parsing', () => {
  test('HOST:PORT with an IPv4 address parses', () => {
    assert.deepEqual(parseTarget('10.0.0.5:8807'), {host: '10.0.0.5', port: 8807})
  })
  for (const bad of ['10.0.0.5', 'metadata.lan:8807', '10.0.0.5:0', '10.0.0.5:70000', '10.0.0.256:80', '169.254.169.254:80', ':8807']) {
    test(`--to ${bad} is a usage error`, () => assert.throws(() => parseTarget(bad), UsageError))
  }
  test('IPv6 is refused with a message saying metadata is IPv4 only', () => {
    for (const v6 of ['[::1]:8807', 'fd00:ec2::254:80']) {
      assert.throws(
        () => parseTarget(v6),
        (e: unknown) => e instanceof UsageError && /IPv4 only/.test(e.message),
      )
    }
  })
  test('a bridge name with a quote or space is refused (it goes into nft syntax)', () => {
    assert.throws(() => planRedirect({to: '127.0.0.1:8807', bridge: 'br"0'}), UsageError)
    assert.throws(() => planRedirect({to: '127.0.0.1:8807', bridge: 'a-name-longer-than-15'}), UsageError)
  })
})

describe('redirect plan: REDIRECT or DNAT', () => {
  test('loopback and 0.0.0.0 give REDIRECT', () => {
    assert.equal(chooseMode({host: '127.0.0.1', port: 8807}, {interfaces: HOST_IFACES}), 'redirect')
    assert.equal(chooseMode({host: '0.0.0.0', port: 8807}, {}), 'redirect')
  })
  test('the primary address of --bridge gives REDIRECT; a secondary one DNAT (REDIRECT would go to the primary)', () => {
    assert.equal(chooseMode({host: '10.200.0.1', port: 8807}, {bridge: 'br-md', interfaces: HOST_IFACES}), 'redirect')
    assert.equal(chooseMode({host: '10.200.0.254', port: 8807}, {bridge: 'br-md', interfaces: HOST_IFACES}), 'dnat')
  })
  test('a remote server gives DNAT', () => {
    assert.equal(chooseMode({host: '10.9.0.5', port: 8807}, {bridge: 'br-md', interfaces: HOST_IFACES}), 'dnat')
  })
  test('--mode dnat to loopback is refused (it would need route_localnet)', () => {
    assert.throws(
      () => chooseMode({host: '127.0.0.1', port: 8807}, {mode: 'dnat'}),
      (e: unknown) => e instanceof UsageError && e.suggestions.some((s) => s.includes('route_localnet')),
    )
  })
  test('--mode redirect to an address this host lacks is allowed with a warning (printing for another host)', () => {
    const warnings: string[] = []
    assert.equal(chooseMode({host: '10.9.0.5', port: 8807}, {mode: 'redirect', interfaces: HOST_IFACES}, warnings), 'redirect')
    assert.match(warnings[0]!, /not an address of this host/)
  })
})

describe('redirect plan: argv', () => {
  test('iptables REDIRECT rule: inserted first in nat PREROUTING, tagged netops-metadata, options in iptables -S order', () => {
    const p = planRedirect({to: '127.0.0.1:8807', bridge: 'br-md', interfaces: HOST_IFACES})
    assert.equal(p.mode, 'redirect')
    assert.deepEqual(p.rules, [
      [
        'iptables',
        '-t',
        'nat',
        '-I',
        'PREROUTING',
        '1',
        '-d',
        '169.254.169.254/32',
        '-i',
        'br-md',
        '-p',
        'tcp',
        '-m',
        'tcp',
        '--dport',
        '80',
        '-m',
        'comment',
        '--comment',
        'netops-metadata',
        '-j',
        'REDIRECT',
        '--to-ports',
        '8807',
      ],
    ])
    assert.deepEqual(p.undo[0]!.slice(0, 5), ['iptables', '-t', 'nat', '-D', 'PREROUTING'])
    assert.deepEqual(p.undo[0]!.slice(5), p.rules[0]!.slice(6))
    assert.match(p.warnings[0]!, /listen on 0\.0\.0\.0:8807/)
  })
  test('REDIRECT on a bridge without an IPv4 address warns that requests would be dropped', () => {
    const p = planRedirect({to: '0.0.0.0:8807', bridge: 'br-noip', interfaces: HOST_IFACES})
    assert.equal(p.mode, 'redirect')
    assert.ok(
      p.warnings.some((w) => /br-noip has none/.test(w)),
      p.warnings.join('; '),
    )
    assert.equal(planRedirect({to: '0.0.0.0:8807', bridge: 'br-md', interfaces: HOST_IFACES}).warnings.length, 0)
  })
  test('iptables DNAT rule to a remote server, no -i without --bridge', () => {
    const spec = iptablesSpec('dnat', {host: '10.9.0.5', port: 8807}, null)
    assert.deepEqual(spec, [
      '-d',
      '169.254.169.254/32',
      '-p',
      'tcp',
      '-m',
      'tcp',
      '--dport',
      '80',
      '-m',
      'comment',
      '--comment',
      'netops-metadata',
      '-j',
      'DNAT',
      '--to-destination',
      '10.9.0.5:8807',
    ])
    const p = planRedirect({to: '10.9.0.5:8807', interfaces: HOST_IFACES})
    assert.ok(p.notes.some((n) => n.includes('ip_forward')))
    assert.equal(p.warnings.length, 0)
  })
  test('nft: its own table, chain before iptables nat, rule with iifname and comment; undo deletes the table', () => {
    const p = planRedirect({to: '10.9.0.5:8807', bridge: 'br-md', backend: 'nft', interfaces: HOST_IFACES})
    assert.deepEqual(p.rules, nftAddCommands('dnat', {host: '10.9.0.5', port: 8807}, 'br-md'))
    assert.deepEqual(p.rules[0], ['nft', 'add', 'table', 'ip', 'netops_metadata'])
    assert.deepEqual(p.rules[1], [
      'nft',
      'add',
      'chain',
      'ip',
      'netops_metadata',
      'prerouting',
      '{ type nat hook prerouting priority dstnat - 10; policy accept; }',
    ])
    assert.deepEqual(p.rules[2], [
      'nft',
      'add',
      'rule',
      'ip',
      'netops_metadata',
      'prerouting',
      'iifname',
      '"br-md"',
      'ip',
      'daddr',
      '169.254.169.254',
      'tcp',
      'dport',
      '80',
      'dnat',
      'to',
      '10.9.0.5:8807',
      'comment',
      '"netops-metadata"',
    ])
    assert.deepEqual(p.undo, [['nft', 'delete', 'table', 'ip', 'netops_metadata']])
  })
})
