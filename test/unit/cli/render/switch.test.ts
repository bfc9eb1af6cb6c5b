import assert from 'node:assert/strict'
import {test} from 'node:test'
import {summarizeDiagnosis, summarizeFixResult} from '../../../../src/cli/render/switch.js'
import type {FixLoopResult} from '../../../../src/switch/fix-loop.js'
import type {Diagnosis} from '../../../../src/switch/types.js'

const diag = (plan: string[]): Diagnosis =>
  ({interface: 'GigabitEthernet1/0/19', status: 'err-disabled', verdict: 'keepalive-loopback', plan}) as unknown as Diagnosis

test('summarizeDiagnosis: interface, status, verdict and how many lines fix-loop would send', () => {
  assert.equal(
    summarizeDiagnosis(diag(['interface Gi1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback'])),
    'GigabitEthernet1/0/19 err-disabled → keepalive-loopback (4 lines to send)',
  )
  assert.equal(summarizeDiagnosis(diag(['x'])), 'GigabitEthernet1/0/19 err-disabled → keepalive-loopback (1 line to send)')
  assert.equal(summarizeDiagnosis(diag([])), 'GigabitEthernet1/0/19 err-disabled → keepalive-loopback')
})

test('summarizeFixResult: the plan on a dry run, else what was applied or that nothing changed', () => {
  const r = (over: Partial<FixLoopResult>): FixLoopResult =>
    ({dryRun: false, changed: false, plan: [], applied: [], ...over}) as FixLoopResult
  assert.equal(summarizeFixResult(r({dryRun: true, plan: ['a', 'b']})), 'plan: 2 line(s)')
  assert.equal(summarizeFixResult(r({changed: true, applied: ['a', 'b', 'c']})), 'applied 3 line(s)')
  assert.equal(summarizeFixResult(r({})), 'nothing to change')
})
