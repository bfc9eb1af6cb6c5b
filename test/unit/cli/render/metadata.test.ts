import {test} from 'node:test'
import assert from 'node:assert/strict'
import {printable, renderStatus, renderStatusChanges, renderStatusFrame, renderWatchSummary} from '../../../../src/cli/render/metadata.js'
import type {FleetStatusView, StatusView} from '../../../../src/metadata/admin/client.js'

const view = (over: Partial<StatusView> = {}): StatusView => ({
  admin: 'http://127.0.0.1:8808',
  generatedAt: '2026-01-01T00:00:00.000Z',
  total: 2,
  provisioned: 0,
  summary: {waiting: 2, booting: 0, done: 0, failed: 0},
  instances: [],
  neverAsked: [],
  unknown: [],
  forgedCallbacks: 0,
  ...over,
})

test('a --watch frame is the status page drawn from the top of a cleared terminal', () => {
  const v = view()
  assert.equal(renderStatusFrame(v), '\x1b[H\x1b[2J' + renderStatus(v) + '\n')
})

test('without a terminal, --watch prints one line per change and a closing summary', () => {
  const before = view()
  const after = view({
    unknown: [{ip: '10.9.9.9', requests: 1, firstSeen: 'a', lastSeen: '2026-01-01T00:00:01.000Z'}] as StatusView['unknown'],
  })
  assert.equal(renderStatusChanges(before, before), '')
  assert.equal(renderStatusChanges(before, after), '2026-01-01T00:00:01.000Z unknown requester 10.9.9.9 (1 request)\n')
  assert.equal(renderWatchSummary(view({provisioned: 1, summary: {...before.summary, failed: 1}})), '1/2 provisioned, 1 failed\n')
  assert.equal(renderWatchSummary(view({provisioned: 2})), '2/2 provisioned\n')
})

test('status --store: a line with the generation and the live replicas, a REPLICA column, watch lines name the replicas', () => {
  const vm = {
    id: 'vm-1',
    ip: '10.0.0.1',
    hostname: 'vm-1',
    state: 'done' as const,
    lastStep: 'phone-home',
    lastStepAt: '2026-01-01T00:00:00.000Z',
    firstRequestAt: '2026-01-01T00:00:00.000Z',
    steps: {},
    durationMs: 1200,
    requests: 5,
    events: 0,
    replicas: ['a', 'b'],
  }
  const {admin: _admin, ...rest} = view({provisioned: 1, summary: {waiting: 1, booting: 0, done: 1, failed: 0}})
  const fleet: FleetStatusView = {
    ...rest,
    store: 'etcd://127.0.0.1:2379',
    prefix: '/netops/metadata/',
    generation: 4,
    instances: [vm],
    replicas: [{name: 'a', hostname: 'h1', listen: '10.1.0.1:80', generation: 4, startedAt: '2026-01-01T00:00:00.000Z'}],
  }
  const text = renderStatus(fleet)
  assert.match(text, /^generation 4 in etcd:\/\/127\.0\.0\.1:2379; 1 live replica: a \(10\.1\.0\.1:80\)$/m)
  assert.match(text, /^VM +ADDRESS +STATE +LAST STEP +WHEN +HOW LONG +REPLICA$/m)
  assert.match(text, /^vm-1 +10\.0\.0\.1 +done +phone-home .* 1\.2s +a,b$/m)
  assert.equal(renderStatusChanges(undefined, fleet), '2026-01-01T00:00:00.000Z vm-1 10.0.0.1 done phone-home (1/2 provisioned) on a,b\n')
  assert.doesNotMatch(renderStatus(view()), /REPLICA|generation/)
})

test('whatever a status view holds, the status page and --watch lines show non-printable characters escaped, never raw', () => {
  const instances = [
    {
      id: 'waf-01',
      ip: '10.0.0.1',
      state: 'booting',
      lastStep: '\x1b[2J\x1b]0;t\x07ALL VMS DONE\u202e',
      lastStepAt: '2026-01-01T00:00:00.000Z',
      durationMs: 5,
      steps: {},
    },
  ] as unknown as StatusView['instances']
  const v = view({instances, summary: {waiting: 1, booting: 1, done: 0, failed: 0}})
  for (const out of [renderStatus(v), renderStatusChanges(undefined, v)]) {
    assert.doesNotMatch(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/)
    assert.ok(out.includes('\\x1b[2J\\x1b]0;t\\x07ALL VMS DONE\\u202e'), out)
  }
  assert.equal(printable('plain réseau'), 'plain réseau')
})
