import {test} from 'node:test'
import assert from 'node:assert/strict'
import {CrawlPins} from '../../../src/metadata/snapshots.js'

test('a crawl stays on the snapshot it started on across a reload while it keeps asking', () => {
  const pins = new CrawlPins<string>(2000, 60_000)
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v1', 0), 'v1')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', 500), 'v1', 'mid-crawl: the old snapshot')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', 2400), 'v1', 'gaps under the idle time keep the pin')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', 4500), 'v2', 'idle longer than 2 s: the newest')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', 5000), 'v2')
})

test('a pin lasts at most maxMs, an unknown address is never pinned, idle pins are swept', () => {
  const pins = new CrawlPins<string>(2000, 5000)
  pins.choose('10.0.0.1', 'waf-01', 'v1', 0)
  for (let t = 1000; t < 5000; t += 1000) assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', t), 'v1')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v2', 5000), 'v2', 'the crawl took too long: the newest')
  assert.equal(pins.choose('10.9.9.9', undefined, 'v2', 5000), 'v2')
  assert.equal(pins.choose('10.9.9.9', undefined, 'v3', 5100), 'v3')
  assert.equal(pins.size, 1)
  pins.sweep(6000)
  assert.equal(pins.size, 1)
  pins.sweep(7000)
  assert.equal(pins.size, 0)
})

test('a pin is for one (address, instance): when the newest snapshot gives the address to another instance, the pin ends at once', () => {
  const pins = new CrawlPins<string>(2000, 60_000)
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v1', 0), 'v1')
  assert.equal(pins.choose('10.0.0.1', 'waf-02', 'v2', 100), 'v2', 'the address moved to waf-02: never the old owner’s snapshot')
  assert.equal(pins.choose('10.0.0.1', 'waf-02', 'v3', 200), 'v2', 'waf-02 mid-crawl keeps its own snapshot')
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v4', 300), 'v4', 'swapped back: the newest again')
})

test('when the newest snapshot gives the address to no instance, the pin ends at once', () => {
  const pins = new CrawlPins<string>(2000, 60_000)
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v1', 0), 'v1')
  assert.equal(pins.size, 1)
  assert.equal(pins.choose('10.0.0.1', undefined, 'v2', 100), 'v2')
  assert.equal(pins.size, 0)
  assert.equal(pins.choose('10.0.0.1', 'waf-01', 'v3', 200), 'v3', 'back in the inventory: starts on the newest')
})
