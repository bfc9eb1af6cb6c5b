/** Parsers never throw: any parser fed any fixture (or a truncated one, or noise) returns a value. */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'
import {parseLogLine} from '../../../src/parsers/logging.js'
import {parserById, type ParserId} from '../../helpers/parser-registry.js'
import {filesUnder, OWN_FIXTURES_DIR} from '../../helpers/fixtures.js'

const IDS: ParserId[] = [
  'interfaces-status',
  'interfaces-status-err-disabled',
  'errdisable-recovery',
  'errdisable-detect',
  'logging',
  'interfaces',
  'running-config-interface',
  'version',
]

/** Small deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

test('every parser returns (never throws) on every own fixture, whole and cut at random points', () => {
  const inputs = filesUnder(OWN_FIXTURES_DIR, '.txt').map((p) => readFileSync(p, 'utf8'))
  assert.ok(inputs.length >= 15)
  const rand = rng(19)
  for (const id of IDS) {
    const parse = parserById(id)
    for (const text of inputs) {
      assert.doesNotThrow(() => parse(text), id)
      for (let i = 0; i < 5; i++) {
        const a = Math.floor(rand() * text.length)
        const b = a + Math.floor(rand() * (text.length - a))
        assert.doesNotThrow(() => parse(text.slice(a, b)), `${id} on a slice`)
      }
    }
    assert.doesNotThrow(() => parse(''), `${id} on empty input`)
    assert.doesNotThrow(() => parse("\r\r\n\u0007\u001b[K% Invalid input detected at '^' marker.\r\n"), `${id} on noise`)
  }
})

test('output of another command parses to nothing rather than to wrong rows', () => {
  const version = readFileSync(`${OWN_FIXTURES_DIR}/version/ios-c3560g-12.2-55-se1.txt`, 'utf8')
  assert.deepEqual(parserById('interfaces-status')(version), [])
  assert.deepEqual(parserById('interfaces-status-err-disabled')(version), [])
  assert.deepEqual(parserById('logging')(version), [])
  assert.deepEqual(parserById('running-config-interface')(version), [])
  assert.equal(parserById('version')("% Invalid input detected at '^' marker."), null)
  assert.equal(parseLogLine('% Invalid input detected'), null)
})
