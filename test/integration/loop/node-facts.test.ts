/**
 * The node side of `netops loop trace` on a REAL Open vSwitch (private ovsdb-server + ovs-vswitchd,
 * userspace datapath, in a network namespace this file creates and deletes), read through the local
 * executor: a bridge with two veth NICs (STP off, then a bond, then STP on facing a second STP bridge
 * that stands in for the switch), each joined with a switch side to the verdict.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {ovsSkip, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {LocalExecutor, type ExecResult, type Executor, type RunOptions} from '../../../src/ovs/executor.js'
import {readNodeFacts} from '../../../src/loop/node-facts.js'
import {traceVerdict} from '../../../src/loop/verdict.js'
import type {NodeSide, SwitchSide} from '../../../src/loop/types.js'

const skip = ovsSkip()

/** The local executor, run inside the test's namespace (where the NICs and ovs-vswitchd live). */
class NetnsExecutor implements Executor {
  readonly where = 'local'
  constructor(
    private readonly inner: LocalExecutor,
    private readonly netns: string,
  ) {}
  run(argv: string[], opts?: RunOptions): Promise<ExecResult> {
    return this.inner.run(['ip', 'netns', 'exec', this.netns, ...argv], opts)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

const MACS = {eth0: '52:54:00:0e:00:00', eth1: '52:54:00:0e:00:01', eth2: '52:54:00:0e:00:02', eth3: '52:54:00:0e:00:03'}
const PEER = {eth0: '00:1a:2b:3c:4d:13', eth1: '00:1a:2b:3c:4d:14', eth2: '00:1a:2b:3c:4d:15', eth3: '00:1a:2b:3c:4d:16'}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const lldpctlInstalled = ['/usr/sbin/lldpctl', '/usr/bin/lldpctl'].some((p) => existsSync(p))

/** A switch whose port 19 learned `a`'s MAC and port 20 (same VLAN 10) `b`'s. */
function switchSide(a: string, b: string): SwitchSide {
  const entry = (mac: string, port: string): SwitchSide['macs'][number] => ({vlan: 10, mac, type: 'dynamic', port})
  return {
    switch: 'sw1',
    port: 'GigabitEthernet1/0/19',
    vlans: [10],
    macs: [entry(a, 'GigabitEthernet1/0/19')],
    neighbors: [],
    peers: [{port: 'GigabitEthernet1/0/20', vlans: [10], macs: [entry(b, 'GigabitEthernet1/0/20')], neighbors: []}],
  }
}

describe('loop trace node facts on a real Open vSwitch (local executor)', {skip}, () => {
  let ovs: OvsSandbox
  let exec: NetnsExecutor
  const read = (): Promise<NodeSide> => readNodeFacts(exec, {timeoutSec: 5, node: 'node1'})

  /** One broadcast frame from a NIC's peer, so br0 learns the peer's MAC behind the NIC. */
  const frame = (dev: string): Promise<string> =>
    ovs.nsExec(
      'python3',
      '-c',
      `import socket;s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);s.bind(("${dev}",0));` +
        `s.send(b"\\xff"*6+bytes.fromhex(open("/sys/class/net/${dev}/address").read().strip().replace(":",""))+b"\\x88\\xb5"+b"netops"*10)`,
    )

  const veth = async (nic: keyof typeof MACS): Promise<void> => {
    await ovs.nsExec('ip', 'link', 'add', nic, 'address', MACS[nic], 'type', 'veth', 'peer', 'name', `${nic}-p`, 'address', PEER[nic])
    await ovs.nsExec('ip', 'link', 'set', nic, 'up')
    await ovs.nsExec('ip', 'link', 'set', `${nic}-p`, 'up')
  }

  before(async () => {
    ovs = await startOvs()
    exec = new NetnsExecutor(new LocalExecutor({env: {...process.env, ...ovs.env}}), ovs.netns)
    await ovs.addBridge('br0')
    for (const nic of ['eth0', 'eth1', 'eth2', 'eth3'] as const) await veth(nic)
    await ovs.vsctl('add-port', 'br0', 'eth0', '--', 'add-port', 'br0', 'eth1')
  })
  after(() => ovs?.stop())

  test('two veth NICs in br0 with STP off: NICs, bridge, fdb behind each NIC; with the switch side: bridge-loop', async () => {
    await sleep(1000)
    await frame('eth0-p')
    await frame('eth1-p')
    let side = await read()
    for (let i = 0; i < 20 && (side.bridges[0]?.fdb.length ?? 0) < 2; i++) {
      await sleep(250)
      side = await read()
    }
    assert.equal(side.node, 'node1')
    assert.deepEqual(
      side.nics.filter((n) => n.bridge !== undefined),
      [
        {name: 'eth0', mac: MACS.eth0, up: true, bridge: 'br0'},
        {name: 'eth1', mac: MACS.eth1, up: true, bridge: 'br0'},
      ],
    )
    assert.ok(
      side.nics.some((n) => n.name === 'eth2' && n.bridge === undefined),
      'a NIC in no bridge is still a NIC',
    )
    assert.ok(!side.nics.some((n) => n.name === 'br0'), "the bridge's internal port is no NIC")
    const [br0] = side.bridges
    assert.deepEqual(
      {...br0, fdb: undefined},
      {
        name: 'br0',
        stp: false,
        rstp: false,
        ports: [
          {name: 'br0', interfaces: ['br0'], bond: false},
          {name: 'eth0', interfaces: ['eth0'], bond: false},
          {name: 'eth1', interfaces: ['eth1'], bond: false},
        ],
        fdb: undefined,
      },
    )
    assert.deepEqual(
      br0?.fdb.filter((r) => r.mac === PEER.eth0 || r.mac === PEER.eth1).sort((a, b) => a.port.localeCompare(b.port)),
      [
        {port: 'eth0', vlan: 0, mac: PEER.eth0},
        {port: 'eth1', vlan: 0, mac: PEER.eth1},
      ],
    )
    if (!lldpctlInstalled) assert.deepEqual([side.lldp, side.neighbors], [false, []], 'no lldpd: lldp false, not an error')
    const r = traceVerdict(switchSide(MACS.eth0, MACS.eth1), side)
    assert.equal(r.verdict, 'bridge-loop')
    assert.deepEqual(
      r.links.map((l) => [l.switchPort, l.nic]),
      [
        ['GigabitEthernet1/0/19', 'eth0'],
        ['GigabitEthernet1/0/20', 'eth1'],
      ],
    )
    assert.equal(r.plan.node[0], 'netops ovs stp on br0')
  })

  test('an OVS bond of eth2 and eth3: one port, bond true, both NICs name it; with the switch side: bond', async () => {
    await ovs.vsctl('add-bond', 'br0', 'bond0', 'eth2', 'eth3', 'bond_mode=balance-slb')
    const side = await read()
    const bond = side.bridges[0]?.ports.find((p) => p.name === 'bond0')
    assert.deepEqual(bond, {name: 'bond0', interfaces: ['eth2', 'eth3'], bond: true})
    assert.deepEqual(
      side.nics.filter((n) => n.bond !== undefined).map((n) => [n.name, n.bridge, n.bond]),
      [
        ['eth2', 'br0', 'bond0'],
        ['eth3', 'br0', 'bond0'],
      ],
    )
    assert.equal(traceVerdict(switchSide(MACS.eth2, MACS.eth3), side).verdict, 'bond')
    await ovs.vsctl('del-port', 'br0', 'bond0')
  })

  test('STP on, eth0/eth1 facing a second STP bridge (root): one port alternate/blocking; with the switch side: stp-blocked', async () => {
    const timers = ['other_config:stp-hello-time=1', 'other_config:stp-max-age=6', 'other_config:stp-forward-delay=4']
    await ovs.addBridge('sw')
    await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=true', ...timers)
    await ovs.vsctl('set', 'Bridge', 'sw', 'stp_enable=true', 'other_config:stp-priority=4096', ...timers)
    await ovs.vsctl('add-port', 'sw', 'eth0-p', '--', 'add-port', 'sw', 'eth1-p')
    const settled = (s: NodeSide): boolean => {
      const states = s.bridges.find((b) => b.name === 'br0')?.ports.map((p) => p.state) ?? []
      return states.includes('blocking') && states.includes('forwarding') && !states.some((x) => x === 'listening' || x === 'learning')
    }
    let side = await read()
    for (let i = 0; i < 60 && !settled(side); i++) {
      await sleep(500)
      side = await read()
    }
    const br0 = side.bridges.find((b) => b.name === 'br0')
    assert.equal(br0?.stp, true)
    assert.deepEqual(
      br0?.ports.filter((p) => p.name !== 'br0').map((p) => [p.name, p.role, p.state]),
      [
        ['eth0', 'root', 'forwarding'],
        ['eth1', 'alternate', 'blocking'],
      ],
    )
    const r = traceVerdict(switchSide(MACS.eth0, MACS.eth1), side)
    assert.equal(r.verdict, 'stp-blocked')
    assert.deepEqual(r.plan.node, [])
  })
})
