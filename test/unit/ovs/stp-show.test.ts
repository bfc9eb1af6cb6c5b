import {test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseStpShow} from '../../../src/ovs/stp-show.js'

// Real `ovs-appctl stp/show` / `rstp/show` output captured from OVS 3.1.0 (userspace datapath).
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovs')
const cases = readdirSync(dir).filter((f) => /^r?stp-show-.*\.txt$/.test(f))

test('there are stp/show and rstp/show fixtures to check', () => {
  assert.ok(cases.some((c) => c.startsWith('stp-show-')))
  assert.ok(cases.some((c) => c.startsWith('rstp-show-')))
})

for (const file of cases) {
  test(`parseStpShow matches the golden JSON for ${file}`, () => {
    const got = parseStpShow(readFileSync(join(dir, file), 'utf8'))
    const golden = join(dir, file.replace(/\.txt$/, '.json'))
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) {
      if (process.env['CI'] === 'true') assert.fail(`missing golden ${golden} (run with UPDATE_GOLDEN=1 and review it)`)
      writeFileSync(golden, JSON.stringify(got, null, 2) + '\n')
    }
    assert.deepEqual(got, JSON.parse(readFileSync(golden, 'utf8')))
  })
}

test('a non-root bridge in a loop reports its root port, root path cost and one blocking alternate port', () => {
  const [br0] = parseStpShow(readFileSync(join(dir, 'stp-show-loop-br0-alternate-blocking.txt'), 'utf8'))
  assert.ok(br0)
  assert.equal(br0.bridge, 'br0')
  assert.equal(br0.isRoot, false)
  assert.equal(br0.rootPort, 'loop0a')
  assert.equal(br0.rootPathCost, 2)
  assert.equal(br0.root.priority, 4096)
  assert.equal(br0.self.priority, 32768)
  assert.deepEqual(
    br0.ports.map((p) => [p.name, p.role, p.state]),
    [
      ['loop0a', 'root', 'forwarding'],
      ['loop1a', 'alternate', 'blocking'],
    ],
  )
})

test('stp/show without a bridge yields one section per STP bridge', () => {
  const all = parseStpShow(readFileSync(join(dir, 'stp-show-all-bridges-loop.txt'), 'utf8'))
  assert.deepEqual(
    all.map((b) => [b.bridge, b.isRoot]),
    [
      ['br0', false],
      ['br1', true],
    ],
  )
})

test('rstp/show roles and states are lower-cased and costs are RSTP-sized', () => {
  const [br0] = parseStpShow(readFileSync(join(dir, 'rstp-show-loop-br0-alternate-discarding.txt'), 'utf8'))
  assert.deepEqual(
    br0?.ports.map((p) => [p.name, p.role, p.state, p.cost]),
    [
      ['loop0a', 'root', 'forwarding', 2000],
      ['loop1a', 'alternate', 'discarding', 2000],
    ],
  )
})

test('custom port path cost and port priority are read from the table', () => {
  const [br0] = parseStpShow(readFileSync(join(dir, 'stp-show-root-listening-custom-cost.txt'), 'utf8'))
  assert.equal(br0?.isRoot, true)
  assert.deepEqual(br0?.ports[1], {name: 'loop1a', role: 'designated', state: 'listening', cost: 100, priorityNumber: '64.2'})
})

test('empty output (no STP bridge) parses to no bridges', () => {
  assert.deepEqual(parseStpShow(''), [])
})
