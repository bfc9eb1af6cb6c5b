import {test} from 'node:test'
import assert from 'node:assert/strict'
import {runMany} from '../../../src/util/run-many.js'
import {OvsDbUnreachableError, UnexpectedError} from '../../../src/errors.js'

test('runMany keeps input order, never exceeds the concurrency limit, and collects every outcome', async () => {
  let inFlight = 0
  let peak = 0
  const results = await runMany(['a', 'b', 'c', 'd', 'e'], 2, async (t, i) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    await new Promise((r) => setTimeout(r, 20 - i * 3))
    inFlight--
    if (t === 'c') throw new OvsDbUnreachableError('no db on c')
    if (t === 'd') throw new Error('plain')
    return t.toUpperCase()
  })
  assert.equal(peak, 2)
  assert.deepEqual(
    results.map((r) => r.target),
    ['a', 'b', 'c', 'd', 'e'],
  )
  assert.deepEqual(
    results.map((r) => r.ok),
    [true, true, false, false, true],
  )
  const c = results[2]
  assert.ok(c && !c.ok && c.error instanceof OvsDbUnreachableError)
  const d = results[3]
  assert.ok(d && !d.ok && d.error instanceof UnexpectedError)
  const e = results[4]
  assert.ok(e?.ok && e.value === 'E')
})

test('runMany with no targets resolves to an empty list', async () => {
  assert.deepEqual(await runMany([], 5, () => Promise.resolve(1)), [])
})
