import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {describe, test} from 'node:test'
import {trapInterrupts} from '../../../src/cli/interrupt.js'
import {interruptedSummary} from '../../../src/switch/fix-loop.js'

describe('trapInterrupts', () => {
  test('the first SIGINT or SIGTERM aborts the signal, the second calls `second`; dispose stops listening', () => {
    const source = new EventEmitter()
    const calls: string[] = []
    const trap = trapInterrupts({first: (s) => calls.push(`first ${s}`), second: (s) => calls.push(`second ${s}`)}, source)
    assert.equal(trap.signal.aborted, false)
    source.emit('SIGTERM')
    assert.equal(trap.signal.aborted, true)
    assert.equal(trap.signal.reason, 'SIGTERM')
    source.emit('SIGINT')
    assert.deepEqual(calls, ['first SIGTERM', 'second SIGINT'])
    trap.dispose()
    assert.equal(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM'), 0)
  })
})

describe('interruptedSummary', () => {
  const state = {
    host: 'sw1',
    interface: 'GigabitEthernet1/0/19',
    plan: ['interface Gi1/0/19', 'no keepalive', 'exit'],
    applied: [],
    saved: false,
  }
  test('names what was applied of the plan, on which switch, and whether it was saved', () => {
    assert.equal(
      interruptedSummary({...state, applied: ['interface Gi1/0/19', 'no keepalive']}),
      'interrupted: applied 2 of 3 lines on sw1 (interface Gi1/0/19; no keepalive); not saved',
    )
    assert.equal(interruptedSummary(state, 'sw1:2222'), 'interrupted: nothing applied on sw1:2222; not saved')
  })
})
