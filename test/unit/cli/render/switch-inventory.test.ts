import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderSwitchInventory} from '../../../../src/cli/render/switch-inventory.js'
import {parseSwitchInventory} from '../../../../src/switch/inventory.js'

test('the validate summary: counts and groups, then each switch with where each value came from, within 80 columns', () => {
  const inv = parseSwitchInventory(
    [
      'defaults: {username: admin}',
      'groups:',
      '  nexus: {platform: NX-OS, port: Eth1/19, ssh_port: 2222}',
      'switches:',
      '  - {host: tor-7, groups: [nexus]}',
      '  - bare',
      '',
    ].join('\n'),
    'sw.yaml',
  )
  const text = renderSwitchInventory(inv)
  assert.equal(
    text,
    [
      'sw.yaml: valid, 2 switches, groups: nexus',
      '  tor-7 (line 5): port Eth1/19 [group nexus], ssh_port 2222 [group nexus],',
      '    username admin [defaults], platform nxos [group nexus]',
      '  bare (line 6): username admin [defaults]',
    ].join('\n'),
  )
  for (const line of text.split('\n')) assert.ok(line.length <= 80, line)
  const none = parseSwitchInventory('switches: [sw1]\n', 'one.yaml')
  assert.equal(renderSwitchInventory(none), 'one.yaml: valid, 1 switch, no groups\n  sw1 (line 1): no values set (the flags give them)')
})
