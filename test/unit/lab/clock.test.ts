import assert from 'node:assert/strict'
import {test} from 'node:test'
import {FakeClock, systemClock} from '../../../src/lab/clock.js'

test('FakeClock fires due timers in time order, including timers set by timers, and only when advanced', () => {
  const c = new FakeClock(0)
  const seen: string[] = []
  c.setTimer(300, () => seen.push(`b@${c.now()}`))
  c.setTimer(100, () => {
    seen.push(`a@${c.now()}`)
    c.setTimer(50, () => seen.push(`a2@${c.now()}`))
  })
  const cancelled = c.setTimer(120, () => seen.push('never'))
  cancelled.cancel()
  assert.deepEqual(seen, [])
  c.advance(200)
  assert.deepEqual(seen, ['a@100', 'a2@150'])
  assert.equal(c.now(), 200)
  assert.equal(c.pending, 1)
  c.advance(100)
  assert.deepEqual(seen, ['a@100', 'a2@150', 'b@300'])
  assert.equal(c.pending, 0)
})

test('systemClock timers fire and can be cancelled', async () => {
  let fired = 0
  systemClock.setTimer(1, () => fired++)
  systemClock.setTimer(1, () => fired++).cancel()
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(fired, 1)
})
