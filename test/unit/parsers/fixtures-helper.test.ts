/** test/helpers/fixtures.ts: a missing ../shared/fixtures skips with a reason, but fails under CI=true. */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {test} from 'node:test'
import {REPO_DIR} from '../../helpers/fixtures.js'

const probe = `
import {sharedFixturesDir, sharedFixturesSkip} from ${JSON.stringify(join(REPO_DIR, 'test', 'helpers', 'fixtures.ts'))}
try { console.log(JSON.stringify({dir: sharedFixturesDir(), skip: sharedFixturesSkip()})) }
catch (e) { console.log(JSON.stringify({threw: String(e)})) }
`

function run(env: Record<string, string>): {dir?: string | null; skip?: string | false; threw?: string} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: REPO_DIR,
    env: {...process.env, ...env},
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout.trim()) as {dir?: string | null; skip?: string | false; threw?: string}
}

test('missing shared fixtures: null and a skip reason naming the path outside CI', () => {
  const r = run({NETOPS_SHARED_FIXTURES: '/nonexistent/shared/fixtures', CI: ''})
  assert.equal(r.dir, null)
  assert.match(String(r.skip), /\/nonexistent\/shared\/fixtures/)
})

test('missing shared fixtures under CI=true: an error, never a silent skip', () => {
  const r = run({NETOPS_SHARED_FIXTURES: '/nonexistent/shared/fixtures', CI: 'true'})
  assert.match(String(r.threw), /CI=true/)
})
