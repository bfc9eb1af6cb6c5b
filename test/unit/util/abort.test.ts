import assert from 'node:assert/strict'
import {test} from 'node:test'
import {orInterrupt} from '../../../src/util/abort.js'

const stop = (): Error => new Error('interrupted')

test('orInterrupt: the step value when nothing aborts, with or without a signal', async () => {
  assert.equal(await orInterrupt(() => Promise.resolve(7), undefined, stop), 7)
  assert.equal(await orInterrupt(() => Promise.resolve(8), new AbortController().signal, stop), 8)
})

test('orInterrupt: an abort mid-step throws at once; the abandoned step may still settle without an unhandled rejection', async () => {
  const ac = new AbortController()
  let fail: (e: Error) => void = () => undefined
  const running = orInterrupt(() => new Promise<number>((_resolve, reject) => (fail = reject)), ac.signal, stop)
  ac.abort()
  await assert.rejects(running, /interrupted/)
  fail(new Error('late'))
  await new Promise((r) => setImmediate(r))
})

test('orInterrupt: an already aborted signal never starts the step', async () => {
  const ac = new AbortController()
  ac.abort()
  let started = false
  await assert.rejects(
    orInterrupt(
      () => {
        started = true
        return Promise.resolve(1)
      },
      ac.signal,
      stop,
    ),
    /interrupted/,
  )
  assert.equal(started, false)
})
