/**
 * `netops loop trace` end to end in process: traceLoop with the command's own IO (src/cli/loop.ts)
 * against lab switches started from topologies (real SSH, the lab's IOS-XE / NX-OS answers), one or
 * two switches (the second reached through ~/.ssh/config), and the node side answered by a
 * FakeExecutor with outputs captured from a real Open vSwitch 3.1 (test/fixtures/ovs/node/README.md):
 * br0 with eth0 52:54:00:0e:00:00 and eth1 52:54:00:0e:00:01, STP off / STP on (eth1 blocking) /
 * a bond of eth2 and eth3. lldpd is not installed there (lldpctl: command not found), as on most nodes.
 * Then a few runs of the built CLI (exit codes, --json, human output).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {SshUnreachableError} from '../../../src/errors.js'
import {loopTraceIo, loopTraceOptions, type LoopTraceFlagValues} from '../../../src/cli/loop.js'
import {renderLoopTrace} from '../../../src/cli/render/loop.js'
import {startLabTopology} from '../../../src/lab/switch/index.js'
import {parseTopology} from '../../../src/lab/switch/topology.js'
import {traceJson, traceLoop, type LoopTrace} from '../../../src/loop/trace.js'
import type {Executor} from '../../../src/ovs/executor.js'
import {REPO, runCli} from '../../helpers/cli.js'
import {FakeExecutor} from '../../helpers/ovs.js'

const NODE = join(REPO, 'test/fixtures/ovs/node')
const fixture = (name: string): string => readFileSync(join(NODE, name), 'utf8')
/** What `ovs-appctl fdb/show br0` prints for an empty table. */
const EMPTY_FDB = ' port  VLAN  MAC                Age\n'

type NodeCase = 'stp-off' | 'stp-blocking' | 'bond'

/** node1 as the real OVS answered (see the file comment); `hostname` says node1. */
function node1(which: NodeCase): FakeExecutor {
  const files = {
    'stp-off': {
      link: 'ip-link-two-nics.json',
      topology: 'vsctl-topology-two-nics-stp-off.json',
      fdb: fixture('fdb-show-two-nics-stp-off.txt'),
    },
    'stp-blocking': {link: 'ip-link-two-nics.json', topology: 'vsctl-topology-two-nics-stp-blocking.json', fdb: EMPTY_FDB},
    bond: {link: 'ip-link-bond.json', topology: 'vsctl-topology-bond.json', fdb: fixture('fdb-show-bond.txt')},
  }[which]
  return new FakeExecutor(
    [
      ['ip -j link', {stdout: fixture(files.link)}],
      ['list Bridge', {stdout: fixture(files.topology)}],
      ['fdb/show', {stdout: files.fdb}],
      ['stp/show', {stdout: fixture('stp-show-br0-two-nics-blocking.txt')}],
      ['lldpctl', {exitCode: 127, stderr: 'lldpctl: command not found'}],
      ['hostname', {stdout: 'node1\n'}],
    ],
    'node1',
  )
}

const ETH0 = '52:54:00:0e:00:00'
const ETH1 = '52:54:00:0e:00:01'

/** sw1 (IOS-XE): Gi1/0/19 and Gi1/0/20 in VLAN 10 cabled to node1 eth0/eth1 (lldpd on the node), a host on Gi1/0/5, VLAN 20 on Gi1/0/30. */
const TWO_NICS = (state19 = 'up', lldp = true): string => `
switches:
  - hostname: sw1
    platform: ios
    mgmt_address: 192.0.2.11
    vlans: {10: compute, 20: storage}
    ports:
      Gi1/0/19: {vlan: 10, state: ${state19}, cable: {node: node1, nic: eth0, mac: "${ETH0}", lldp: ${lldp}, mgmt_address: 192.0.2.21}}
      Gi1/0/20: {vlan: 10, cable: {node: node1, nic: eth1, mac: "${ETH1}", lldp: ${lldp}, mgmt_address: 192.0.2.21}}
      Gi1/0/5: {vlan: 10, learned: ["00:50:56:00:00:05"]}
      Gi1/0/30: {vlan: 20, learned: ["00:50:56:00:00:30"]}
`

interface Lab {
  ports: Record<string, number>
  close(): Promise<void>
}

async function lab(yaml: string): Promise<Lab> {
  const parsed = parseTopology(yaml, 'test.yaml')
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
  const started = await startLabTopology(parsed.switches)
  return {ports: Object.fromEntries(started.switches.map((s) => [s.device.hostname, s.port])), close: () => started.close()}
}

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'netops-trace-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

/** ~/.ssh/config of the test: node1 and (when given) sw2 / sw1 have Host entries. */
function sshConfig(sw2Port?: number, sw1Port?: number): string {
  const file = join(dir, `ssh_config-${sw2Port ?? 0}-${sw1Port ?? 0}`)
  const lines = ['Host node1', '  HostName 192.0.2.21', '  User ops']
  if (sw2Port !== undefined) lines.push('Host sw2', '  HostName 127.0.0.1', `  Port ${sw2Port}`, '  User admin')
  if (sw1Port !== undefined) lines.push('Host sw1', '  HostName 127.0.0.1', `  Port ${sw1Port}`, '  User admin')
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

let runs = 0
/** The command's flags for the lab; a known_hosts file per run (a port reused by a later lab has a new host key). */
function flags(port: number, over: Partial<LoopTraceFlagValues> = {}): LoopTraceFlagValues {
  return {
    switch: '127.0.0.1',
    port: '19',
    'ssh-port': port,
    username: 'admin',
    password: 'admin',
    'enable-password': 'cisco',
    platform: 'auto',
    'host-key-policy': 'accept-new',
    'known-hosts': join(dir, `known_hosts-${++runs}`),
    'legacy-ssh': false,
    timeout: 10,
    sudo: false,
    ...over,
  }
}

/** traceLoop with the command's IO, the node answered by `node` (the hosts asked for are recorded). */
async function trace(
  f: LoopTraceFlagValues,
  node: (host: string) => Executor | Promise<Executor>,
  sshConfigFile = sshConfig(),
): Promise<{t: LoopTrace; nodes: string[]; warnings: string[]}> {
  const warnings: string[] = []
  const nodes: string[] = []
  const io = loopTraceIo(f, {NETOPS_SSH_CONFIG: sshConfigFile, USER: 'tester'}, {warn: (m) => warnings.push(m)})
  io.openNode = async (host) => {
    nodes.push(host)
    return node(host)
  }
  return {t: await traceLoop(io, loopTraceOptions(f)), nodes, warnings}
}

const links = (t: LoopTrace): string[][] => t.links.map((l) => [l.switch, l.switchPort, l.nic])

describe('loop trace, one switch, node1 with two NICs in br0', () => {
  let up: Lab
  before(async () => {
    up = await lab(TWO_NICS())
  })
  after(() => up?.close())

  test('STP off, --node node1: bridge-loop naming both switch ports, the plan fixes the node first', async () => {
    const exec = node1('stp-off')
    const {t, nodes} = await trace(flags(up.ports['sw1']!, {node: 'node1', sudo: true}), () => exec)
    assert.deepEqual(nodes, ['node1'])
    assert.equal(t.verdict, 'bridge-loop')
    assert.equal(t.switch, 'sw1')
    assert.equal(t.port, 'GigabitEthernet1/0/19')
    assert.equal(t.node, 'node1')
    assert.deepEqual(t.switches, ['sw1'])
    assert.deepEqual(links(t), [
      ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
      ['sw1', 'GigabitEthernet1/0/20', 'eth1'],
    ])
    assert.equal(t.nodeIdentifiedBy[0], '--node node1')
    assert.ok(t.nodeIdentifiedBy.includes(`sw1 Gi1/0/19 learned eth0's MAC ${ETH0} in VLAN 10`), t.nodeIdentifiedBy.join('\n'))
    assert.deepEqual(t.bridge?.name, 'br0')
    assert.ok(t.evidence.includes('br0 has STP and RSTP off: eth0 and eth1 forward into each other'), t.evidence.join('\n'))
    assert.ok(t.evidence.includes('sw1 Gi1/0/19 is connected, keepalive on, description "node1 eth0"'), t.evidence.join('\n'))
    assert.equal(t.plan.node[0], 'netops ovs stp on br0 --host node1 --sudo')
    assert.deepEqual(t.plan.switch, [
      `netops switch fix-loop --host 127.0.0.1 --ssh-port ${up.ports['sw1']} --username admin --port Gi1/0/19`,
    ])
    assert.ok(!t.links.some((l) => l.switchPort === 'GigabitEthernet1/0/30'), 'VLAN 20 is another domain')
    assert.deepEqual(
      t.switchSide.peers.map((p) => p.port),
      ['GigabitEthernet1/0/5', 'GigabitEthernet1/0/20'],
      'the up ports of VLAN 10',
    )
    assert.ok(exec.calls.some((c) => c[0] === 'hostname'))
    assert.ok(!exec.calls.some((c) => c.some((a) => /set|add-|del-/.test(a) && c[0] === 'ovs-vsctl')), 'read-only on the node')
    const json = traceJson(t)
    assert.deepEqual(Object.keys(json), [
      'switch',
      'port',
      'node',
      'nodeIdentifiedBy',
      'switches',
      'links',
      'bridge',
      'verdict',
      'evidence',
      'plan',
      'apply',
    ])
    const human = renderLoopTrace(t)
    assert.ok(human.includes('sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw1 Gi1/0/20 (VLAN 10)'), human)
    for (const line of human.split('\n')) assert.ok(line.length <= 80, `over 80 columns: ${line}`)
  })

  test('no --node: node1 identified from the LLDP neighbour on the port and its ~/.ssh/config Host entry', async () => {
    const {t, nodes} = await trace(flags(up.ports['sw1']!), () => node1('stp-off'))
    assert.deepEqual(nodes, ['node1'], 'opened by its ssh_config alias, not the address it advertises')
    assert.equal(t.node, 'node1')
    assert.deepEqual(t.nodeIdentifiedBy, [
      'LLDP on sw1 Gi1/0/19: system name node1, reached through ~/.ssh/config Host entry node1 (HostName 192.0.2.21)',
    ])
    assert.equal(t.verdict, 'bridge-loop')
    assert.equal(t.plan.node[0], 'netops ovs stp on br0 --host node1')
  })

  test('STP on, eth1 alternate/blocking: stp-blocked, switch-side fix only', async () => {
    const {t} = await trace(flags(up.ports['sw1']!, {node: 'node1'}), () => node1('stp-blocking'))
    assert.equal(t.verdict, 'stp-blocked')
    assert.ok(t.evidence.includes('br0 STP on: port eth1 is alternate blocking: no loop'), t.evidence.join('\n'))
    assert.deepEqual(t.plan.node, [])
    assert.equal(t.plan.switch.length, 1)
  })

  test('the node cannot be reached: verdict unknown with the reason, nothing planned (not an error)', async () => {
    const {t} = await trace(flags(up.ports['sw1']!, {node: 'node1'}), () => {
      throw new SshUnreachableError('cannot reach ops@192.0.2.21:22: no route to host')
    })
    assert.equal(t.verdict, 'unknown')
    assert.equal(t.nodeSide, null)
    assert.equal(t.nodeError, 'node1: cannot reach ops@192.0.2.21:22: no route to host')
    assert.ok(t.evidence[0]?.startsWith('the node could not be read: node1: cannot reach'), t.evidence.join('\n'))
    assert.deepEqual(t.plan, {node: [], switch: []})
  })
})

describe('loop trace on the err-disabled port (the story of issue 13)', () => {
  let up: Lab
  before(async () => {
    up = await lab(TWO_NICS('err-disabled'))
  })
  after(() => up?.close())

  test('nothing is learned on Gi1/0/19: node1 found on its VLAN peer Gi1/0/20, the port tied to eth0 by its description: bridge-loop', async () => {
    const {t} = await trace(flags(up.ports['sw1']!), () => node1('stp-off'))
    assert.equal(t.node, 'node1')
    assert.deepEqual(t.nodeIdentifiedBy, [
      'LLDP on sw1 Gi1/0/20: system name node1, reached through ~/.ssh/config Host entry node1 (HostName 192.0.2.21)',
    ])
    assert.equal(t.verdict, 'bridge-loop')
    assert.deepEqual(links(t), [
      ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
      ['sw1', 'GigabitEthernet1/0/20', 'eth1'],
    ])
    assert.deepEqual(t.links[0]?.evidence, [
      'the description of sw1 Gi1/0/19 names eth0 ("node1 eth0"); nothing is learned on the port now',
    ])
    assert.ok(t.evidence.includes('sw1 Gi1/0/19 is err-disabled (loopback), keepalive on, description "node1 eth0"'), t.evidence.join('\n'))
  })
})

describe('loop trace: bond and single link', () => {
  test('eth2 and eth3 in the OVS bond bond0 facing Gi1/0/19 and Gi1/0/20: bond, no loop', async () => {
    const up = await lab(`
switches:
  - hostname: sw1
    vlans: {10: compute}
    ports:
      Gi1/0/19: {vlan: 10, cable: {node: node1, nic: eth2, mac: "06:12:88:2a:73:94", lldp: true}}
      Gi1/0/20: {vlan: 10, cable: {node: node1, nic: eth3, mac: "da:c6:45:f9:cf:b0", lldp: true}}
`)
    try {
      const {t} = await trace(flags(up.ports['sw1']!, {node: 'node1'}), () => node1('bond'))
      assert.equal(t.verdict, 'bond')
      assert.ok(t.evidence.includes('eth2 and eth3 are members of the OVS bond bond0 on br0: no loop'), t.evidence.join('\n'))
      assert.deepEqual(t.plan.node, [])
      assert.ok(renderLoopTrace(t).includes('sw1 Gi1/0/19 ── eth2 [br0 bond0, STP off] eth3 ── sw1 Gi1/0/20 (VLAN 10)'))
    } finally {
      await up.close()
    }
  })

  test('only eth0 is cabled (eth1 of br0 faces nothing the switch sees): single-link, the keepalive test is fooled', async () => {
    const up = await lab(`
switches:
  - hostname: sw1
    vlans: {10: compute}
    ports:
      Gi1/0/19: {vlan: 10, cable: {node: node1, nic: eth0, mac: "${ETH0}", cdp: true}}
      Gi1/0/5: {vlan: 10, learned: ["00:50:56:00:00:05"]}
`)
    try {
      const {t} = await trace(flags(up.ports['sw1']!, {node: 'node1'}), () => node1('stp-off'))
      assert.equal(t.verdict, 'single-link')
      assert.deepEqual(links(t), [['sw1', 'GigabitEthernet1/0/19', 'eth0']])
      assert.deepEqual(t.plan.node, [])
      assert.ok(t.evidence.some((e) => /keepalive test is fooled/.test(e)))
    } finally {
      await up.close()
    }
  })
})

/** node1 eth0 → sw1 (IOS-XE) Gi1/0/19; eth1 → sw2 (NX-OS) Eth1/20; sw1 Gi1/0/24 ↔ sw2 Eth1/1 trunk carrying VLAN 10. */
const TWO_SWITCHES = (sw2Mgmt: boolean): string => `
switches:
  - hostname: sw1
    platform: IOS-XE
    vlans: {10: compute}
    ports:
      Gi1/0/19: {vlan: 10, cable: {node: node1, nic: eth0, mac: "${ETH0}", lldp: true, mgmt_address: 192.0.2.21}}
      Gi1/0/24: {mode: trunk, vlans: [10], cable: {switch: sw2, port: Eth1/1}}
  - hostname: sw2
    platform: nxos
    ${sw2Mgmt ? 'mgmt_address: 192.0.2.12' : ''}
    vlans: {10: compute}
    ports:
      20: {vlan: 10, cable: {node: node1, nic: eth1, mac: "${ETH1}", lldp: true}}
      7: {vlan: 10, learned: ["00:50:56:00:00:07"]}
      Eth1/1: {mode: trunk, vlans: [10]}
`

describe('loop trace across two switches', () => {
  test('eth1 faces the second switch, found by LLDP on the trunk and opened through ~/.ssh/config: bridge-loop across switches', async () => {
    const up = await lab(TWO_SWITCHES(false))
    try {
      const {t} = await trace(flags(up.ports['sw1']!), () => node1('stp-off'), sshConfig(up.ports['sw2']))
      assert.deepEqual(t.switches, ['sw1', 'sw2'])
      assert.equal(t.verdict, 'bridge-loop')
      assert.deepEqual(links(t), [
        ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
        ['sw2', 'Ethernet1/20', 'eth1'],
      ])
      assert.ok(
        t.evidence.includes(
          'read sw2 (LLDP neighbour of sw1 Gi1/0/24) through ~/.ssh/config Host entry sw2 (HostName 127.0.0.1): 2 up ports in VLAN 10 (Eth1/7, Eth1/20)',
        ),
        t.evidence.join('\n'),
      )
      assert.ok(
        t.evidence.some((e) => e.startsWith('eth1 faces sw2 Eth1/20; sw2 is LLDP neighbour of sw1 Gi1/0/24')),
        t.evidence.join('\n'),
      )
      assert.ok(
        t.switchSide.peers.every((p) => p.switch !== 'sw2' || p.port !== 'Ethernet1/1'),
        'the trunk back to sw1 is no peer',
      )
      assert.ok(renderLoopTrace(t).includes('sw1 Gi1/0/19 ── eth0 [br0, STP off] eth1 ── sw2 Eth1/20 (VLAN 10)'))
    } finally {
      await up.close()
    }
  })

  test('traced from the NX-OS side (sw2 Eth1/20, node1 eth1): sw1 found over the trunk, eth0 behind it: bridge-loop', async () => {
    const up = await lab(TWO_SWITCHES(false))
    try {
      const f = flags(up.ports['sw2']!, {port: 'Eth1/20', node: 'node1'})
      const {t} = await trace(f, () => node1('stp-off'), sshConfig(undefined, up.ports['sw1']))
      assert.equal(t.switch, 'sw2')
      assert.equal(t.port, 'Ethernet1/20')
      assert.deepEqual(t.switches, ['sw2', 'sw1'])
      assert.equal(t.verdict, 'bridge-loop')
      assert.deepEqual(links(t), [
        ['sw2', 'Ethernet1/20', 'eth1'],
        ['sw1', 'GigabitEthernet1/0/19', 'eth0'],
      ])
      assert.deepEqual(t.plan.switch, [
        `netops switch fix-loop --host 127.0.0.1 --ssh-port ${up.ports['sw2']} --username admin --port Eth1/20`,
      ])
    } finally {
      await up.close()
    }
  })

  test('a second switch that cannot be opened is evidence, not a failure: the trace goes on with sw1 alone', async () => {
    const up = await lab(TWO_SWITCHES(false))
    try {
      const {t} = await trace(flags(up.ports['sw1']!), () => node1('stp-off'))
      assert.deepEqual(t.switches, ['sw1'])
      assert.ok(
        t.evidence.includes(
          'could not read sw2 (LLDP neighbour of sw1 Gi1/0/24): no ~/.ssh/config Host entry names sw2 and it advertises no management address',
        ),
        t.evidence.join('\n'),
      )
      assert.equal(t.verdict, 'single-link', 'eth1 is not seen from sw1')
    } finally {
      await up.close()
    }
  })
})

describe('loop trace: nobody to ask', () => {
  test('no LLDP/CDP neighbour and no --node: node null, verdict unknown, the evidence says what was seen and to pass --node', async () => {
    const up = await lab(TWO_NICS('up', false))
    try {
      const {t, nodes} = await trace(flags(up.ports['sw1']!), () => node1('stp-off'))
      assert.deepEqual(nodes, [], 'no node is opened')
      assert.equal(t.node, null)
      assert.equal(t.verdict, 'unknown')
      assert.deepEqual(t.nodeIdentifiedBy, [])
      assert.deepEqual(t.evidence.slice(0, 2), [
        'no node identified: no LLDP/CDP neighbour other than switches on sw1 Gi1/0/19 or the up ports of its VLAN',
        'pass --node HOST (an ssh host or ~/.ssh/config alias), or --node local',
      ])
      assert.deepEqual(t.plan, {node: [], switch: []})
    } finally {
      await up.close()
    }
  })
})

describe('loop trace, the built CLI', () => {
  let up: Lab
  let env: Record<string, string>
  before(async () => {
    up = await lab(TWO_NICS('up', false))
    env = {
      NETOPS_PASSWORD: 'admin',
      NETOPS_ENABLE_PASSWORD: 'cisco',
      NETOPS_SSH_CONFIG: sshConfig(),
      XDG_CONFIG_HOME: dir,
      HOME: dir,
    }
  })
  after(() => up?.close())
  const base = (): string[] => ['loop', 'trace', '--switch', '127.0.0.1', '--ssh-port', String(up.ports['sw1']), '-u', 'admin']

  test('unknown (nobody to ask): exit 0, the verdict and what to pass; --json the contract document with apply null', async () => {
    const human = await runCli([...base(), '--port', '19'], {env})
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^sw1 GigabitEthernet1\/0\/19 → node not identified$/m)
    assert.match(human.stdout, /^verdict {2}UNKNOWN/m)
    assert.match(human.stdout, /pass --node HOST/)
    const json = await runCli([...base(), '--port', 'Gi1/0/19', '--json'], {env})
    assert.equal(json.code, 0, json.stderr)
    const doc = JSON.parse(json.stdout) as Record<string, unknown>
    assert.equal(doc['verdict'], 'unknown')
    assert.equal(doc['node'], null)
    assert.equal(doc['apply'], null)
    assert.deepEqual(doc['switches'], ['sw1'])
  })

  test('--node local whose OVS cannot be read: verdict unknown with the reason, exit 0', async () => {
    const r = await runCli([...base(), '--port', '19', '--node', 'local', '--db', `unix:${join(dir, 'no-such-db.sock')}`, '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {verdict: string; evidence: string[]; node: string}
    assert.equal(doc.node, 'local')
    assert.equal(doc.verdict, 'unknown')
    assert.match(doc.evidence[0] ?? '', /^the node could not be read: local: /)
  })

  test('a port the switch does not have: the usual not-found error, exit 5; --node local --sudo: usage error, exit 2', async () => {
    const missing = await runCli([...base(), '--port', 'Gi1/0/99', '--json'], {env})
    assert.equal(missing.code, 5)
    assert.equal((JSON.parse(missing.stdout) as {error: {code: string}}).error.code, 'NETOPS_SWITCH_PORT_NOT_FOUND')
    const sudo = await runCli([...base(), '--port', '19', '--node', 'local', '--sudo'], {env})
    assert.equal(sudo.code, 2)
    assert.match(sudo.stderr, /--sudo applies to a remote node only/)
  })
})
