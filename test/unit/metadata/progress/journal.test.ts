import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Journal} from '../../../../src/metadata/progress/journal.js'
import {tempDir} from '../../../helpers/metadata.js'

/** A datasync that only finishes when the test says so, and records what was on disk when it was called. */
function heldSync() {
  const calls: Array<{done: (err: NodeJS.ErrnoException | null) => void; written: string}> = []
  return {
    calls,
    fn: (path: string) => (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
      void fd
      calls.push({done, written: readFileSync(path, 'utf8')})
    },
  }
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms))

describe('journal group commit', () => {
  test('sync() resolves only after the fdatasync of the written lines; a burst of syncs shares one fdatasync', async () => {
    const t = tempDir()
    try {
      const held = heldSync()
      const j = new Journal<{n: number}>({dir: t.dir, datasync: held.fn(join(t.dir, 'progress.jsonl'))})
      j.compact([])
      const resolved: number[] = []
      const all = Array.from({length: 50}, (_, n) => {
        j.append({n})
        return j.sync().then(() => resolved.push(n))
      })
      await tick()
      assert.equal(held.calls.length, 1, 'one fdatasync for the burst')
      assert.equal(held.calls[0]!.written.trim().split('\n').length, 50, 'every line written before the fdatasync')
      assert.deepEqual(resolved, [], 'nothing acknowledged before the fdatasync finished')
      held.calls[0]!.done(null)
      await Promise.all(all)
      assert.equal(resolved.length, 50)
      assert.equal(j.syncs, 1)
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('the fdatasync starts at the end of the event-loop turn of the sync(), not a timer later', async () => {
    const t = tempDir()
    try {
      const held = heldSync()
      const j = new Journal<{n: number}>({dir: t.dir, datasync: held.fn(join(t.dir, 'progress.jsonl'))})
      j.compact([])
      j.append({n: 1})
      const done = j.sync()
      let timerFired = false
      setTimeout(() => (timerFired = true), 0)
      await new Promise((r) => setImmediate(r))
      assert.equal(held.calls.length, 1, 'the fdatasync of this turn has started')
      assert.equal(timerFired, false, 'before the next turn')
      held.calls[0]!.done(null)
      await done
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('syncs that arrive while an fdatasync runs share the next one', async () => {
    const t = tempDir()
    try {
      const held = heldSync()
      const j = new Journal<{n: number}>({dir: t.dir, datasync: held.fn(join(t.dir, 'progress.jsonl'))})
      j.compact([])
      j.append({n: 1})
      const first = j.sync()
      await tick()
      j.append({n: 2})
      const second = [j.sync(), j.sync(), j.sync()]
      await tick()
      assert.equal(held.calls.length, 1, 'the second group waits for the running fdatasync')
      held.calls[0]!.done(null)
      await first
      await tick()
      assert.equal(held.calls.length, 2)
      assert.match(held.calls[1]!.written, /"n":2/)
      held.calls[1]!.done(null)
      await Promise.all(second)
      assert.equal(j.syncs, 2)
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('a failed fdatasync rejects the syncs that shared it (the callbacks are answered 503)', async () => {
    const t = tempDir()
    try {
      const j = new Journal<{n: number}>({dir: t.dir, datasync: (_fd, done) => done(Object.assign(new Error('EIO'), {code: 'EIO'}))})
      j.compact([])
      j.append({n: 1})
      await assert.rejects(j.sync(), /EIO/)
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('each background write is reported: a failed fdatasync as its error, the next good one as recovery', async () => {
    const t = tempDir()
    try {
      let fail = true
      const seen: Array<string | undefined> = []
      const j = new Journal<{n: number}>({
        dir: t.dir,
        datasync: (_fd, done) => done(fail ? Object.assign(new Error('ENOSPC: no space left on device'), {code: 'ENOSPC'}) : null),
        onWrite: (err) => seen.push(err === undefined ? undefined : (err as NodeJS.ErrnoException).code),
      })
      j.compact([])
      j.append({n: 1})
      await assert.rejects(j.sync(), /ENOSPC/)
      fail = false
      j.append({n: 2})
      await j.sync()
      assert.deepEqual(seen, ['ENOSPC', undefined])
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('with the real fdatasync, a sync() leaves the line in the file', async () => {
    const t = tempDir()
    try {
      const j = new Journal<{n: number}>({dir: t.dir})
      j.compact([{n: 0}])
      j.append({n: 1})
      await j.sync()
      assert.equal(readFileSync(j.path, 'utf8'), '{"n":0}\n{"n":1}\n')
      j.close()
    } finally {
      t.cleanup()
    }
  })

  test('a compaction while an fdatasync runs: the old descriptor is closed after it, the sync still resolves', async () => {
    const t = tempDir()
    try {
      const held = heldSync()
      const j = new Journal<{n: number}>({dir: t.dir, datasync: held.fn(join(t.dir, 'progress.jsonl'))})
      j.compact([])
      j.append({n: 1})
      const s = j.sync()
      await tick()
      j.compact([{n: 1}])
      held.calls[0]!.done(null)
      await s
      j.append({n: 2})
      j.close()
      assert.equal(readFileSync(j.path, 'utf8'), '{"n":1}\n{"n":2}\n')
    } finally {
      t.cleanup()
    }
  })
})
