import assert from 'node:assert/strict'
import {test} from 'node:test'
import {endpointKeys, type LookupAll} from '../../../src/ssh/endpoint.js'

const hosts: Record<string, string[]> = {localhost: ['::1', '127.0.0.1'], 'tor-7.lab': ['10.0.0.7']}
const fakeLookup: LookupAll = (h) => {
  const found = hosts[h.toLowerCase()]
  return found ? Promise.resolve(found) : Promise.reject(new Error('ENOTFOUND'))
}

test('a name is keyed by every address it resolves to, a literal address by itself: localhost shares a key with 127.0.0.1', async () => {
  const local = await endpointKeys({host: 'localhost', port: 2222}, fakeLookup)
  const literal = await endpointKeys({host: '127.0.0.1', port: 2222}, fakeLookup)
  assert.deepEqual(local, ['|::1:2222', '|127.0.0.1:2222'])
  assert.deepEqual(literal, ['|127.0.0.1:2222'])
  assert.ok(local.some((k) => literal.includes(k)))
  assert.deepEqual(await endpointKeys({host: '127.0.0.1', port: 22}, fakeLookup), ['|127.0.0.1:22'], 'another port: another device')
})

test('a name that does not resolve is keyed by its name, case-insensitively', async () => {
  assert.deepEqual(await endpointKeys({host: 'Nowhere.Example', port: 22}, fakeLookup), ['|nowhere.example:22'])
})

test('behind jump hosts or a ProxyCommand the name is not looked up here and the path is part of the key', async () => {
  const never: LookupAll = () => assert.fail('no local lookup behind a jump host')
  const viaJump = await endpointKeys({host: '127.0.0.1', port: 22001, jumps: [{host: 'Bastion', port: 22} as never]}, never)
  assert.deepEqual(viaJump, ['bastion:22|127.0.0.1:22001'])
  assert.notDeepEqual(viaJump, await endpointKeys({host: '127.0.0.1', port: 22001}, fakeLookup), 'not the local 127.0.0.1:22001')
  assert.deepEqual(await endpointKeys({host: 'tor-7', port: 22, proxyCommand: 'ssh -W %h:%p b'}, never), ['proxy ssh -W %h:%p b|tor-7:22'])
})
