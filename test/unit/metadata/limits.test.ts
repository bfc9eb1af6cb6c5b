import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ConnectionGate, defaultMaxConnections, Health, parseSoftFdLimit} from '../../../src/metadata/limits.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96367                96367                processes
Max open files            1024                 1048576              files
`

test('the soft fd limit is read from /proc/self/limits text; unlimited is Infinity; absent is undefined', () => {
  assert.equal(parseSoftFdLimit(LIMITS), 1024)
  assert.equal(parseSoftFdLimit(LIMITS.replace('1024   ', 'unlimited')), Infinity)
  assert.equal(parseSoftFdLimit('Limit Soft Hard\n'), undefined)
})

test('--max-connections defaults to the soft limit less 64, at least 16', () => {
  assert.equal(defaultMaxConnections(1024), 960)
  assert.equal(defaultMaxConnections(256), 192)
  assert.equal(defaultMaxConnections(40), 16)
  assert.equal(defaultMaxConnections(undefined), 960)
})

test('the gate refuses over the global and the per-client limit, counts why, and frees on release', () => {
  const gate = new ConnectionGate({maxConnections: 3, maxConnectionsPerClient: 2}, (ip) => ip === '10.0.0.9')
  assert.equal(gate.admit('10.0.0.1'), undefined)
  assert.equal(gate.admit('10.0.0.1'), undefined)
  assert.equal(gate.admit('10.0.0.1'), 'per-client')
  assert.equal(gate.admit('10.0.0.9'), undefined)
  assert.equal(gate.admit('10.0.0.2'), 'global')
  gate.release('10.0.0.1')
  assert.equal(gate.admit('10.0.0.2'), undefined)
  assert.deepEqual(gate.counts(), {open: 3, refused: {global: 1, 'per-client': 1}, sendTimeouts: 0})
})

test('a trusted proxy is not limited per client', () => {
  const gate = new ConnectionGate({maxConnections: 10, maxConnectionsPerClient: 1}, (ip) => ip === '10.0.0.9')
  for (let i = 0; i < 5; i++) assert.equal(gate.admit('10.0.0.9'), undefined)
})

test('health notes a part once when it degrades and once when it recovers after a quiet time', () => {
  let now = Date.parse('2026-12-04T16:30:00.000Z')
  const lines: string[] = []
  const h = new Health(
    (l) => lines.push(l),
    () => now,
  )
  const emfile = Object.assign(new Error('accept EMFILE'), {code: 'EMFILE'})
  h.degrade('accept', emfile)
  now += 1000
  h.degrade('accept', emfile)
  assert.deepEqual(h.list(), ['accept: EMFILE since 2026-12-04T16:30:00.000Z'])
  h.recover('accept', 5000) // failed 0 s ago: not yet
  assert.equal(h.isDegraded('accept'), true)
  now += 5000
  h.recover('accept', 5000)
  assert.deepEqual(h.list(), [])
  assert.equal(lines.length, 2)
  assert.match(lines[0]!, /^accept: EMFILE/)
  assert.match(lines[1]!, /^accept: recovered/)
})
