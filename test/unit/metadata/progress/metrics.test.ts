import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Metrics} from '../../../../src/metadata/admin/metrics.js'
import {isLoopbackHost} from '../../../../src/metadata/admin/server.js'

test('metrics render as Prometheus text: counters by flavour/status, cumulative histogram, gauges, reloads', () => {
  const m = new Metrics()
  m.observe('ec2', 200, 0.0004)
  m.observe('ec2', 200, 0.003)
  m.observe('none', 404, 2)
  m.observe('callback', 200, 0.004)
  m.reload(true)
  m.reload(false)
  const text = m.render({
    vmsByState: {waiting: 1, booting: 0, done: 2, failed: 0},
    instances: 3,
    unknownRequesters: 1,
    unknownRequests: 1,
    callbacks: {'phone-home|forged': 1},
    forgedCallbacks: 1,
  })
  assert.match(text, /^netops_metadata_requests_total\{flavor="ec2",status="200"\} 2$/m)
  assert.match(text, /^netops_metadata_requests_total\{flavor="none",status="404"\} 1$/m)
  assert.match(text, /^netops_metadata_request_duration_seconds_bucket\{le="0.0005"\} 1$/m)
  assert.match(text, /^netops_metadata_request_duration_seconds_bucket\{le="0.005"\} 3$/m)
  assert.match(text, /^netops_metadata_request_duration_seconds_bucket\{le="1"\} 3$/m)
  assert.match(text, /^netops_metadata_request_duration_seconds_bucket\{le="\+Inf"\} 4$/m)
  assert.match(text, /^netops_metadata_request_duration_seconds_count 4$/m)
  // the callbacks alone (their 200 waits for the journal's fdatasync)
  assert.match(text, /^netops_metadata_callback_duration_seconds_bucket\{le="0.0025"\} 0$/m)
  assert.match(text, /^netops_metadata_callback_duration_seconds_bucket\{le="0.005"\} 1$/m)
  assert.match(text, /^netops_metadata_callback_duration_seconds_count 1$/m)
  assert.match(text, /^netops_metadata_vms\{state="done"\} 2$/m)
  assert.match(text, /^netops_metadata_reloads_total\{result="failed"\} 1$/m)
  assert.match(text, /^netops_metadata_callbacks_total\{kind="phone-home",result="forged"\} 1$/m)
  // every sample line belongs to a declared metric family
  const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]))
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    const name = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, '')
    assert.ok(declared.has(name) || declared.has(line.split(/[{ ]/)[0]), `declared: ${line}`)
  }
})

test('only loopback addresses count as loopback for the admin listener', () => {
  for (const h of ['127.0.0.1', '127.8.9.1', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '169.254.169.254', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h)
})

test('the journal fsync counter is rendered when there is a journal, and only then', () => {
  const gauges = {vmsByState: {}, instances: 0, unknownRequesters: 0, unknownRequests: 0, callbacks: {}, forgedCallbacks: 0}
  const m = new Metrics()
  assert.match(
    m.render({...gauges, journalSyncs: 7}),
    /^# TYPE netops_metadata_journal_fsyncs_total counter\nnetops_metadata_journal_fsyncs_total 7$/m,
  )
  assert.doesNotMatch(m.render(gauges), /journal_fsyncs/)
})
