import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {runCli} from '../helpers/cli.js'

describe('netops metadata redirect flags (built CLI, print mode: nothing is run)', () => {
  test('--to and --bridge are checked as they are parsed: usage errors (exit 2) with their own message', async () => {
    for (const [args, message, suggestion] of [
      [['--to', '10.0.0.5', '--bridge', 'br0'], '--to 10.0.0.5 is not HOST:PORT', 'e.g. --to 127.0.0.1:8807'],
      [['--to', 'md.lan:8807'], '--to md.lan:8807: HOST must be an IPv4 address, not a name', 'getent ahostsv4'],
      [['--to', '127.0.0.1:8807', '--bridge', 'bad/name'], '--bridge bad/name is not an interface name', 'at most 15 characters'],
      [['--remove', '--bridge', 'bad/name'], '--bridge bad/name is not an interface name', 'at most 15 characters'],
      [['--bridge', 'br0'], '--to HOST:PORT is required (except with --remove)', 'e.g. --to 127.0.0.1:8807 --bridge br0'],
    ] as const) {
      const r = await runCli(['metadata', 'redirect', ...args])
      assert.equal(r.code, 2, args.join(' '))
      assert.equal(r.stdout, '')
      const [first, second] = r.stderr.split('\n')
      assert.equal(first, `error [NETOPS_USAGE] ${message}`)
      assert.ok(second?.includes(suggestion), r.stderr)
    }
  })
  test('in --json mode the flag error is the one JSON document on stdout', async () => {
    const r = await runCli(['metadata', 'redirect', '--to', '127.0.0.1:8807', '--bridge', 'bad/name', '--json'])
    assert.equal(r.code, 2)
    const j = JSON.parse(r.stdout) as {error: {code: string; message: string; exitCode: number}}
    assert.deepEqual(
      {code: j.error.code, message: j.error.message, exitCode: j.error.exitCode},
      {code: 'NETOPS_USAGE', message: '--bridge bad/name is not an interface name', exitCode: 2},
    )
  })
  test('valid flags print the rules', async () => {
    const r = await runCli(['metadata', 'redirect', '--to', '127.0.0.1:8807', '--bridge', 'br-md', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as {action: string; to: string; bridge: string; mode: string}
    assert.deepEqual([j.action, j.to, j.bridge, j.mode], ['print', '127.0.0.1:8807', 'br-md', 'redirect'])
  })
})
