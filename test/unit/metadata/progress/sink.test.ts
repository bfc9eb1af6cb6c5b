import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {commitWithin, durableCallback, type CallbackResult} from '../../../../src/metadata/progress/callbacks.js'
import type {ProgressSink} from '../../../../src/metadata/progress/sink.js'
import {ProgressTracker, type ProgressRecord} from '../../../../src/metadata/progress/tracker.js'
import {tempDir} from '../../../helpers/metadata.js'

/** A sink that keeps what it was given, committing on demand. */
function memorySink(restored: ProgressRecord[] = []) {
  const appended: string[] = []
  let commits = 0
  let failNext = false
  const sink: ProgressSink & {appended: string[]; commits(): number; failNext(): void} = {
    restored,
    appended,
    append: (r) => appended.push(`${r.id}:${r.lastStep}`),
    commit: () => {
      commits++
      if (failNext) {
        failNext = false
        return Promise.reject(new Error('etcd down'))
      }
      return Promise.resolve()
    },
    close: () => Promise.resolve(),
    commits: () => commits,
    failNext: () => (failNext = true),
  }
  return sink
}

describe('a ProgressTracker with a sink (store mode)', () => {
  test('each new step and each event is appended; repeated requests are not; commit() is the sink’s', async () => {
    const sink = memorySink()
    const p = new ProgressTracker({sink})
    p.observe('a', '/nocloud/meta-data', 200)
    p.observe('a', '/nocloud/meta-data', 200)
    p.observe('a', '/nocloud/user-data', 200)
    p.report('a', {name: 'init-local', event_type: 'start'})
    p.phoneHome('a')
    assert.deepEqual(sink.appended, ['a:first-request', 'a:meta-data', 'a:user-data', 'a:init-local start', 'a:done'])
    await p.commit()
    assert.equal(sink.commits(), 1)
    sink.failNext()
    await assert.rejects(p.commit(), /etcd down/)
  })

  test('starts from the records the sink restored; uses no data dir', () => {
    const t = tempDir()
    try {
      const restored: ProgressRecord[] = [
        {id: 'a', steps: {firstRequest: 1, metaData: 2}, lastStep: 'meta-data', lastStepAt: 2, requests: 3, events: 0},
      ]
      const p = new ProgressTracker({sink: memorySink(restored), dataDir: t.dir})
      assert.equal(p.stateOf('a'), 'booting')
      assert.equal(p.get('a')?.steps.metaData, 2)
      assert.equal(p.recovered.records, 1)
      p.observe('a', '/nocloud/user-data', 200)
      assert.equal(restored[0]!.steps.userData, undefined, 'the restored records are copied')
      p.close()
      assert.deepEqual(existsSync(t.dir) ? readdirSync(t.dir) : [], [])
    } finally {
      t.cleanup()
    }
  })

  test('journal mode: commit() writes the journal before it resolves (as flush() did)', async () => {
    const t = tempDir()
    try {
      const p = new ProgressTracker({dataDir: t.dir})
      p.phoneHome('a')
      await p.commit()
      assert.match(readFileSync(join(t.dir, 'progress.jsonl'), 'utf8'), /"id":"a","step":"done"/)
      p.close()
    } finally {
      t.cleanup()
    }
  })
})

describe('a callback answered once its progress is durable', () => {
  const ok: CallbackResult = {status: 200, kind: 'phone-home', instance: 'a'}

  test('200 stays 200 when the commit succeeds', async () => {
    const failures: string[] = []
    assert.deepEqual(
      await durableCallback(
        ok,
        () => Promise.resolve(),
        (w) => failures.push(w),
      ),
      ok,
    )
    assert.deepEqual(failures, [])
  })

  test('a failed commit turns 200 into 503 (counted as error); other answers stay', async () => {
    const failures: string[] = []
    const r = await durableCallback(
      ok,
      () => Promise.reject(new Error('x')),
      (w) => failures.push(w),
    )
    assert.equal(r.status, 503)
    assert.equal(r.instance, 'a')
    assert.deepEqual(failures, ['error'])
    const forged: CallbackResult = {status: 403, kind: 'phone-home', reason: 'forged'}
    assert.deepEqual(
      await durableCallback(
        forged,
        () => Promise.reject(new Error('x')),
        (w) => failures.push(w),
      ),
      forged,
    )
  })

  test('a commit that takes longer than the timeout is a 503 at the timeout (counted as timeout), not a hang', async () => {
    const failures: string[] = []
    const t = Date.now()
    const r = await durableCallback(
      ok,
      () => new Promise<void>(() => undefined),
      (w) => failures.push(w),
      100,
    )
    assert.equal(r.status, 503)
    assert.match(r.reason ?? '', /not durable within 100 ms/)
    assert.ok(Date.now() - t < 1000)
    assert.deepEqual(failures, ['timeout'])
    assert.equal(await commitWithin(() => Promise.resolve(), 10), 'ok')
  })
})
