import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadInventory, parseInventory, shareStrings} from '../../../src/metadata/inventory.js'
import {InventoryError} from '../../../src/errors.js'
import {KEY, sampleInstances, tempDir} from '../../helpers/metadata.js'

function issuesOf(text: string, file = 'inv.yaml'): Array<{file: string; line: number; column: number; message: string; hint?: string}> {
  try {
    parseInventory([{file, text}])
  } catch (err) {
    assert.ok(err instanceof InventoryError, String(err))
    assert.equal(err.exitCode, 2)
    return (err.details?.['issues'] ?? []) as Array<{file: string; line: number; column: number; message: string}>
  }
  assert.fail('expected the inventory to be rejected')
}

const GOOD = `profiles:
  waf:
    meta_data: {role: waf, tier: edge}
    user_data: |
      #!/bin/sh
      echo "{{ hostname }} {{ role }} {{ rack }}" > /etc/motd
    interfaces:
      - {name: mgmt, device: ens3}
      - {name: inspect, mode: inline}
instances:
  - id: waf-01
    ip: 200.0.0.2
    profile: waf
    meta_data: {rack: b12, tier: core}
    public_keys: ["${KEY}"]
    interfaces:
      - {name: mgmt, mac: "52-54-00-AA-00-01", address: 200.0.0.2/24, gateway: 200.0.0.1}
      - {name: inspect, mac: "52:54:00:aa:02:01"}
  - id: waf-02
    ip: "::ffff:200.0.0.3"
    profile: waf
    meta_data: {rack: b13}
    user_data: "#cloud-config\\nhostname: {{ hostname | upper }}\\n"
    interfaces:
      - {name: mgmt, mac: "52:54:00:aa:00:02", dhcp: true}
      - {name: inspect, mac: "52:54:00:aa:02:02"}
`

test('layering: instance beats profile, meta_data merges, user_data is replaced, interfaces merge by name', () => {
  const {instances} = parseInventory([{file: 'inv.yaml', text: GOOD}])
  const [a, b] = instances
  assert.ok(a && b)
  assert.deepEqual(a.meta, {role: 'waf', tier: 'core', rack: 'b12'})
  assert.equal(a.userData, '#!/bin/sh\necho "waf-01 waf b12" > /etc/motd\n')
  assert.equal(b.userData, '#cloud-config\nhostname: WAF-02\n')
  assert.equal(a.interfaces[0]!.device, 'ens3', 'device from the profile')
  assert.equal(a.interfaces[0]!.mac, '52:54:00:aa:00:01', 'MAC normalised')
  assert.equal(a.interfaces[1]!.mode, 'inline')
  assert.equal(a.mac, '52:54:00:aa:00:01', 'primary MAC defaults to the first NIC')
  assert.equal(b.ip, '200.0.0.3', 'IPv4-mapped IPv6 normalised')
  assert.equal(a.hostname, 'waf-01', 'hostname defaults to id')
  assert.equal(a.uuid, 'waf-01')
  assert.equal(a.source, 'inv.yaml:11:5')
  assert.equal(b.interfaces.length, 2)
  assert.equal(b.interfaces[0]!.dhcp4, true)
})

test('a profile NIC the instance gives no MAC for is an error at the instance, naming the profile', () => {
  const issues = issuesOf(`profiles:
  waf:
    interfaces: [{name: mgmt}]
instances:
  - id: waf-01
    ip: 10.0.0.2
    profile: waf
`)
  assert.equal(issues.length, 1)
  assert.deepEqual([issues[0]!.line, issues[0]!.column], [5, 9])
  assert.match(issues[0]!.message, /interface `mgmt` \(from profile `waf`\) of instance `waf-01` has no `mac:`/)
})

const BAD_CASES: Array<{name: string; yaml: string; line: number; column: number; message: RegExp; hint?: RegExp}> = [
  {
    name: 'duplicate id',
    yaml: 'instances:\n  - {id: a, ip: 10.0.0.1}\n  - {id: a, ip: 10.0.0.2}\n',
    line: 3,
    column: 10,
    message: /duplicate id `a`/,
    hint: /first used at inv\.yaml:2:10/,
  },
  {
    name: 'duplicate ip (v4-mapped form)',
    yaml: 'instances:\n  - {id: a, ip: 10.0.0.1}\n  - {id: b, ip: "::ffff:10.0.0.1"}\n',
    line: 3,
    column: 17,
    message: /ip 10\.0\.0\.1 is already used/,
  },
  {
    name: 'ip with a prefix',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1/24\n',
    line: 3,
    column: 9,
    message: /not an IPv4 or IPv6 address/,
    hint: /ip: 10\.0\.0\.1/,
  },
  {name: 'missing ip', yaml: 'instances:\n  - id: a\n', line: 2, column: 9, message: /has no `ip:`/},
  {
    name: 'bad MAC',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    interfaces:\n      - {name: m, mac: "52:54:00:zz:00:01"}\n',
    line: 5,
    column: 24,
    message: /is not a MAC address/,
  },
  {
    name: 'duplicate MAC across VMs',
    yaml: 'instances:\n  - {id: a, ip: 10.0.0.1, interfaces: [{name: m, mac: "52:54:00:00:00:01"}]}\n  - {id: b, ip: 10.0.0.2, interfaces: [{name: m, mac: "52:54:00:00:00:01"}]}\n',
    line: 3,
    column: 55,
    message: /already used by instance `a`/,
  },
  {
    name: 'address without prefix',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    interfaces:\n      - {name: m, mac: "52:54:00:00:00:01", address: 10.0.0.1}\n',
    line: 5,
    column: 54,
    message: /not in CIDR form/,
    hint: /10\.0\.0\.1\/24/,
  },
  {
    name: 'v6 gateway in gateway',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    interfaces:\n      - {name: m, mac: "52:54:00:00:00:01", address: 10.0.0.1/24, gateway: "fd00::1"}\n',
    line: 5,
    column: 76,
    message: /not an IPv4 address/,
    hint: /gateway6/,
  },
  {
    name: 'inline port with an address',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    interfaces:\n      - {name: m, mac: "52:54:00:00:00:01", mode: inline, address: 10.0.0.1/24}\n',
    line: 5,
    column: 51,
    message: /inline but has an address/,
  },
  {
    name: 'unknown key with a suggestion',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    hostnmae: x\n',
    line: 4,
    column: 5,
    message: /unknown key `hostnmae`/,
    hint: /did you mean `hostname`/,
  },
  {
    name: 'unknown profile',
    yaml: 'profiles:\n  waf: {}\ninstances:\n  - {id: a, ip: 10.0.0.1, profile: wfa}\n',
    line: 4,
    column: 36,
    message: /unknown profile `wfa`/,
    hint: /did you mean `waf`/,
  },
  {
    name: 'unknown template variable in a block scalar',
    yaml: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    user_data: |\n      #!/bin/sh\n      echo {{ hostnme }}\n',
    line: 6,
    column: 12,
    message: /unknown template variable `hostnme`/,
    hint: /did you mean `hostname`/,
  },
  {
    name: 'bad public key',
    yaml: 'instances:\n  - {id: a, ip: 10.0.0.1, public_keys: ["not a key"]}\n',
    line: 2,
    column: 41,
    message: /OpenSSH public key/,
  },
  {name: 'YAML syntax error', yaml: 'instances:\n  - {id: a, ip: 10.0.0.1\n', line: 3, column: 1, message: /^YAML:/},
  {
    name: 'duplicate key',
    yaml: 'instances:\n  - id: a\n    id: b\n    ip: 10.0.0.1\n',
    line: 3,
    column: 5,
    message: /YAML: Map keys must be unique/,
  },
]

for (const c of BAD_CASES) {
  test(`invalid inventory (${c.name}) is reported at file:line:column`, () => {
    const issues = issuesOf(c.yaml)
    const hit = issues.find((i) => c.message.test(i.message))
    assert.ok(hit, `no issue matching ${c.message}: ${JSON.stringify(issues)}`)
    assert.deepEqual({file: hit.file, line: hit.line, column: hit.column}, {file: 'inv.yaml', line: c.line, column: c.column})
    if (c.hint) assert.match(hit.hint ?? '', c.hint)
  })
}

test('every problem is reported at once, and the message lists them as file:line:column', () => {
  try {
    parseInventory([{file: 'x.yaml', text: 'instances:\n  - {id: a}\n  - {id: b, ip: nope}\n'}])
    assert.fail('expected rejection')
  } catch (err) {
    assert.ok(err instanceof InventoryError)
    assert.match(err.message, /2 problems/)
    assert.match(err.message, /^x\.yaml:2:10: instance `a` has no `ip:`/m)
    assert.match(err.message, /^x\.yaml:3:17: ip `nope` is not an IPv4 or IPv6 address/m)
  }
})

test('a directory of YAML files is read in name order; profiles may live in another file', async () => {
  const t = tempDir()
  try {
    t.write('10-profiles.yaml', 'profiles:\n  ips: {meta_data: {role: ips}}\n')
    t.write('20-rack-a.yml', 'instances:\n  - {id: ips-01, ip: 10.0.0.1, profile: ips}\n')
    t.write('30-rack-b.yaml', 'instances:\n  - {id: ips-02, ip: 10.0.0.1, profile: ips}\n')
    t.write('notes.txt', 'ignored')
    await assert.rejects(loadInventory(t.dir), (err: InventoryError) => {
      const issue = (err.details?.['issues'] as Array<{file: string; hint?: string}>)[0]!
      assert.match(issue.file, /30-rack-b\.yaml$/)
      assert.match(issue.hint ?? '', /20-rack-a\.yml:2:22/)
      return true
    })
    t.write('30-rack-b.yaml', 'instances:\n  - {id: ips-02, ip: 10.0.0.2, profile: ips}\n')
    const inv = await loadInventory(t.dir)
    assert.deepEqual(
      inv.instances.map((i) => [i.id, i.meta['role']]),
      [
        ['ips-01', 'ips'],
        ['ips-02', 'ips'],
      ],
    )
    assert.equal(inv.files.length, 3)
  } finally {
    t.cleanup()
  }
})

test('a missing inventory path is an InventoryError with exit code 2', async () => {
  await assert.rejects(
    loadInventory('/nonexistent/inventory.yaml'),
    (err: InventoryError) => err.exitCode === 2 && /ENOENT/.test(err.message),
  )
})

test('several user_data parts become one MIME multipart document; a jinja part is left untouched', () => {
  const {instances} = parseInventory([
    {
      file: 'inv.yaml',
      text: 'instances:\n  - id: a\n    ip: 10.0.0.1\n    user_data:\n      - "#cloud-config\\nhostname: {{ hostname }}\\n"\n      - "## template: jinja\\n#!/bin/sh\\necho {{ v1.local_hostname }}\\n"\n      - {content: "#!/bin/sh\\necho {{ id }}\\n", filename: run.sh}\n',
    },
  ])
  const ud = instances[0]!.userData!
  const boundary = /boundary="([^"]+)"/.exec(ud)![1]!
  assert.match(ud, /^Content-Type: multipart\/mixed; boundary="/)
  assert.equal(ud.split(`--${boundary}\n`).length - 1, 3)
  assert.match(ud, /Content-Type: text\/cloud-config[^\n]*\n[\s\S]*?hostname: a\n/)
  assert.match(ud, /Content-Type: text\/jinja2[^\n]*\n[\s\S]*?echo \{\{ v1\.local_hostname \}\}/)
  assert.match(ud, /filename="run\.sh"\n\n#!\/bin\/sh\necho a\n/)
  assert.ok(ud.endsWith(`--${boundary}--\n`))
  const again = parseInventory([
    {file: 'inv.yaml', text: 'instances:\n  - {id: a, ip: 10.0.0.1, user_data: ["#!/bin/sh\\n", "#cloud-config\\n"]}\n'},
  ]).instances[0]!.userData
  assert.equal(
    again,
    parseInventory([{file: 'other.yaml', text: 'instances:\n  - {id: a, ip: 10.0.0.1, user_data: ["#!/bin/sh\\n", "#cloud-config\\n"]}\n'}])
      .instances[0]!.userData,
    'boundary is stable',
  )
})

test('user_data: null on an instance removes the profile user_data', () => {
  const {instances} = parseInventory([
    {
      file: 'i.yaml',
      text: 'profiles:\n  p: {user_data: "#!/bin/sh\\n"}\ninstances:\n  - {id: a, ip: 10.0.0.1, profile: p, user_data: null}\n  - {id: b, ip: 10.0.0.2, profile: p}\n',
    },
  ])
  assert.equal(instances[0]!.userData, undefined)
  assert.equal(instances[1]!.userData, '#!/bin/sh\n')
})

test('shareStrings leaves every record as it was and ties no record to another', () => {
  const instances = [
    ...sampleInstances(),
    ...sampleInstances().map((i) => ({...i, id: `${i.id}-b`, meta: structuredClone(i.meta), interfaces: structuredClone(i.interfaces)})),
  ]
  const before = structuredClone(instances)
  shareStrings(instances)
  shareStrings(instances, new Map([['waf', 'waf']]))
  assert.deepEqual(instances, before)
  instances[0]!.interfaces[0]!.dns.push('10.9.9.9')
  instances[0]!.meta['role'] = 'changed'
  assert.deepEqual(instances[3]!.interfaces[0]!.dns, before[3]!.interfaces[0]!.dns)
  assert.equal(instances[3]!.meta['role'], 'waf')
})
