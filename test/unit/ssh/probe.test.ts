import {test} from 'node:test'
import assert from 'node:assert/strict'
import {recognizeProtocol} from '../../../src/ssh/probe.js'

test('the first bytes name HTTP and TLS; anything else is not recognised', () => {
  assert.equal(recognizeProtocol(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), 'HTTP')
  assert.equal(recognizeProtocol(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02])), 'TLS')
  assert.equal(recognizeProtocol(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')), undefined)
  assert.equal(recognizeProtocol(Buffer.alloc(0)), undefined)
})
