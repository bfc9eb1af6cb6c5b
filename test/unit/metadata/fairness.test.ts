import {test} from 'node:test'
import assert from 'node:assert/strict'
import {FairScheduler, type FairHooks} from '../../../src/metadata/fairness.js'

/** A fake connection: what the scheduler did to it. */
interface Conn {
  name: string
  held: boolean
  blocked: boolean
  stalled: number
}

/** A scheduler over fake connections whose turns run when `turn()` is called; `answered` lists the jobs run, in order. */
function harness(limits = {perTurn: 2, perClientTurn: 3, turnMs: 1000}) {
  const answered: string[] = []
  let pending: Array<() => void> = []
  let now = 0
  const hooks: FairHooks<Conn, string> = {
    run: (job) => {
      answered.push(job)
      now += 1
    },
    hold: (c) => (c.held = true),
    release: (c) => (c.held = false),
    blocked: (c) => c.blocked,
    stalled: (c) => c.stalled++,
    later: (f) => pending.push(f),
    now: () => now,
  }
  const fair = new FairScheduler(hooks, limits)
  const conn = (name: string, client: string): Conn => {
    const c = {name, held: false, blocked: false, stalled: 0}
    fair.open(c, client)
    return c
  }
  const turn = () => {
    const run = pending
    pending = []
    for (const f of run) f()
  }
  return {fair, conn, turn, answered, scheduled: () => pending.length}
}

test('a connection answers perTurn requests at once, then is held and its requests wait in order', () => {
  const h = harness()
  const a = h.conn('a', '10.0.0.1')
  for (const j of ['a1', 'a2', 'a3', 'a4']) h.fair.submit(a, j)
  assert.deepEqual(h.answered, ['a1', 'a2'])
  assert.equal(a.held, true)
  assert.deepEqual(h.fair.counts(), {held: 1, queued: 2})
  h.turn()
  assert.deepEqual(h.answered, ['a1', 'a2', 'a3', 'a4'])
  assert.equal(a.held, false, 'read again once its queue is empty')
  assert.deepEqual(h.fair.counts(), {held: 0, queued: 0})
  assert.equal(h.fair.requests(a), 4)
})

test('the count starts again each turn: a connection that asks one at a time is never held', () => {
  const h = harness()
  const a = h.conn('a', '10.0.0.1')
  for (let i = 0; i < 10; i++) {
    h.fair.submit(a, `a${i}`)
    h.turn()
  }
  assert.equal(h.answered.length, 10)
  assert.equal(a.held, false)
})

test('held clients are served round-robin by address, however many connections each opened', () => {
  const h = harness({perTurn: 1, perClientTurn: 2, turnMs: 0}) // one round per turn
  const flood = [h.conn('f1', '10.0.0.1'), h.conn('f2', '10.0.0.1'), h.conn('f3', '10.0.0.1')]
  const vm = h.conn('v', '10.0.0.2')
  for (const c of flood) for (let i = 0; i < 4; i++) h.fair.submit(c, `${c.name}.${i}`)
  for (let i = 0; i < 4; i++) h.fair.submit(vm, `v.${i}`)
  h.answered.length = 0
  h.turn()
  // one round: the flood's address gets 2 (from its oldest connection first), the VM's 2
  assert.deepEqual(h.answered, ['f1.1', 'f1.2', 'v.1', 'v.2'])
  h.answered.length = 0
  h.turn()
  assert.deepEqual(h.answered, ['f1.3', 'f2.1', 'v.3'])
  assert.equal(h.fair.held(flood[0]!), false, 'f1 emptied: read again')
  assert.equal(h.fair.held(vm), false)
})

test('a blocked connection is skipped (stalled is told) until it is woken; others are served meanwhile', () => {
  const h = harness({perTurn: 1, perClientTurn: 10, turnMs: 1000})
  const a = h.conn('a', '10.0.0.1')
  const b = h.conn('b', '10.0.0.2')
  for (let i = 0; i < 3; i++) h.fair.submit(a, `a${i}`)
  for (let i = 0; i < 3; i++) h.fair.submit(b, `b${i}`)
  a.blocked = true
  h.turn()
  assert.deepEqual(h.answered, ['a0', 'b0', 'b1', 'b2'])
  assert.ok(a.stalled > 0)
  assert.equal(h.scheduled(), 0, 'nothing to do until a drains: no spinning')
  a.blocked = false
  h.fair.wake(a)
  h.turn()
  assert.deepEqual(h.answered, ['a0', 'b0', 'b1', 'b2', 'a1', 'a2'])
})

test('a closed connection drops what it held; nothing of it runs later', () => {
  const h = harness()
  const a = h.conn('a', '10.0.0.1')
  for (let i = 0; i < 6; i++) h.fair.submit(a, `a${i}`)
  assert.deepEqual(h.fair.counts(), {held: 1, queued: 4})
  h.fair.close(a)
  assert.deepEqual(h.fair.counts(), {held: 0, queued: 0})
  h.turn()
  assert.deepEqual(h.answered, ['a0', 'a1'])
  assert.equal(h.fair.held(a), false)
})

test('a turn serves rounds until turnMs went by, then goes on in the next turn', () => {
  const h = harness({perTurn: 1, perClientTurn: 2, turnMs: 5}) // each answer takes 1 ms here
  const a = h.conn('a', '10.0.0.1')
  for (let i = 0; i < 20; i++) h.fair.submit(a, `a${i}`)
  h.turn()
  assert.equal(h.answered.length, 1 + 6, 'three rounds of 2 (the third crosses 5 ms)')
  assert.equal(h.scheduled(), 1)
  while (h.scheduled() > 0) h.turn()
  assert.equal(h.answered.length, 20)
  assert.deepEqual(
    h.answered,
    Array.from({length: 20}, (_, i) => `a${i}`),
  )
})

test('a connection not opened here is answered at once', () => {
  const h = harness()
  const stray = {name: 's', held: false, blocked: false, stalled: 0}
  for (let i = 0; i < 5; i++) h.fair.submit(stray, `s${i}`)
  assert.equal(h.answered.length, 5)
})

test('with nothing held, a turn asks for no further turn (an idle server does not spin)', () => {
  const h = harness()
  const a = h.conn('a', '10.0.0.1')
  h.fair.submit(a, 'a1')
  assert.equal(h.scheduled(), 1, 'a turn to restart the counts')
  h.turn()
  assert.equal(h.scheduled(), 0, 'nothing held: no further turn')
  for (const j of ['a2', 'a3', 'a4']) h.fair.submit(a, j)
  h.turn()
  assert.deepEqual(h.answered, ['a1', 'a2', 'a3', 'a4'])
  assert.equal(h.scheduled(), 0, 'the held queue was emptied: no further turn')
})

test('work-conserving: a lone held client is served far beyond its round share within one turn', () => {
  const h = harness({perTurn: 2, perClientTurn: 3, turnMs: 1000})
  const a = h.conn('a', '10.0.0.1')
  for (let i = 0; i < 100; i++) h.fair.submit(a, `a${i}`)
  assert.equal(h.answered.length, 2)
  h.turn()
  assert.equal(h.answered.length, 100, 'rounds go on while it is the only one waiting')
  assert.equal(a.held, false)
})
