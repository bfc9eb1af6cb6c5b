import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ANSWERS, decide, type DecideContext} from '../../../src/metadata/decide.js'
import {DocumentSnapshot} from '../../../src/metadata/doc-cache.js'
import type {RequestHead, Requester} from '../../../src/metadata/identity.js'
import {TokenIssuer} from '../../../src/metadata/tokens.js'
import {sampleInstances} from '../../helpers/metadata.js'

const instances = sampleInstances()
// a CloudStack VM: an EC2-style flavour (its /latest paths are gated by IMDSv2 tokens)
const vm = instances[0]!
const snap = new DocumentSnapshot(1, instances, {})
const known: Requester = {peer: vm.ip, ip: vm.ip, via: 'address', instance: vm}
const stranger: Requester = {peer: '10.9.9.9', ip: '10.9.9.9', via: 'address', instance: undefined}

function context(over: Partial<DecideContext> = {}): DecideContext & {unknown: string[]} {
  const unknown: string[] = []
  return {
    maxUrl: 1024,
    requireToken: false,
    tokens: new TokenIssuer(),
    clock: () => 1_000_000,
    callbacks: false,
    unknownRequester: (ip) => unknown.push(ip),
    unknown,
    ...over,
  }
}

const head = (headers: Record<string, string> = {}): RequestHead => ({headers, socket: {remoteAddress: vm.ip}})

test('decide refuses before any lookup: long target 414, bad path 400, refused requester, stray POST 405', () => {
  const c = context({maxUrl: 20, callbacks: true})
  assert.equal(decide(head(), 'GET', '/' + 'a'.repeat(30), known, snap, c).answer, ANSWERS.uriTooLong)
  const bad = decide(head(), 'GET', '/latest/../etc', known, snap, c)
  assert.deepEqual([bad.answer, bad.reason, bad.path], [ANSWERS.badRequest, 'bad path', undefined])
  const refused = decide(head(), 'GET', '/latest/', {...known, reject: {status: 403, reason: 'bad signature'}}, snap, c)
  assert.deepEqual([refused.answer, refused.reason], [ANSWERS.forbidden, 'bad signature'])
  assert.equal(decide(head(), 'POST', '/latest/', known, snap, c).answer, ANSWERS.method)
  assert.deepEqual(c.unknown, [])
})

test('decide answers an address in no record 404 and counts it', () => {
  const c = context()
  const d = decide(head(), 'GET', '/latest/meta-data/', stranger, snap, c)
  assert.deepEqual([d.answer, d.reason, d.flavor], [ANSWERS.notFound, 'unknown requester', undefined])
  assert.deepEqual(c.unknown, ['10.9.9.9'])
})

test('decide looks documents up on the snapshot; a missing one is 404 without a flavour; other methods 405', () => {
  const c = context()
  const d = decide(head(), 'GET', '/latest/meta-data/instance-id', known, snap, c)
  assert.deepEqual([d.answer.status, d.answer.body.toString(), d.flavor, d.path], [200, vm.id, 'ec2', '/latest/meta-data/instance-id'])
  const missing = decide(head(), 'GET', '/nope', known, snap, c)
  assert.deepEqual([missing.answer, missing.flavor], [ANSWERS.notFound, undefined])
  assert.equal(decide(head(), 'DELETE', '/latest/', known, snap, c).answer, ANSWERS.method)
  assert.equal(decide(head(), 'PUT', '/latest/meta-data/', known, snap, c).answer, ANSWERS.method)
})

test('IMDSv2: a token PUT needs a TTL; a presented token must verify; required tokens gate EC2 paths only', () => {
  const c = context()
  const noTtl = decide(head(), 'PUT', '/latest/api/token', known, snap, c)
  assert.deepEqual([noTtl.answer, noTtl.flavor], [ANSWERS.ttl, 'imdsv2-token'])
  const issued = decide(head({'x-aws-ec2-metadata-token-ttl-seconds': '60'}), 'PUT', '/latest/api/token', known, snap, c)
  assert.equal(issued.answer.status, 200)
  assert.deepEqual(issued.answer.extra, ['x-aws-ec2-metadata-token-ttl-seconds', '60'])
  const token = issued.answer.body.toString()
  const path = '/latest/meta-data/instance-id'
  assert.equal(decide(head({'x-aws-ec2-metadata-token': token}), 'GET', path, known, snap, c).answer.status, 200)
  const forged = decide(head({'x-aws-ec2-metadata-token': 'forged'}), 'GET', path, known, snap, c)
  assert.deepEqual([forged.answer, forged.reason, forged.flavor], [ANSWERS.unauthorized, 'bad or expired IMDSv2 token', 'ec2'])
  const required = context({requireToken: true})
  const none = decide(head(), 'GET', path, known, snap, required)
  assert.deepEqual([none.answer, none.reason], [ANSWERS.unauthorized, 'IMDSv2 token required'])
  assert.equal(decide(head(), 'GET', '/openstack/latest/meta_data.json', known, snap, required).answer.status, 200)
})

test('IMDSv2: a token PUT carrying X-Forwarded-For is refused (403), as AWS does; the same PUT without it gets a token', () => {
  const c = context()
  const ttl = {'x-aws-ec2-metadata-token-ttl-seconds': '60'}
  for (const xff of ['127.0.0.23', '', '10.0.0.1, 127.0.0.23']) {
    const d = decide(head({...ttl, 'x-forwarded-for': xff}), 'PUT', '/latest/api/token', known, snap, c)
    assert.deepEqual([d.answer, d.flavor, d.reason], [ANSWERS.forbidden, 'imdsv2-token', 'IMDSv2 token PUT with X-Forwarded-For'])
  }
  assert.equal(decide(head(ttl), 'PUT', '/latest/api/token', known, snap, c).answer.status, 200)
})

test('a bug while deciding is that request’s 500, not the server’s end', () => {
  const c = context({
    unknownRequester: () => {
      throw new Error('boom')
    },
  })
  const d = decide(head(), 'GET', '/latest/', stranger, snap, c)
  assert.deepEqual([d.answer, d.reason, d.path], [ANSWERS.internal, 'internal error: boom', undefined])
})
