import {test} from 'node:test'
import assert from 'node:assert/strict'
import {renderStatus, renderStatusChanges, renderStatusFrame, renderWatchSummary} from '../../../../src/cli/render/metadata.js'
import type {StatusView} from '../../../../src/metadata/admin/client.js'

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
