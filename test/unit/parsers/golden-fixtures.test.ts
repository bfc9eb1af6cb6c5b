/**
 * Golden expectations, table-driven:
 * - our own fixtures: test/fixtures/parsers/<parser-id>/<case>.txt + <case>.json;
 * - genieparser outputs in ../shared/fixtures (no expected files upstream): the expectation,
 *   written by reading the text, lives in test/fixtures/parsers/shared/<parser-id>/<case>.json
 *   as {"source": "<path under shared/fixtures>", "expected": ...}.
 * UPDATE_GOLDEN=1 rewrites the .json files from the current parsers; review the diff.
 */
import assert from 'node:assert/strict'
import {readFileSync, readdirSync, existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {fixtureDirs, parserById, PARSER_IDS} from '../../helpers/parser-registry.js'
import {fixtureCases, OWN_FIXTURES_DIR, readShared, sharedFixturesSkip, updatingGolden, writeGolden} from '../../helpers/fixtures.js'

/** JSON round trip so `undefined` optional fields compare like the stored file. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown

for (const id of PARSER_IDS) {
  for (const {platform, dir} of fixtureDirs(id)) {
    const on = platform === null ? '' : ` (${platform})`
    describe(`${id}${on}: own fixtures parse to their golden JSON`, () => {
      const cases = fixtureCases(dir)
      test(`there is at least one ${id}${on} fixture`, () => assert.ok(cases.length > 0))
      for (const c of cases) {
        test(`${id}${on}/${c.name}`, () => {
          const got = plain(parserById(id, platform)(c.input))
          if (updatingGolden()) return writeGolden(c.expectedPath, got)
          assert.notEqual(c.expected, undefined, `missing ${c.expectedPath} (run with UPDATE_GOLDEN=1 and review)`)
          assert.deepEqual(got, c.expected)
        })
      }
    })
  }
}

describe('genieparser outputs parse to the expectations written for them', {skip: sharedFixturesSkip()}, () => {
  const base = join(OWN_FIXTURES_DIR, 'shared')
  for (const id of PARSER_IDS) {
    const dir = join(base, id)
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const path = join(dir, f)
      const golden = JSON.parse(readFileSync(path, 'utf8')) as {source: string; expected?: unknown}
      test(`${id}: genieparser ${golden.source}`, () => {
        const got = plain(parserById(id)(readShared(golden.source)))
        if (updatingGolden()) return writeGolden(path, {source: golden.source, expected: got})
        assert.deepEqual(got, golden.expected)
      })
    }
  }
})
