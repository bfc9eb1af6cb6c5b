import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createHmac} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import {
  checkTrustProxyOverlap,
  clientFromForwarded,
  createResolver,
  signInstanceId,
  trustProxyOverlap,
} from '../../../src/metadata/identity.js'
import {NetopsError} from '../../../src/errors.js'
import {CidrSet, normalizeIp} from '../../../src/metadata/ip.js'
import {parseListen} from '../../../src/metadata/net.js'
import {normalizeMac} from '../../../src/util/mac.js'
import {MemoryStore} from '../../../src/metadata/store.js'
import {sampleInstances} from '../../helpers/metadata.js'

const store = new MemoryStore(sampleInstances())
function req(peer: string, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return {socket: {remoteAddress: peer}, headers} as unknown as IncomingMessage
}

test('identity is the source address; IPv4-mapped IPv6 is normalised', () => {
  const r = createResolver()
  assert.equal(r.resolve(req('127.0.0.23'), store).instance?.id, 'waf-01')
  assert.equal(r.resolve(req('::ffff:127.0.0.24'), store).instance?.id, 'ips-02')
  assert.equal(r.resolve(req('127.0.0.99'), store).instance, undefined)
})

test('X-Forwarded-For from an untrusted peer changes nothing', () => {
  const r = createResolver({trustProxy: ['10.0.0.0/24']})
  const who = r.resolve(req('127.0.0.25', {'x-forwarded-for': '127.0.0.23'}), store)
  assert.equal(who.instance?.id, 'bare-03')
  assert.equal(who.via, 'address')
  const none = createResolver().resolve(req('127.0.0.99', {'x-forwarded-for': '127.0.0.23'}), store)
  assert.equal(none.instance, undefined)
})

test('X-Forwarded-For from a trusted proxy: the rightmost untrusted hop is the client', () => {
  const r = createResolver({trustProxy: ['127.0.0.1', '10.9.0.0/16']})
  const a = r.resolve(req('127.0.0.1', {'x-forwarded-for': '127.0.0.24'}), store)
  assert.equal(a.instance?.id, 'ips-02')
  assert.equal(a.via, 'forwarded')
  // the VM prepends a forged hop; the proxy appends the real one: the forged one is ignored
  const b = r.resolve(req('127.0.0.1', {'x-forwarded-for': '127.0.0.23, 127.0.0.24, 10.9.1.1'}), store)
  assert.equal(b.instance?.id, 'ips-02')
  assert.equal(b.ip, '127.0.0.24')
  assert.equal(clientFromForwarded('[::ffff:127.0.0.24]:80', '127.0.0.1', new CidrSet(['127.0.0.1'])), '127.0.0.24')
  assert.equal(r.resolve(req('127.0.0.1', {'x-forwarded-for': 'garbage'}), store).instance, undefined)
})

test('signed X-Instance-ID: a good signature identifies the VM, a bad or missing one is refused', () => {
  const r = createResolver({proxySharedSecret: 'hush'})
  const good = r.resolve(req('10.0.0.1', {'x-instance-id': 'ips-02', 'x-instance-id-signature': signInstanceId('ips-02', 'hush')}), store)
  assert.equal(good.instance?.id, 'ips-02')
  assert.equal(good.via, 'signed')
  const bad = r.resolve(req('127.0.0.23', {'x-instance-id': 'ips-02', 'x-instance-id-signature': signInstanceId('ips-02', 'wrong')}), store)
  assert.equal(bad.instance, undefined)
  assert.equal(bad.reject?.status, 403)
  assert.equal(r.resolve(req('127.0.0.23', {'x-instance-id': 'ips-02'}), store).reject?.status, 403)
  assert.equal(r.resolve(req('127.0.0.23', {'x-instance-id': ['a', 'b'], 'x-instance-id-signature': 'x'}), store).reject?.status, 400)
  // without a configured secret the headers are ignored: the VM is still itself
  const ignored = createResolver().resolve(req('127.0.0.23', {'x-instance-id': 'ips-02', 'x-instance-id-signature': 'x'}), store)
  assert.equal(ignored.instance?.id, 'waf-01')
})

test('signInstanceId is hex HMAC-SHA256 (what neutron sends)', () => {
  assert.equal(signInstanceId('i-1', 'k'), createHmac('sha256', 'k').update('i-1').digest('hex'))
  assert.match(signInstanceId('i-1', 'k'), /^[0-9a-f]{64}$/)
})

test('address helpers: normalizeIp, normalizeMac, parseListen, CidrSet', () => {
  assert.equal(normalizeIp('::FFFF:7f00:17'), '127.0.0.23')
  assert.equal(normalizeIp('FD00:0:0::1'), 'fd00::1')
  assert.equal(normalizeMac('5254.00AA.0001'), '52:54:00:aa:00:01')
  assert.equal(normalizeMac('52:54:00:aa:00'), undefined)
  assert.deepEqual(parseListen('0.0.0.0:8807'), {host: '0.0.0.0', port: 8807})
  assert.deepEqual(parseListen('[::1]:0'), {host: '::1', port: 0})
  assert.equal(parseListen('nohost:80'), undefined)
  assert.equal(parseListen('1.2.3.4:99999'), undefined)
  const set = new CidrSet(['10.0.0.0/8', 'fd00::/8', '127.0.0.1'])
  assert.ok(set.has('10.2.3.4') && set.has('fd12::1') && set.has('::ffff:127.0.0.1'))
  assert.ok(!set.has('127.0.0.2') && !set.has('11.0.0.1'))
  assert.throws(() => new CidrSet(['10.0.0.0/33']), /not an address or CIDR/)
})

test('a --trust-proxy entry covering an instance address is found (the CIDR and the first such instance); none when only proxies are covered', () => {
  const vms = sampleInstances() // 127.0.0.23, .24, .25
  assert.equal(trustProxyOverlap(['127.0.0.2', '10.0.0.0/8'], vms), undefined)
  assert.deepEqual(trustProxyOverlap(['127.0.0.2', '127.0.0.16/28'], vms), {
    cidr: '127.0.0.16/28',
    instance: {id: 'waf-01', ip: '127.0.0.23'},
  })
  assert.deepEqual(trustProxyOverlap(['127.0.0.24'], vms), {cidr: '127.0.0.24', instance: {id: 'ips-02', ip: '127.0.0.24'}})
})

test('an overlapping --trust-proxy is a usage error naming the CIDR and the instance, unless the overlap is allowed', () => {
  const vms = sampleInstances()
  assert.throws(
    () => checkTrustProxyOverlap(['127.0.0.0/8'], vms, false),
    (err: unknown) =>
      err instanceof NetopsError &&
      err.code === 'NETOPS_USAGE' &&
      err.exitCode === 2 &&
      /--trust-proxy 127\.0\.0\.0\/8 covers the address of instance waf-01 \(127\.0\.0\.23\)/.test(err.message) &&
      err.suggestions.some((x) => x.includes('--trust-proxy-overlap-ok')),
  )
  checkTrustProxyOverlap(['127.0.0.0/8'], vms, true)
  checkTrustProxyOverlap([], vms, false)
  checkTrustProxyOverlap(['127.0.0.2'], vms, false)
})
