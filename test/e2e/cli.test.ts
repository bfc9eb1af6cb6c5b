import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, test} from 'node:test'
import {REPO, runCli} from '../helpers/cli.js'

describe('the netops CLI as a whole', () => {
  test('every command has --help with examples that use long flags', async () => {
    for (const cmd of [
      ['switch', 'diagnose'],
      ['switch', 'fix-loop'],
      ['lab', 'switch'],
      ['ovs', 'stp', 'on'],
      ['ovs', 'stp', 'off'],
      ['ovs', 'stp', 'status'],
      ['metadata', 'serve'],
      ['metadata', 'validate'],
      ['metadata', 'render'],
      ['metadata', 'guest-config'],
      ['metadata', 'redirect'],
    ]) {
      const r = await runCli([...cmd, '--help'])
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}`)
      assert.match(r.stdout, /EXAMPLES[\s\S]*\$ netops [\s\S]*--[a-z]/, `${cmd.join(' ')} has examples with long flags`)
      assert.match(r.stdout, /--json/, `${cmd.join(' ')} has --json`)
    }
  })

  test('NETOPS_CONTENT_TYPE=json turns on JSON output, errors included', async () => {
    const r = await runCli(['switch', 'diagnose', '--port', '19'], {env: {NETOPS_CONTENT_TYPE: 'json'}})
    assert.equal(r.code, 2)
    const j = JSON.parse(r.stdout) as {error: {code: string; exitCode: number; suggestions: string[]}}
    assert.equal(j.error.code, 'NETOPS_USAGE')
    assert.equal(j.error.exitCode, 2)
    assert.ok(j.error.suggestions.length > 0)
  })

  test('an unknown flag is a usage error (exit 2) naming the flag and the command help', async () => {
    const r = await runCli(['switch', 'diagnose', '--bogus'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--bogus/)
    assert.match(r.stderr, /netops switch diagnose --help/)
  })

  test('bin/dev.js runs the TypeScript sources with a clean stderr', () => {
    const r = spawnSync(process.execPath, [`${REPO}/bin/dev.js`, 'switch', '--help'], {encoding: 'utf8', cwd: REPO})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /switch diagnose/)
    assert.equal(r.stderr, '')
  })
})
