import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {UsageError} from '../../../../src/errors.js'
import {DEFAULT_STORE_PREFIX, endpointText, parseStorePrefix, parseStoreUrl} from '../../../../src/metadata/store/url.js'

describe('parseStoreUrl', () => {
  test('reads every HOST:PORT in order, a missing port is 2379', () => {
    assert.deepEqual(parseStoreUrl('etcd://10.0.0.5:2379,etcd-b.dc1:12379, 10.0.0.7').endpoints, [
      {host: '10.0.0.5', port: 2379},
      {host: 'etcd-b.dc1', port: 12379},
      {host: '10.0.0.7', port: 2379},
    ])
  })

  test('IPv6 endpoints are bracketed, and written back bracketed', () => {
    const u = parseStoreUrl('etcd://[fd00::5]:2379,[::1]')
    assert.deepEqual(u.endpoints, [
      {host: 'fd00::5', port: 2379},
      {host: '::1', port: 2379},
    ])
    assert.equal(endpointText(u.endpoints[0]!), '[fd00::5]:2379')
  })

  test('a trailing slash is allowed; the text is kept for messages', () => {
    assert.equal(parseStoreUrl(' etcd://127.0.0.1:2379/ ').text, 'etcd://127.0.0.1:2379/')
  })

  const bad: Array<[string, RegExp]> = [
    ['127.0.0.1:2379', /is not etcd:\/\/HOST:PORT/],
    ['http://127.0.0.1:2379', /scheme `http` is not supported/],
    ['etcd://', /empty HOST:PORT/],
    ['etcd://a:2379,,b:2379', /empty HOST:PORT/],
    ['etcd://a:2379,', /empty HOST:PORT/],
    ['etcd://a:0', /`0` is not a port/],
    ['etcd://a:65536', /`65536` is not a port/],
    ['etcd://a:port', /`port` is not a port/],
    ['etcd://fd00::5:2379', /in brackets/],
    ['etcd://[10.0.0.1]:2379', /not an IPv6 address/],
    ['etcd://bad_host:2379', /`bad_host` is not a host name/],
    ['etcd://root:secret@a:2379', /no user or password in the URL/],
    ['etcd://a:2379/netops', /no path or query/],
    ['etcd://a:2379,a:2379', /a:2379 is listed twice/],
  ]
  for (const [input, message] of bad) {
    test(`refuses ${input} with a usage error`, () => {
      assert.throws(
        () => parseStoreUrl(input),
        (err: unknown) => err instanceof UsageError && message.test(err.message) && err.exitCode === 2,
      )
    })
  }

  for (const u of ['etcd://root:s3cret@a:2379', 'https://root:s3cret@a:2379']) {
    test(`a password in the URL is never echoed back (${u.split(':')[0]})`, () => {
      assert.throws(
        () => parseStoreUrl(u),
        (err: unknown) => err instanceof UsageError && !JSON.stringify(err.toJSON()).includes('s3cret') && err.message.includes('//***@a'),
      )
    })
  }
})

describe('parseStorePrefix', () => {
  test('the default ends with a slash; one is added when missing', () => {
    assert.equal(DEFAULT_STORE_PREFIX, '/netops/metadata/')
    assert.equal(parseStorePrefix('/netops/dc1'), '/netops/dc1/')
    assert.equal(parseStorePrefix('/x/'), '/x/')
  })
  for (const p of ['netops/', '/a//b/', '/a b/', 'x']) {
    test(`refuses ${JSON.stringify(p)}`, () => assert.throws(() => parseStorePrefix(p), UsageError))
  }
})
