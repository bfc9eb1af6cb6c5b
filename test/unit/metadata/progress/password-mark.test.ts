import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {checkPasswordMark, mergePasswordMarks} from '../../../../src/metadata/progress/password-mark.js'
import type {ProgressSink} from '../../../../src/metadata/progress/sink.js'
import {ProgressTracker, type ProgressRecord} from '../../../../src/metadata/progress/tracker.js'

describe('CloudStack password marks', () => {
  test('checked as stored: an object with state saved|rearmed and a time', () => {
    assert.deepEqual(checkPasswordMark({state: 'saved', at: 5}), {ok: true, mark: {state: 'saved', at: 5}})
    assert.deepEqual(checkPasswordMark({state: 'rearmed', at: 0, extra: 1}), {ok: true, mark: {state: 'rearmed', at: 0}})
    for (const [v, reason] of [
      [null, /^password: expected an object/],
      [['saved'], /^password: expected an object/],
      [{state: 'saved'}, /^password\.at: /],
      [{state: 'saved', at: -1}, /^password\.at: /],
      [{state: 'saved', at: Infinity}, /^password\.at: /],
      [{state: 'given', at: 1}, /^password\.state: /],
    ] as Array<[unknown, RegExp]>) {
      const c = checkPasswordMark(v)
      assert.equal(c.ok, false, JSON.stringify(v))
      if (!c.ok) assert.match(c.reason, reason)
    }
  })

  test('merged over writers: the latest wins; saved on a tie; none without marks', () => {
    assert.equal(mergePasswordMarks([]), undefined)
    assert.equal(mergePasswordMarks([undefined]), undefined)
    assert.deepEqual(
      mergePasswordMarks([
        {state: 'saved', at: 1},
        {state: 'rearmed', at: 2},
      ]),
      {state: 'rearmed', at: 2},
    )
    assert.deepEqual(mergePasswordMarks([{state: 'rearmed', at: 2}, undefined, {state: 'saved', at: 3}]), {state: 'saved', at: 3})
    assert.deepEqual(
      mergePasswordMarks([
        {state: 'rearmed', at: 2},
        {state: 'saved', at: 2},
      ]),
      {state: 'saved', at: 2},
    )
    assert.deepEqual(
      mergePasswordMarks([
        {state: 'saved', at: 2},
        {state: 'rearmed', at: 2},
      ]),
      {state: 'saved', at: 2},
    )
  })
})

/** A sink holding the appended records as written, with other replicas' marks to read through. */
function storeSink(restored: ProgressRecord[], others: Map<string, Array<{state: 'saved' | 'rearmed'; at: number}>>) {
  const written: ProgressRecord[] = []
  let down = false
  const sink: ProgressSink & {written: ProgressRecord[]; down(v: boolean): void} = {
    restored,
    written,
    append: (r) => written.push(structuredClone(r)),
    commit: () => (down ? Promise.reject(new Error('etcd down')) : Promise.resolve()),
    close: () => Promise.resolve(),
    passwordMarks: (id) => (down ? Promise.reject(new Error('etcd down')) : Promise.resolve(others.get(id) ?? [])),
    down: (v) => (down = v),
  }
  return sink
}

describe('a ProgressTracker with a sink: password acknowledgements as marks on its records', () => {
  test('save marks the record and commits; restored marks are known; lookup merges the other replicas’ marks with its own', async () => {
    let now = 100
    const others = new Map([['b', [{state: 'saved' as const, at: 50}]]])
    const restored: ProgressRecord[] = [
      {id: 'r', steps: {}, lastStep: 'first-request', lastStepAt: 1, requests: 0, events: 0, password: {state: 'saved', at: 1}},
    ]
    const sink = storeSink(restored, others)
    const p = new ProgressTracker({sink, clock: () => now})
    const acks = p.passwords
    assert.deepEqual(acks.list(), ['r'], 'restored')
    await acks.save('a')
    assert.deepEqual(
      sink.written.map((r) => [r.id, r.password]),
      [['a', {state: 'saved', at: 100}]],
    )
    await acks.save('a') // acknowledged again: nothing more to write
    assert.equal(sink.written.length, 1)
    assert.equal(await acks.lookup!('a'), true)
    assert.equal(await acks.lookup!('b'), true, 'taken by another replica')
    assert.ok(acks.saved('b'), 'and known here from now on')
    assert.equal(await acks.lookup!('c'), false)
    // a rearm here, later than b's mark elsewhere: handed out again
    now = 200
    assert.ok(acks.rearm('b'))
    assert.deepEqual(sink.written.at(-1)?.password, {state: 'rearmed', at: 200})
    assert.equal(await acks.lookup!('b'), false)
    // a later save elsewhere wins over the rearm here
    others.set('b', [{state: 'saved', at: 300}])
    assert.equal(await acks.lookup!('b'), true)
    // the store cannot be read: lookup and save reject
    sink.down(true)
    await assert.rejects(acks.lookup!('c'), /etcd down/)
    await assert.rejects(acks.save('c'), /etcd down/)
  })

  test('without a sink that reads marks (file mode, memory) there is no lookup', () => {
    assert.ok(!('lookup' in new ProgressTracker().passwords))
  })
})
