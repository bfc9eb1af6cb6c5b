import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {checkJournalEntry} from '../../../../src/metadata/progress/journal-entry.js'
import {rejectedJournalNote} from '../../../../src/metadata/lifecycle.js'
import {ProgressTracker} from '../../../../src/metadata/progress/tracker.js'
import {tempDir} from '../../../helpers/metadata.js'

const GOOD_REC = {rec: {id: 'a', steps: {firstRequest: 1, done: 5}, lastStep: 'done', lastStepAt: 5, requests: 3, events: 0}}

describe('journal entries are checked on load', () => {
  const refused: Array<[string, unknown, RegExp]> = [
    ['{"rec":null}', {rec: null}, /^rec: expected an object/],
    ['a record without an id', {rec: {steps: {}, lastStep: 'x', lastStepAt: 1}}, /^rec\.id/],
    ['steps as a string', {rec: {id: 'a', steps: 'x', lastStep: 'x', lastStepAt: 1}}, /^rec\.steps: expected an object/],
    ['a step time as a string', {rec: {id: 'a', steps: {done: '5'}, lastStep: 'x', lastStepAt: 1}}, /^rec\.steps\.done/],
    ['an unknown step', {rec: {id: 'a', steps: {__proto__x: 1}, lastStep: 'x', lastStepAt: 1}}, /not a step/],
    ['lastStepAt missing', {rec: {id: 'a', steps: {}, lastStep: 'x'}}, /^rec\.lastStepAt/],
    ['failedAt as a string', {rec: {id: 'a', steps: {}, lastStep: 'x', lastStepAt: 1, failedAt: 'no'}}, /^rec\.failedAt/],
    ['null', null, /expected a JSON object/],
    ['an array', [1, 2], /expected a JSON object/],
    ['a number', 5, /expected a JSON object/],
    ['a step entry with t as a string', {t: '1', id: 'a', step: 'done'}, /^t:/],
    ['a step entry with an id as a number', {t: 1, id: 7, step: 'done'}, /^id:/],
    ['an unknown step name', {t: 1, id: 'a', step: 'rebooted'}, /^step:/],
    ['an event without a type', {t: 1, id: 'a', event: 'x'}, /^type:/],
    ['an event with a numeric result', {t: 1, id: 'a', event: 'x', type: 'finish', result: 1}, /^result:/],
    ['none of rec, step, event, password', {t: 1, id: 'a'}, /not a progress entry/],
    ['a password entry with another word', {t: 1, id: 'a', password: 'hunter2'}, /^password: expected saved or rearmed/],
  ]
  for (const [name, v, reason] of refused)
    test(`refused: ${name}`, () => {
      const c = checkJournalEntry(v)
      assert.equal(c.ok, false)
      if (!c.ok) assert.match(c.reason, reason)
    })

  test('accepted: a record, a step, an event, a password acknowledgement (only the known fields are kept)', () => {
    assert.deepEqual(checkJournalEntry({t: 1, id: 'a', password: 'saved'}), {ok: true, entry: {t: 1, id: 'a', password: 'saved'}})
    assert.deepEqual(checkJournalEntry(GOOD_REC), {
      ok: true,
      entry: {rec: {id: 'a', steps: {firstRequest: 1, done: 5}, lastStep: 'done', lastStepAt: 5}},
    })
    assert.deepEqual(checkJournalEntry({t: 1, id: 'a', step: 'done', extra: 1}), {ok: true, entry: {t: 1, id: 'a', step: 'done'}})
    assert.deepEqual(checkJournalEntry({t: 1, id: 'a', event: 'e', type: 'finish', result: 'FAIL'}), {
      ok: true,
      entry: {t: 1, id: 'a', event: 'e', type: 'finish', result: 'FAIL'},
    })
  })
})

describe('a damaged journal is repaired, not fatal', () => {
  test('every kind of bad line is moved to progress.jsonl.rejected with its line number; the rest is restored; no crash on a later request', () => {
    const t = tempDir()
    try {
      const lines = [
        JSON.stringify(GOOD_REC), // 1
        '{"rec":null}', // 2
        JSON.stringify({rec: {id: 'b', steps: 'x', lastStep: 'x', lastStepAt: 1}}), // 3: wrong-typed field (crashed on b's first GET)
        'garbage \u0000 not json', // 4
        JSON.stringify({t: 2, id: 'c', step: 'metaData'}), // 5
        JSON.stringify({t: 'soon', id: 'c', step: 'done'}), // 6
        '{"t":3,"id":"c","st', // 7: torn tail
      ]
      writeFileSync(join(t.dir, 'progress.jsonl'), lines.join('\n'))
      const p = new ProgressTracker({dataDir: t.dir})
      assert.equal(p.stateOf('a'), 'done')
      assert.equal(p.stateOf('c'), 'booting')
      assert.equal(p.stateOf('b'), 'waiting')
      assert.deepEqual(p.recovered.rejectedLines, [2, 3, 4, 6, 7])
      assert.equal(p.recovered.skippedLines, 5)
      assert.equal(p.recovered.rejectedFile, join(t.dir, 'progress.jsonl.rejected'))
      // the VM whose record was malformed asks: no crash
      p.observe('b', '/latest/meta-data/', 200)
      p.observe('c', '/latest/user-data', 200)
      assert.equal(p.stateOf('b'), 'booting')
      p.close()
      const rejected = readFileSync(join(t.dir, 'progress.jsonl.rejected'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as {line: number; reason: string; text: string; file: string})
      assert.deepEqual(
        rejected.map((r) => r.line),
        [2, 3, 4, 6, 7],
      )
      assert.equal(rejected[0]!.text, '{"rec":null}')
      assert.equal(rejected[0]!.file, 'progress.jsonl')
      assert.match(rejected[4]!.reason, /torn/)
      assert.match(rejected[2]!.reason, /not JSON/)
      // the journal itself is clean now: a second open rejects nothing, and the rejected file is kept (appended, never rewritten)
      const again = new ProgressTracker({dataDir: t.dir})
      assert.deepEqual(again.recovered.rejectedLines, [])
      assert.equal(again.stateOf('a'), 'done')
      again.close()
      assert.equal(readFileSync(join(t.dir, 'progress.jsonl.rejected'), 'utf8').trim().split('\n').length, 5)
    } finally {
      t.cleanup()
    }
  })

  test('the startup note says how many, which lines and where they went', () => {
    assert.equal(
      rejectedJournalNote([2], '/d/progress.jsonl.rejected'),
      'progress: 1 damaged journal line (line 2) moved to /d/progress.jsonl.rejected; the rest was restored',
    )
    const many = Array.from({length: 25}, (_, i) => i + 1)
    assert.match(rejectedJournalNote(many, 'f'), /^progress: 25 damaged journal lines \(lines 1, 2, .*, 20 and 5 more\) moved to f;/)
  })
})
