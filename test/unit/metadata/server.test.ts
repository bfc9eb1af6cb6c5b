import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ANSWERS, plain, type Decision} from '../../../src/metadata/decide.js'
import {clientErrorStatus, requestLogEntry} from '../../../src/metadata/server.js'
import {sampleInstances} from '../../helpers/metadata.js'

const vm = sampleInstances()[0]!

test('the request log line names the VM, flavour and reason, never the body; HEAD has no bytes', () => {
  const d: Decision = {
    who: {peer: '10.0.0.9', ip: vm.ip, via: 'forwarded', instance: vm},
    target: '/latest/user-data?x=1',
    path: '/latest/user-data',
    answer: plain(200, 'secret user-data'),
    flavor: 'ec2',
    reason: undefined,
  }
  assert.deepEqual(requestLogEntry(d, 'GET', 1.25, Date.UTC(2026, 0, 2, 3, 4, 5)), {
    time: '2026-01-02T03:04:05.000Z',
    method: 'GET',
    path: '/latest/user-data',
    status: 200,
    bytes: 17,
    ms: 1.25,
    peer: '10.0.0.9',
    ip: vm.ip,
    via: 'forwarded',
    instance: vm.id,
    flavor: 'ec2',
  })
  assert.equal(requestLogEntry(d, 'HEAD', 0, 0).bytes, 0)
})

test('an unknown requester is marked; a rejected target is logged as sent, cut at 256 characters', () => {
  const who = {peer: '10.9.9.9', ip: '10.9.9.9', via: 'address' as const, instance: undefined}
  const unknown = requestLogEntry(
    {who, target: '/x', path: '/x', answer: ANSWERS.notFound, flavor: undefined, reason: 'unknown requester'},
    'GET',
    0,
    0,
  )
  assert.equal(unknown.unknown, true)
  assert.equal(unknown.reason, 'unknown requester')
  const long = '/' + 'a'.repeat(400)
  const bad = requestLogEntry(
    {who, target: long, path: undefined, answer: ANSWERS.uriTooLong, flavor: undefined, reason: undefined},
    'GET',
    0,
    0,
  )
  assert.equal(bad.path, long.slice(0, 256))
  assert.equal(bad.unknown, undefined)
})

test('parser errors map to 431, 408, 414 and otherwise 400', () => {
  assert.deepEqual(clientErrorStatus('HPE_HEADER_OVERFLOW'), {status: 431, text: 'Request Header Fields Too Large'})
  assert.deepEqual(clientErrorStatus('ERR_HTTP_HEADERS_TIMEOUT'), {status: 408, text: 'Request Timeout'})
  assert.deepEqual(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT'), {status: 408, text: 'Request Timeout'})
  assert.deepEqual(clientErrorStatus('HPE_URI_TOO_LONG'), {status: 414, text: 'URI Too Long'})
  assert.deepEqual(clientErrorStatus('HPE_INVALID_METHOD'), {status: 400, text: 'Bad Request'})
})
