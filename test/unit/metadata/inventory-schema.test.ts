import assert from 'node:assert/strict'
import {test} from 'node:test'
import {InventoryError} from '../../../src/errors.js'
import {formatIssue, parseInventory, type InventoryIssue} from '../../../src/metadata/inventory.js'
import {checkInventoryShape} from '../../../src/metadata/inventory-schema.js'

const issuesOf = (text: string): string[] => {
  try {
    parseInventory([{file: 'shape.yaml', text}])
  } catch (err) {
    assert.ok(err instanceof InventoryError)
    return (err.details?.['issues'] as InventoryIssue[]).map(formatIssue)
  }
  assert.fail('the inventory was accepted')
}

test('unknown keys at every level: at the key, with a did-you-mean or the allowed keys', () => {
  assert.deepEqual(
    issuesOf(
      [
        'profils: {}',
        'profiles:',
        '  waf:',
        '    metadata: {role: waf}',
        '    user_data: [{content: "#!/bin/sh", filenme: a.sh}]',
        'instances:',
        '  - {id: a, ip: 10.0.0.2, profile: waf, interfaces: [{name: m, mac: "52:54:00:00:00:01", mtuu: 9000, zzz: 1}]}',
        '',
      ].join('\n'),
    ),
    [
      'shape.yaml:1:1: unknown key `profils` in the inventory (did you mean `profiles`?)',
      'shape.yaml:4:5: unknown key `metadata` in profile `waf` (did you mean `meta_data`?)',
      'shape.yaml:5:40: unknown key `filenme` in a user_data part (did you mean `filename`?)',
      'shape.yaml:7:90: unknown key `mtuu` in an interface (did you mean `mtu`?)',
      'shape.yaml:7:102: unknown key `zzz` in an interface (allowed: name, device, mac, address, addresses, gateway, gateway6, dns, dhcp, dhcp4, dhcp6, mode, mtu, routes)',
    ],
  )
})

test('a profile is checked once as written: its error is reported once however many instances use it, and an unused profile is checked too', () => {
  assert.deepEqual(
    issuesOf(
      [
        'profiles:',
        '  waf: {interfaces: [{name: m, mtu: big}]}',
        '  unused: {meta_data: [1], password: 5}',
        'instances:',
        '  - {id: a, ip: 10.0.0.2, profile: waf, interfaces: [{name: m, mac: "52:54:00:00:00:01"}]}',
        '  - {id: b, ip: 10.0.0.3, profile: waf, interfaces: [{name: m, mac: "52:54:00:00:00:02"}]}',
        '',
      ].join('\n'),
    ),
    [
      'shape.yaml:2:37: mtu must be an integer 68-65535 (e.g. mtu: 9000)',
      'shape.yaml:3:23: meta_data must be a mapping (e.g. meta_data: {role: waf, rack: b12})',
      'shape.yaml:3:38: password must be a string (it is served once by the CloudStack password server)',
    ],
  )
})

test('mappings and lists where they belong, user_data parts, string fields: the messages the loader always gave', () => {
  assert.deepEqual(
    issuesOf(
      [
        'profiles:',
        '  p: [1]',
        'instances:',
        '  - 7',
        '  - {id: "", ip: 10.0.0.9, user_data: [5, {type: text/x-shellscript}], vendor_data: {a: 1}, interfaces: [3, {mac: "52:54:00:00:00:09"}]}',
        '',
      ].join('\n'),
    ),
    [
      'shape.yaml:2:6: profile `p` must be a mapping',
      'shape.yaml:4:5: each instance must be a mapping (e.g. - {id: waf-01, ip: 10.0.0.2, profile: waf})',
      'shape.yaml:5:10: id must be a non-empty string (e.g. waf-01)',
      'shape.yaml:5:40: a user_data part must be a string or {content, type, filename}',
      'shape.yaml:5:43: a user_data part needs `content:` (a string) (e.g. - {content: "#!/bin/sh\\necho hi", filename: hello.sh})',
      'shape.yaml:5:85: vendor_data must be a string (a cloud-config, a script…) or a list of parts (e.g. user_data: |\n  #!/bin/sh\n  echo hi)',
      'shape.yaml:5:106: each interface must be a mapping (e.g. - {name: mgmt, mac: "52:54:00:00:00:01", address: 10.0.0.2/24})',
      'shape.yaml:5:109: interface has no `name:` (e.g. name: mgmt (profile and instance interfaces are matched by name))',
    ],
  )
})

test('checkInventoryShape: a well-formed value has no issues; empty keys (YAML null) are no value', () => {
  assert.deepEqual(checkInventoryShape({profiles: null, instances: [{id: 'a', ip: '10.0.0.2', interfaces: null, meta_data: null}]}), [])
  assert.deepEqual(checkInventoryShape({instances: [{id: 'a', interfaces: [{name: 'm', dhcp: 'yes'}]}]}), [
    {path: ['instances', 0, 'interfaces', 0, 'dhcp'], key: false, message: 'dhcp must be true or false'},
  ])
})
