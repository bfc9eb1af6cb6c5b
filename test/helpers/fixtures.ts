/**
 * Fixture loading for parser tests.
 *
 *   const dir = sharedFixturesDir()          // <repo>/../shared/fixtures, or null (+ reason) when absent
 *   test('...', {skip: sharedFixturesSkip()}, () => { ... })
 *
 *   for (const c of fixtureCases('logging')) {          // test/fixtures/parsers/logging/<case>.txt + .json
 *     test(c.name, () => assert.deepEqual(parseLogging(c.input), c.expected))
 *   }
 *
 * Tests read the shared real device outputs from ../shared/fixtures (never copied here); captures a
 * feature needs that ../shared lacks live under test/fixtures/<platform>/<command>/ with a SOURCE.md
 * naming their repository, commit and licence. When ../shared/fixtures is missing the tests skip with
 * the reason, except under CI=true, where a missing directory is an error (a CI run must not pass by
 * skipping).
 * UPDATE_GOLDEN=1 makes writeGolden() rewrite expectations; review the diff.
 */
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const OWN_FIXTURES_DIR = join(REPO_DIR, 'test', 'fixtures', 'parsers')
/** NETOPS_SHARED_FIXTURES overrides the location (used by the helper's own test). */
const SHARED = process.env['NETOPS_SHARED_FIXTURES'] ?? resolve(REPO_DIR, '..', 'shared', 'fixtures')

let missingReason: string | undefined

/** `<repo>/../shared/fixtures`, or null when it is absent (see sharedFixturesSkip()). Throws under CI=true. */
export function sharedFixturesDir(): string | null {
  if (existsSync(SHARED) && statSync(SHARED).isDirectory()) return SHARED
  missingReason = `shared device fixtures not found at ${SHARED} (expected beside the repository as ../shared/fixtures)`
  if (process.env['CI'] === 'true') throw new Error(`${missingReason}; under CI=true this is a failure, not a skip`)
  return null
}

/** Why the shared fixtures are missing, for `test(..., {skip})`; false when they are present. */
export function sharedFixturesSkip(): string | false {
  return sharedFixturesDir() === null ? (missingReason ?? 'shared fixtures missing') : false
}

/** Read a file under the shared fixtures directory (caller has checked sharedFixturesDir()). */
export function readShared(relPath: string): string {
  const dir = sharedFixturesDir()
  if (dir === null) throw new Error(missingReason)
  return readFileSync(join(dir, relPath), 'utf8')
}

/** Every file under `dir` (recursive) whose name ends with `suffix`, sorted. */
export function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith(suffix)) out.push(p)
    }
  }
  if (existsSync(dir)) walk(dir)
  return out.sort()
}

export interface FixtureCase<T = unknown> {
  /** File name without extension, e.g. `ios-loopback-story-uptime`. */
  name: string
  input: string
  /** Parsed `<case>.json`; undefined when it does not exist yet (UPDATE_GOLDEN=1 creates it). */
  expected: T
  inputPath: string
  expectedPath: string
}

/** `<case>.txt` + `<case>.json` pairs in `dir` (relative paths are under test/fixtures/parsers). */
export function fixtureCases<T = unknown>(dir: string): FixtureCase<T>[] {
  const base = isAbsolute(dir) ? dir : join(OWN_FIXTURES_DIR, dir)
  if (!existsSync(base)) throw new Error(`fixture directory ${base} does not exist`)
  return readdirSync(base)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.txt'.length)
      const inputPath = join(base, f)
      const expectedPath = join(base, `${name}.json`)
      const expected = existsSync(expectedPath) ? (JSON.parse(readFileSync(expectedPath, 'utf8')) as T) : (undefined as T)
      return {name, input: readFileSync(inputPath, 'utf8'), expected, inputPath, expectedPath}
    })
}

/** True when UPDATE_GOLDEN=1: tests should write expectations instead of asserting them. */
export function updatingGolden(): boolean {
  return process.env['UPDATE_GOLDEN'] === '1'
}

/** Write a JSON expectation (stable 2-space formatting, trailing newline). */
export function writeGolden(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n')
}
