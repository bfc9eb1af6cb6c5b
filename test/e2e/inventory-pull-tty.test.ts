import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {test} from 'node:test'
import {REPO} from '../helpers/cli.js'

const PTY_RUN = fileURLToPath(new URL('../helpers/pty-run.py', import.meta.url))

// The refusal comes before any connection: no etcd is needed, and none listens on port 1.
test('inventory pull refuses to print the inventory (user-data, passwords) onto a terminal', () => {
  const argv = [process.execPath, `${REPO}/bin/run.js`, 'metadata', 'inventory', 'pull', '--store', 'etcd://127.0.0.1:1']
  const spec = {argv, waitFor: '', keys: [], timeoutS: 30}
  const r = spawnSync('python3', [PTY_RUN, JSON.stringify(spec)], {encoding: 'utf8', timeout: 40_000, env: {...process.env, NO_COLOR: '1'}})
  assert.equal(r.status, 0, `python3 pty driver failed: ${r.stderr}`)
  const out = JSON.parse(r.stdout) as {output: string; exitCode: number | null}
  assert.equal(out.exitCode, 2, out.output)
  assert.match(out.output, /NETOPS_USAGE.*not onto a terminal/)
  assert.match(out.output, /--output vms\.yaml/)
})
