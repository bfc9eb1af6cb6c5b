/** Parsers never throw: any parser fed any fixture (or a truncated one, or noise) returns a value. */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'
import {parseLogLine} from '../../../src/parsers/logging.js'
import {fixtureDirs, parserById, PARSER_IDS} from '../../helpers/parser-registry.js'
import {filesUnder, OWN_FIXTURES_DIR} from '../../helpers/fixtures.js'

/** Every parser's own fixtures: test/fixtures/parsers/ and the per-platform test/fixtures/<platform>/<id>/. */
const FIXTURE_ROOTS = [
  OWN_FIXTURES_DIR,
  ...PARSER_IDS.flatMap((id) => fixtureDirs(id).filter((d) => d.platform !== null)).map((d) => d.dir),
]
/** Each parser once per platform it is given (old parsers take none). */
const RUNS = PARSER_IDS.flatMap((id) => fixtureDirs(id).map((d) => [id, d.platform] as const))

/** Small deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

test('every parser returns (never throws) on every own fixture, whole and cut at random points', () => {
  const inputs = FIXTURE_ROOTS.flatMap((d) => filesUnder(d, '.txt')).map((p) => readFileSync(p, 'utf8'))
  assert.ok(inputs.length >= 15)
  const rand = rng(19)
  for (const [id, platform] of RUNS) {
    const parse = parserById(id, platform)
    for (const text of inputs) {
      assert.doesNotThrow(() => parse(text), `${id} (${platform ?? 'any'})`)
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
  for (const id of ['mac-address-table', 'lldp-neighbors-detail', 'cdp-neighbors-detail', 'vlan-brief', 'switchport'] as const) {
    assert.deepEqual(parserById(id, 'ios')(version), [], id)
    assert.deepEqual(parserById(id, 'nxos')(version), [], id)
  }
  assert.equal(parserById('version')("% Invalid input detected at '^' marker."), null)
  assert.equal(parseLogLine('% Invalid input detected'), null)
})
