import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ensureBuilt, startServe} from '../../helpers/metadata-serve.js'
import {httpGet} from '../../helpers/metadata.js'

/**
 * A damaged progress journal through the built CLI: `metadata serve` starts, says on stderr how many lines
 * were refused, from which lines and where they went, and answers the VM whose record was malformed.
 */
describe('metadata serve with a damaged progress journal', () => {
  let dir: string
  before(() => {
    ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'netops-journal-repair-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('bad lines are moved aside and named in the startup log; the server runs and answers every VM', async () => {
    const inventory = join(dir, 'vms.yaml')
    writeFileSync(inventory, 'instances:\n  - {id: vm-a, ip: 127.0.5.10, hostname: a}\n  - {id: vm-b, ip: 127.0.5.11, hostname: b}\n')
    const data = join(dir, 'data')
    mkdirSync(data)
    const journal = [
      '{"rec":null}',
      JSON.stringify({rec: {id: 'vm-a', steps: {firstRequest: 1, done: 2}, lastStep: 'done', lastStepAt: 2}}),
      JSON.stringify({rec: {id: 'vm-b', steps: 'oops', lastStep: 'x', lastStepAt: 1}}),
      '\u0001garbage',
      '{"t":5,"id":"vm-b","st',
    ]
    writeFileSync(join(data, 'progress.jsonl'), journal.join('\n'))
    const s = await startServe(['--listen', '127.0.0.1:0', '--inventory', inventory, '--no-watch', '--data-dir', data])
    try {
      const rejected = join(data, 'progress.jsonl.rejected')
      assert.ok(
        s.stderr().includes(`progress: 4 damaged journal lines (lines 1, 3, 4, 5) moved to ${rejected}; the rest was restored`),
        s.stderr(),
      )
      assert.match(s.stderr(), /progress: 1 VMs' progress restored/)
      const got = await httpGet(`${s.url}/latest/meta-data/hostname`, {from: '127.0.5.11'})
      assert.deepEqual([got.status, got.body], [200, 'b'])
      assert.equal(readFileSync(rejected, 'utf8').trim().split('\n').length, 4)
      const again = await httpGet(`${s.url}/latest/meta-data/hostname`, {from: '127.0.5.11'})
      assert.equal(again.status, 200)
    } finally {
      assert.equal(await s.stop(), 0)
    }
  })
})
