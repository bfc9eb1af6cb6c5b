import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {
  CidrSet,
  compressV6,
  inNetworkV4,
  ipFamily,
  isIPv4,
  isLoopbackV4,
  netmaskV4,
  networkV4,
  networkV6,
  normalizeIp,
  parseCidr,
  splitCidr,
  v6Groups,
} from '../../../src/metadata/ip.js'

describe('IP arithmetic', () => {
  test('normalizeIp: brackets and zones dropped, v4-mapped v6 becomes v4, v6 lower-case and compressed', () => {
    assert.equal(normalizeIp(' [fe80::1%eth0] '), 'fe80::1')
    assert.equal(normalizeIp('::ffff:10.0.0.2'), '10.0.0.2')
    assert.equal(normalizeIp('0:0:0:0:0:FFFF:0a00:0002'), '10.0.0.2')
    assert.equal(normalizeIp('FD00:0000:0:0:0:0:0:0001'), 'fd00::1')
    assert.equal(normalizeIp('10.0.0.2'), '10.0.0.2')
    assert.equal(normalizeIp('not-an-ip'), 'not-an-ip')
  })
  test('ipFamily, isIPv4 (dotted quad only), isLoopbackV4', () => {
    assert.deepEqual(['10.0.0.1', 'fd00::1', 'host'].map(ipFamily), [4, 6, 0])
    assert.equal(isIPv4('255.255.255.255'), true)
    assert.equal(isIPv4('256.1.1.1'), false)
    assert.equal(isIPv4('01.2.3.4'), false)
    assert.equal(isIPv4('fd00::1'), false)
    assert.equal(isLoopbackV4('127.8.9.10'), true)
    assert.equal(isLoopbackV4('10.127.0.1'), false)
    assert.equal(isLoopbackV4('127.example'), false)
  })
  test('parseCidr: address normalised, prefix range checked by family', () => {
    assert.deepEqual(parseCidr('10.1.0.5/24'), {address: '10.1.0.5', prefix: 24, family: 4})
    assert.deepEqual(parseCidr('FD00:1::5/64'), {address: 'fd00:1::5', prefix: 64, family: 6})
    assert.equal(parseCidr('10.1.0.5/33'), undefined)
    assert.equal(parseCidr('fd00::/129'), undefined)
    assert.equal(parseCidr('10.1.0.5'), undefined)
    assert.equal(parseCidr('host/24'), undefined)
  })
  test('splitCidr: a bare address is a /32 or a /128', () => {
    assert.deepEqual(splitCidr('10.1.0.5/24'), {address: '10.1.0.5', prefix: 24, v6: false})
    assert.deepEqual(splitCidr('10.1.0.5'), {address: '10.1.0.5', prefix: 32, v6: false})
    assert.deepEqual(splitCidr('fd00::5'), {address: 'fd00::5', prefix: 128, v6: true})
  })
  test('netmaskV4 and networkV4 at the edges (/0, /31, /32)', () => {
    assert.deepEqual([0, 8, 23, 31, 32].map(netmaskV4), ['0.0.0.0', '255.0.0.0', '255.255.254.0', '255.255.255.254', '255.255.255.255'])
    assert.equal(networkV4('10.1.2.3/24'), '10.1.2.0/24')
    assert.equal(networkV4('10.1.3.255/23'), '10.1.2.0/23')
    assert.equal(networkV4('192.0.2.77/0'), '0.0.0.0/0')
    assert.equal(networkV4('192.0.2.77/32'), '192.0.2.77/32')
  })
  test('inNetworkV4: prefix membership', () => {
    assert.equal(inNetworkV4('169.254.169.254', '169.254.0.0', 16), true)
    assert.equal(inNetworkV4('169.254.169.254', '169.254.169.254', 32), true)
    assert.equal(inNetworkV4('169.254.169.254', '169.254.169.0', 25), false)
    assert.equal(inNetworkV4('8.8.8.8', '0.0.0.0', 0), true)
    assert.equal(inNetworkV4('fd00::1', '0.0.0.0', 0), false)
    assert.equal(inNetworkV4('10.0.0.1', '10.0.0.0', 33), false)
  })
  test('v6Groups and compressV6 round-trip, embedded v4 included; the longest zero run is compressed', () => {
    assert.deepEqual(v6Groups('fd00::1'), [0xfd00, 0, 0, 0, 0, 0, 0, 1])
    assert.deepEqual(v6Groups('::ffff:10.0.0.2'), [0, 0, 0, 0, 0, 0xffff, 0x0a00, 2])
    assert.deepEqual(v6Groups('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8])
    assert.equal(compressV6([1, 0, 0, 2, 0, 0, 0, 3]), '1:0:0:2::3')
    assert.equal(compressV6([1, 0, 2, 3, 4, 5, 6, 7]), '1:0:2:3:4:5:6:7', 'a single zero group is not compressed')
    assert.equal(compressV6([0, 0, 0, 0, 0, 0, 0, 0]), '::')
  })
  test('networkV6 masks inside a group', () => {
    assert.equal(networkV6('fd00:1:2:3::5/64'), 'fd00:1:2:3::/64')
    assert.equal(networkV6('fd00:1:2:3::5/56'), 'fd00:1:2::/56')
    assert.equal(networkV6('fd00:1:2:3::5/0'), '::/0')
  })
  test('CidrSet: subnets and single addresses of both families; v4-mapped peers match v4 entries', () => {
    const set = new CidrSet(['10.0.0.0/8', 'fd00::/8', '127.0.0.1'])
    assert.equal(set.size, 3)
    assert.equal(set.has('10.200.0.1'), true)
    assert.equal(set.has('::ffff:127.0.0.1'), true)
    assert.equal(set.has('127.0.0.2'), false)
    assert.equal(set.has('fdff::1'), true)
    assert.equal(set.has('nonsense'), false)
    assert.equal(new CidrSet().has('10.0.0.1'), false)
    assert.throws(() => new CidrSet(['10.0.0.0/33']), /not an address or CIDR: 10\.0\.0\.0\/33/)
  })
})
