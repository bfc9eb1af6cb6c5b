import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'
import {InputError} from '../../../src/errors.js'
import {formatProblem, parseSwitchInventory, readSwitchInventory, type InventoryProblem} from '../../../src/switch/inventory.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

/** The problems of an inventory as `line:column path: message (suggestion)`. */
function problems(text: string): string[] {
  const inv = parseSwitchInventory(text, 'sw.yaml')
  assert.equal(inv.valid, false, 'expected the inventory to be rejected')
  assert.deepEqual(inv.switches, [])
  return inv.errors.map((e: InventoryProblem) => formatProblem(e).replace(/^sw\.yaml:/, ''))
}

test('a misspelt key (usrname) is an error at the key, with a did-you-mean', () => {
  assert.deepEqual(problems(lines('switches:', '  - host: sw1', '    usrname: admin')), [
    '3:5: switches[0].usrname: unknown key `usrname` (did you mean `username`?)',
  ])
})

test('`default:` for `defaults:` is an error at 1:1 with a did-you-mean (not silently ignored)', () => {
  assert.deepEqual(problems(lines('default: {username: admin}', 'switches: [sw1]')), [
    '1:1: default: unknown key `default` (did you mean `defaults`?)',
  ])
})

test('unknown keys in defaults and groups are errors too; an unknown key far from any known one lists the allowed ones', () => {
  assert.deepEqual(problems(lines('defaults: {usernme: a}', 'groups:', '  g: {colour: red}', 'switches: [sw1]')), [
    '1:12: defaults.usernme: unknown key `usernme` (did you mean `username`?)',
    '3:7: groups.g.colour: unknown key `colour` (allowed here: port, ssh_port, username, platform)',
  ])
})

test('platform: IOS-XE, ios-xe, iosxe, NX-OS, nxos, ios are accepted (any case) and normalised', () => {
  const inv = parseSwitchInventory(
    lines(
      'switches:',
      '  - {host: a, platform: IOS-XE}',
      '  - {host: b, platform: ios-xe}',
      '  - {host: c, platform: iosxe}',
      '  - {host: d, platform: NX-OS}',
      '  - {host: e, platform: nxos}',
      '  - {host: f, platform: ios}',
      '  - {host: g, platform: Auto}',
    ),
    'sw.yaml',
  )
  assert.deepEqual(inv.errors, [])
  assert.deepEqual(
    inv.switches.map((s) => s.platform),
    ['ios', 'ios', 'ios', 'nxos', 'nxos', 'ios', 'auto'],
  )
})

test('an unknown platform is an error at its value with a did-you-mean', () => {
  assert.deepEqual(problems(lines('switches:', '  - host: a', '    platform: nxso')), [
    '3:15: switches[0].platform: unknown platform "nxso" (did you mean `nxos`?)',
  ])
})

test('ssh_port: twenty-two is an error (never NaN); out of range and fractions too; "2222" as a string is a number', () => {
  assert.deepEqual(
    problems(lines('switches:', '  - {host: a, ssh_port: twenty-two}', '  - {host: b, ssh_port: 70000}', '  - {host: c, ssh_port: 22.5}')),
    [
      '2:25: switches[0].ssh_port: expected a port number (1-65535), got "twenty-two" (e.g. ssh_port: 22)',
      '3:25: switches[1].ssh_port: expected a port number (1-65535), got 70000 (e.g. ssh_port: 22)',
      '4:25: switches[2].ssh_port: expected a port number (1-65535), got 22.5 (e.g. ssh_port: 22)',
    ],
  )
  const ok = parseSwitchInventory(lines('switches:', '  - {host: a, ssh_port: "2222"}'), 'sw.yaml')
  assert.equal(ok.switches[0]?.sshPort, 2222)
})

test('a list for port is an error (not stringified); a number is the port name as text', () => {
  assert.deepEqual(problems(lines('switches:', '  - host: a', '    port: [19, 20]')), [
    '3:11: switches[0].port: expected one switch port name or number, got a list (one switch port per entry, e.g. port: 19 or port: Gi1/0/19)',
  ])
  const ok = parseSwitchInventory(lines('switches:', '  - {host: a, port: 19}', '  - {host: b, port: Gi1/0/19}'), 'sw.yaml')
  assert.deepEqual(
    ok.switches.map((s) => s.port),
    ['19', 'Gi1/0/19'],
  )
})

test('"127.0.0.1 " with a trailing space is an error that says to remove the space; leading, inner and empty too', () => {
  assert.deepEqual(
    problems(lines('switches:', '  - host: "127.0.0.1 "', '  - " sw2"', '  - host: "tor 7"', '  - host: ""', '  - port: 19')),
    [
      '2:11: switches[0].host: "127.0.0.1 " has a trailing space (remove the space: host: 127.0.0.1)',
      '3:5: switches[1].host: " sw2" has a leading space (remove the space: host: sw2)',
      '4:11: switches[2].host: "tor 7" contains a space (e.g. host: 10.0.0.2, or an ~/.ssh/config alias: host: tor-7)',
      '5:11: switches[3].host: expected a name or address, got "" (e.g. host: 10.0.0.2, or an ~/.ssh/config alias: host: tor-7)',
      '6:5: switches[4].host: required: the switch name or address (e.g. host: 10.0.0.2, or an ~/.ssh/config alias: host: tor-7)',
    ],
  )
})

test('precedence: the switch > its groups (the first listed that sets a field wins) > defaults; each value says where it came from', () => {
  const inv = parseSwitchInventory(
    lines(
      'defaults: {username: admin, port: 19, ssh_port: 22}',
      'groups:',
      '  nexus: {platform: NX-OS, port: Eth1/19}',
      '  lab: {ssh_port: 2222, port: 7, username: lab}',
      '  empty:',
      'switches:',
      '  - {host: a, groups: [nexus, lab]}',
      '  - {host: b, groups: [lab, nexus], username: me}',
      '  - {host: c, groups: [empty]}',
      '  - d',
    ),
    'sw.yaml',
  )
  assert.deepEqual(inv.errors, [])
  assert.deepEqual(inv.groups, ['nexus', 'lab', 'empty'])
  const [a, b, c, d] = inv.switches
  assert.deepEqual(a, {
    host: 'a',
    port: 'Eth1/19',
    sshPort: 2222,
    username: 'lab',
    platform: 'nxos',
    groups: ['nexus', 'lab'],
    source: 'sw.yaml:7:5',
    line: 7,
    column: 5,
    from: {port: 'group nexus', sshPort: 'group lab', username: 'group lab', platform: 'group nexus'},
  })
  assert.deepEqual([b?.port, b?.username, b?.from.username, b?.platform], ['7', 'me', 'host', 'nxos'])
  assert.deepEqual([c?.port, c?.sshPort, c?.from.port], ['19', 22, 'defaults'])
  assert.deepEqual([d?.host, d?.username, d?.source], ['d', 'admin', 'sw.yaml:10:5'])
})

test('a switch naming an unknown group is an error at the name, with a did-you-mean, reported with the other errors', () => {
  assert.deepEqual(
    problems(
      lines(
        'groups:',
        '  nexus: {platform: nxos}',
        'switches:',
        '  - {host: a, groups: [nexsu], ssh_port: x}',
        '  - {host: b, groups: [dc9]}',
      ),
    ),
    [
      '4:24: switches[0].groups[0]: unknown group `nexsu` (did you mean `nexus`?)',
      '4:42: switches[0].ssh_port: expected a port number (1-65535), got "x" (e.g. ssh_port: 22)',
      '5:24: switches[1].groups[0]: unknown group `dc9` (defined groups: nexus)',
    ],
  )
})

test('every error of a file is collected, in line order', () => {
  const errs = problems(
    lines(
      'default: {username: admin}',
      'groups:',
      '  nexus: {platform: NX-OS, port: Eth1/19, usrname: x}',
      'switches:',
      '  - host: "127.0.0.1 "',
      '  - {host: a, ssh_port: twenty-two}',
      '  - {host: b, port: [1, 2]}',
    ),
  )
  assert.deepEqual(
    errs.map((e) => e.split(' ')[0]),
    ['1:1:', '3:43:', '5:11:', '6:25:', '7:21:'],
  )
})

test('no switches list, an empty one, a non-mapping file and YAML syntax errors are errors with positions', () => {
  assert.deepEqual(problems('defaults: {username: a}\n'), [
    '1:1: switches: required: the list of switches (write `switches:` then one `- host: NAME` line per switch)',
  ])
  assert.deepEqual(problems('switches: []\n'), [
    '1:11: switches: the `switches:` list is empty (write `switches:` then one `- host: NAME` line per switch)',
  ])
  assert.deepEqual(problems('- sw1\n'), ['1:1: an inventory is a mapping with `switches:` (and `defaults:`, `groups:`), got a list'])
  assert.deepEqual(problems(''), ['1:1: an inventory is a mapping with `switches:` (and `defaults:`, `groups:`), got nothing'])
  const yamlErrors = problems('switches:\n  - host: a\n  - host: a\n    host: b\n')
  assert.equal(yamlErrors.length, 1)
  assert.match(yamlErrors[0]!, /^4:5: YAML: /)
})

test('readSwitchInventory throws an InputError (exit 2) naming FILE:LINE:COLUMN and the key; an unreadable file too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netops-swinv-'))
  try {
    const file = join(dir, 'switches.yaml')
    writeFileSync(file, lines('switches:', '  - host: sw1', '    ssh_port: twenty-two'))
    assert.throws(
      () => readSwitchInventory(file),
      (err: unknown) => {
        assert.ok(err instanceof InputError)
        assert.equal(err.exitCode, 2)
        assert.match(err.message, new RegExp(`${file}:3:15: switches\\[0\\]\\.ssh_port: expected a port number`))
        assert.equal((err.details?.['errors'] as unknown[]).length, 1)
        return true
      },
    )
    assert.throws(
      () => readSwitchInventory(join(dir, 'missing.yaml')),
      (err: unknown) => err instanceof InputError && /ENOENT/.test(err.message),
    )
    writeFileSync(file, lines('switches:', '  - {host: sw1, port: 19}'))
    assert.deepEqual(
      readSwitchInventory(file).map((s) => [s.host, s.port]),
      [['sw1', '19']],
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('a key with nothing after it (`username:`) is an error at the key', () => {
  assert.deepEqual(problems(lines('switches:', '  - host: a', '    username:')), [
    '3:5: switches[0].username: expected a user name, got nothing (e.g. username: admin)',
  ])
})
