import {test} from 'node:test'
import assert from 'node:assert/strict'
import {backoffDelay, degradedText, followStep, initialFollowState, type FollowState} from '../../../../src/metadata/store/follow-state.js'

const T0 = Date.parse('2026-12-04T10:00:00.000Z')

test('backoff starts at 250 ms, doubles, stops at 5 s, and is jittered into [half, whole]', () => {
  const whole = [1, 2, 3, 4, 5, 6, 7, 20, 1000].map((a) => backoffDelay(a, 0.9999999))
  assert.deepEqual(whole, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000])
  const half = [1, 2, 3, 6].map((a) => backoffDelay(a, 0))
  assert.deepEqual(half, [125, 250, 500, 2500])
  assert.equal(backoffDelay(0, 0.5), backoffDelay(1, 0.5), 'attempt 0 is treated as the first')
  assert.equal(backoffDelay(3, 0.5, {initialMs: 100, maxMs: 300}), 225)
})

test('connected → unreachable keeps the time of the first failure; since changes only with the state', () => {
  let s = initialFollowState(T0)
  s = followStep(s, {type: 'loaded', generation: 3, revision: '40'})
  assert.equal(degradedText(s), null)
  s = followStep(s, {type: 'unreachable', at: T0 + 1000})
  s = followStep(s, {type: 'unreachable', at: T0 + 2000})
  assert.equal(s.state, 'unreachable')
  assert.equal(s.since, T0 + 1000)
  assert.equal(degradedText(s), 'store unreachable since 2026-12-04T10:00:01.000Z')
  assert.equal(s.generation, 3, 'the generation served is kept')
  s = followStep(s, {type: 'connected', at: T0 + 5000})
  assert.deepEqual([s.state, s.since, degradedText(s)], ['connected', T0 + 5000, null])
  s = followStep(s, {type: 'connected', at: T0 + 9000})
  assert.equal(s.since, T0 + 5000, 'since changes only with the state')
})

test('nothing published: degraded "no inventory published yet"; unreachable wins', () => {
  let s: FollowState = followStep(initialFollowState(T0), {type: 'loaded', generation: null, revision: '7'})
  assert.equal(degradedText(s), 'no inventory published yet')
  s = followStep(s, {type: 'unreachable', at: T0})
  assert.match(degradedText(s)!, /^store unreachable since /)
})

test('the revision only moves forward (numerically, not as text); a load from etcd clears fromCache', () => {
  let s = followStep(initialFollowState(T0), {type: 'cached', generation: 2, revision: '99'})
  assert.equal(s.fromCache, true)
  s = followStep(s, {type: 'seen', revision: '100'})
  assert.equal(s.revision, '100')
  s = followStep(s, {type: 'seen', revision: '99'})
  assert.equal(s.revision, '100', '99 < 100 although "99" > "100" as text')
  s = followStep(s, {type: 'loaded', generation: 3, revision: '120'})
  assert.deepEqual([s.generation, s.revision, s.fromCache], [3, '120', false])
})
