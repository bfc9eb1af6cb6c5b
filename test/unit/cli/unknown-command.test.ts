import assert from 'node:assert/strict'
import {test} from 'node:test'
import {unknownCommandDocument} from '../../../src/cli/unknown-command.js'

const IDS = ['switch:diagnose', 'switch:fix-loop', 'ovs:stp:on', 'lab:switch']

test('an unknown command with --json or NETOPS_CONTENT_TYPE=json gets the JSON error document, with the nearest commands', () => {
  assert.deepEqual(unknownCommandDocument(['switch', 'diagnos', '--json'], IDS, {}), {
    error: {
      code: 'NETOPS_USAGE',
      message: 'command switch diagnos not found',
      exitCode: 2,
      suggestions: ['did you mean: netops switch diagnose', 'see the commands: netops --help'],
    },
  })
  assert.equal(unknownCommandDocument(['nothing'], IDS, {NETOPS_CONTENT_TYPE: 'json'})?.error.message, 'command nothing not found')
})

test('known commands, topics, flags first, plugin commands and human mode are left to oclif', () => {
  for (const argv of [
    ['switch', 'diagnose', '--json'],
    ['switch', 'diagnose', 'extra', '--json'],
    ['switch', '--json'],
    ['ovs', 'stp', '--json'],
    ['--json'],
    ['--help', '--json'],
    ['help', 'switch', '--json'],
  ]) {
    assert.equal(unknownCommandDocument(argv, IDS, {}), null, argv.join(' '))
  }
  assert.equal(unknownCommandDocument(['swtich'], IDS, {}), null)
})
