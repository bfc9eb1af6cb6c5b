import {test} from 'node:test'
import assert from 'node:assert/strict'
import {CrawlPins} from '../../../src/metadata/snapshots.js'

test('a crawl stays on the snapshot it started on across a reload while it keeps asking', () => {
  const pins = new CrawlPins<string>(2000, 60_000)
  assert.equal(pins.choose('10.0.0.1', true, 'v1', 0), 'v1')
  assert.equal(pins.choose('10.0.0.1', true, 'v2', 500), 'v1', 'mid-crawl: the old snapshot')
  assert.equal(pins.choose('10.0.0.1', true, 'v2', 2400), 'v1', 'gaps under the idle time keep the pin')
  assert.equal(pins.choose('10.0.0.1', true, 'v2', 4500), 'v2', 'idle longer than 2 s: the newest')
  assert.equal(pins.choose('10.0.0.1', true, 'v2', 5000), 'v2')
})

test('a pin lasts at most maxMs, an unknown address is never pinned, idle pins are swept', () => {
  const pins = new CrawlPins<string>(2000, 5000)
  pins.choose('10.0.0.1', true, 'v1', 0)
  for (let t = 1000; t < 5000; t += 1000) assert.equal(pins.choose('10.0.0.1', true, 'v2', t), 'v1')
  assert.equal(pins.choose('10.0.0.1', true, 'v2', 5000), 'v2', 'the crawl took too long: the newest')
  assert.equal(pins.choose('10.9.9.9', false, 'v2', 5000), 'v2')
  assert.equal(pins.choose('10.9.9.9', false, 'v3', 5100), 'v3')
  assert.equal(pins.size, 1)
  pins.sweep(6000)
  assert.equal(pins.size, 1)
  pins.sweep(7000)
  assert.equal(pins.size, 0)
})
