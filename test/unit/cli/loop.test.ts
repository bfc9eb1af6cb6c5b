import assert from 'node:assert/strict'
import {test} from 'node:test'
import {checkLoopFlags, loopTraceOptions, type LoopTraceFlagValues} from '../../../src/cli/loop.js'
import {UsageError} from '../../../src/errors.js'

const flags = (over: Partial<LoopTraceFlagValues> = {}): LoopTraceFlagValues => ({
  switch: 'sw1',
  port: '19',
  platform: 'auto',
  'legacy-ssh': false,
  timeout: 30,
  sudo: false,
  ...over,
})

test('loopTraceOptions: the plan lines carry what reaches the switch and the node, values shell-quoted', () => {
  const o = loopTraceOptions(
    flags({
      'ssh-port': 2201,
      username: 'admin',
      platform: 'nxos',
      node: 'node1',
      'node-user': 'ops',
      sudo: true,
      db: 'unix:/run/my ovs/db.sock',
    }),
  )
  assert.equal(o.switchFlags, '--host sw1 --ssh-port 2201 --username admin --platform nxos')
  assert.deepEqual(o.nodeFlags, ['--username ops', "--db 'unix:/run/my ovs/db.sock'", '--sudo'])
  assert.equal(o.node, 'node1')
  assert.deepEqual(o.vsctl, {timeoutSec: 30, db: 'unix:/run/my ovs/db.sock'})
})

test('loopTraceOptions without --node leaves the node to be identified', () => {
  const o = loopTraceOptions(flags())
  assert.equal('node' in o, false)
  assert.equal(o.switchFlags, '--host sw1')
  assert.deepEqual(o.nodeFlags, [])
})

test('--sudo with --node local is a usage error (run netops itself as root), as `ovs` commands have it', () => {
  assert.throws(() => checkLoopFlags(flags({node: 'local', sudo: true})), UsageError)
  assert.doesNotThrow(() => checkLoopFlags(flags({node: 'node1', sudo: true})))
  assert.doesNotThrow(() => checkLoopFlags(flags({sudo: true})), 'the node may be identified as a remote host')
})
