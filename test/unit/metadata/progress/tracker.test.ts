import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {appendFileSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {ProgressTracker, stepForPath} from '../../../../src/metadata/progress/tracker.js'
import {tempDir} from '../../../helpers/metadata.js'

const VMS = [
  {id: 'a', ip: '127.0.0.2', hostname: 'a'},
  {id: 'b', ip: '127.0.0.3', hostname: 'b'},
]

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start
  return {now: () => t, tick: (ms: number) => (t += ms)}
}

describe('progress steps', () => {
  test('paths of every flavour map to the step they mark, and only on success (404 user-data = none, still fetched)', () => {
    assert.equal(stepForPath('/2021-03-23/user-data', 200), 'userData')
    assert.equal(stepForPath('/2021-03-23/user-data', 404), 'userData')
    assert.equal(stepForPath('/openstack/latest/user_data', 200), 'userData')
    assert.equal(stepForPath('/nocloud/user-data', 200), 'userData')
    assert.equal(stepForPath('/2021-03-23/meta-data/', 200), 'metaData')
    assert.equal(stepForPath('/openstack/2018-08-27/meta_data.json', 200), 'metaData')
    assert.equal(stepForPath('/nocloud/meta-data', 200), 'metaData')
    assert.equal(stepForPath('/nocloud/meta-data', 404), undefined)
    assert.equal(stepForPath('/openstack/latest/vendor_data2.json', 200), 'vendorData')
    assert.equal(stepForPath('/nocloud/vendor-data', 200), 'vendorData')
    assert.equal(stepForPath('/2021-03-23/meta-data/instance-id', 200), undefined)
    assert.equal(stepForPath('/2021-03-23/user-data', 500), undefined)
  })

  test('a VM goes waiting → booting → done; steps are kept once, with their times, and lastStep follows', () => {
    const c = clock()
    const p = new ProgressTracker({clock: c.now})
    assert.equal(p.stateOf('a'), 'waiting')
    p.observe('a', '/2009-04-04/meta-data/instance-id', 200)
    c.tick(10)
    p.observe('a', '/2021-03-23/user-data', 200)
    c.tick(10)
    p.observe('a', '/2021-03-23/meta-data/', 200)
    c.tick(10)
    p.observe('a', '/2021-03-23/meta-data/', 200) // again: the first time counts
    assert.equal(p.stateOf('a'), 'booting')
    c.tick(1000)
    p.phoneHome('a')
    const [a, b] = p.list(VMS)
    assert.equal(a!.state, 'done')
    assert.equal(a!.lastStep, 'phone-home')
    assert.equal(a!.steps.firstRequest, '2026-01-01T00:00:00.000Z')
    assert.equal(a!.steps.metaData, '2026-01-01T00:00:00.020Z')
    assert.equal(a!.durationMs, 1030)
    assert.equal(a!.requests, 4)
    assert.equal(b!.state, 'waiting')
    assert.equal(b!.durationMs, null)
  })

  test('webhook events: modules-final finish SUCCESS is done, FAIL is failed; other events only move lastStep', () => {
    const p = new ProgressTracker()
    p.report('a', {name: 'init-network/config-ssh', event_type: 'finish', result: 'SUCCESS'})
    assert.equal(p.stateOf('a'), 'booting')
    assert.equal(p.get('a')!.lastStep, 'init-network/config-ssh finish')
    p.report('a', {name: 'modules-final', event_type: 'finish', result: 'SUCCESS'})
    assert.equal(p.stateOf('a'), 'done')
    p.report('b', {name: 'modules-final', event_type: 'finish', result: 'FAIL'})
    assert.equal(p.stateOf('b'), 'failed')
    assert.equal(p.get('b')!.lastStep, 'modules-final finish FAIL')
  })

  test('unknown requesters are counted per address, beyond the bound under "other"', () => {
    const p = new ProgressTracker({maxUnknown: 2})
    for (const ip of ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) p.observeUnknown(ip)
    assert.deepEqual(
      p.unknownRequesters().map((u) => [u.ip, u.requests]),
      [
        ['10.0.0.1', 2],
        ['other', 2],
        ['10.0.0.2', 1],
      ],
    )
  })
})

describe('progress journal (data dir)', () => {
  test('state survives a restart; the journal is compacted to one line per VM on open', () => {
    const t = tempDir()
    try {
      const c = clock()
      const p1 = new ProgressTracker({dataDir: t.dir, clock: c.now})
      p1.observe('a', '/nocloud/meta-data', 200)
      c.tick(5)
      p1.observe('a', '/nocloud/user-data', 200)
      p1.report('a', {name: 'modules-final', event_type: 'finish', result: 'SUCCESS'})
      p1.observe('b', '/nocloud/meta-data', 200)
      p1.close()
      const lines = readFileSync(join(t.dir, 'progress.jsonl'), 'utf8').trim().split('\n')
      assert.ok(lines.length >= 5, `journal has the steps (${lines.length} lines)`)
      const p2 = new ProgressTracker({dataDir: t.dir, clock: c.now})
      assert.equal(p2.stateOf('a'), 'done')
      assert.equal(p2.stateOf('b'), 'booting')
      assert.equal(p2.list(VMS)[0]!.steps.userData, '2026-01-01T00:00:00.005Z')
      assert.equal(p2.recovered.records, 2)
      p2.close()
      assert.equal(readFileSync(join(t.dir, 'progress.jsonl'), 'utf8').trim().split('\n').length, 2, 'compacted: one line per VM')
    } finally {
      t.cleanup()
    }
  })

  test('a torn last line (crash mid-write) is skipped, the rest is kept', () => {
    const t = tempDir()
    try {
      const p1 = new ProgressTracker({dataDir: t.dir})
      p1.phoneHome('a')
      p1.close()
      appendFileSync(join(t.dir, 'progress.jsonl'), '{"t":1,"id":"b","st')
      const p2 = new ProgressTracker({dataDir: t.dir})
      assert.equal(p2.stateOf('a'), 'done')
      assert.equal(p2.stateOf('b'), 'waiting')
      assert.equal(p2.recovered.skippedLines, 1)
      p2.close()
    } finally {
      t.cleanup()
    }
  })

  test('reset forgets the kept progress', () => {
    const t = tempDir()
    try {
      const p1 = new ProgressTracker({dataDir: t.dir})
      p1.phoneHome('a')
      p1.close()
      const p2 = new ProgressTracker({dataDir: t.dir, reset: true})
      assert.equal(p2.stateOf('a'), 'waiting')
      p2.close()
    } finally {
      t.cleanup()
    }
  })

  test('journalSyncs counts the group commits of the journal (one for a burst of commits); none without a journal', async () => {
    const t = tempDir()
    try {
      const p = new ProgressTracker({dataDir: t.dir})
      assert.equal(p.journalSyncs, 0)
      p.phoneHome('a')
      p.phoneHome('b')
      await Promise.all([p.commit(), p.commit()])
      assert.equal(p.journalSyncs, 1)
      p.close()
      assert.equal(new ProgressTracker().journalSyncs, undefined)
    } finally {
      t.cleanup()
    }
  })

  test('a second tracker on a data dir in use by a live process is refused (usage error naming the pid)', () => {
    const t = tempDir()
    try {
      const p1 = new ProgressTracker({dataDir: t.dir})
      // the lock holds our own pid: simulate another live owner (pid 1 always exists)
      p1.close()
      appendFileSync(join(t.dir, 'lock'), '1\n')
      assert.throws(
        () => new ProgressTracker({dataDir: t.dir}),
        (e: Error & {code?: string}) => e.code === 'NETOPS_USAGE' && /pid 1\b/.test(e.message),
      )
    } finally {
      t.cleanup()
    }
  })
})

describe('progress journal failures', () => {
  test('a compaction that fails (the data dir is gone) does not throw into the request that triggered it; it is reported', () => {
    const t = tempDir()
    const errors: string[] = []
    const p = new ProgressTracker({
      dataDir: t.dir,
      onJournal: (err) => void (err && errors.push((err as NodeJS.ErrnoException).code ?? '')),
    })
    try {
      rmSync(t.dir, {recursive: true, force: true}) // compaction writes its .tmp there: ENOENT
      // every webhook event appends a line: past 10,000 appended lines the tracker compacts
      p.observe('vm-1', '/latest/meta-data/', 200)
      for (let i = 0; i < 10_050; i++)
        assert.doesNotThrow(() => p.report('vm-1', {name: `init-network/config-${i}`, event_type: 'finish', result: 'SUCCESS'}))
      assert.ok(errors.includes('ENOENT'), `compaction failure reported (${errors.join(',')})`)
      p.phoneHome('vm-1')
      assert.equal(p.stateOf('vm-1'), 'done', 'progress still kept in memory')
    } finally {
      try {
        p.close()
      } catch {
        // the dir is gone: closing the journal may fail too
      }
      t.cleanup()
    }
  })
})
