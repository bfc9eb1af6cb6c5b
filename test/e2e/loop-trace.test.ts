/**
 * `netops loop trace` (built CLI) on a REAL Open vSwitch node reached over a REAL OpenSSH sshd, cabled to
 * lab switches by topology files (test/helpers/loop-lab.ts): node1's eth0 / eth1 are veths with the
 * topology's MACs whose far ends meet in a bridge without STP (the switch's VLAN 10), so BPDUs br0 sends
 * on one NIC come back on the other. One node for the whole file; the scenarios rebuild br0.
 *
 *   sw1 Gi1/0/19 (err-disabled) ── node1 eth0 [br0] eth1 ── sw1 Gi1/0/20          (twoNicTopology)
 *   swa Gi1/0/19 (err-disabled) ── node1 eth0 [br0] eth1 ── swb Gi1/0/20, swa Gi1/0/24 ══ swb Gi1/0/24
 *   sw9: as sw1 but without LLDP on the node's cables (nothing names the node)
 */
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import type {LabSwitch} from '../../src/lab/switch/index.js'
import {runCli, type CliRun} from '../helpers/cli.js'
import {createLoopLab, crossSwitchTopology, loopLabSkip, twoNicTopology, type LoopLab} from '../helpers/loop-lab.js'

const skip = loopLabSkip()

interface TraceLink {
  switch: string
  switchPort: string
  nic: string
  bridge?: string
  mac: string
  evidence: string[]
}
interface TraceDoc {
  switch: string
  port: string
  node: string | null
  nodeIdentifiedBy: string[]
  switches: string[]
  links: TraceLink[]
  bridge: {
    name: string
    stp: boolean
    rstp: boolean
    ports: Array<{name: string; interfaces: string[]; bond: boolean; role?: string; state?: string}>
  } | null
  verdict: string
  evidence: string[]
  plan: {node: string[]; switch: string[]}
  apply?: unknown
}

describe('netops loop trace (built CLI, real OVS node over sshd, lab switches cabled by topology)', {skip}, () => {
  let lab: LoopLab
  let sw1: LabSwitch
  let swa: LabSwitch
  let swb: LabSwitch
  let sw9: LabSwitch

  before(async () => {
    lab = await createLoopLab()
    ;[sw1] = (await lab.startSwitches(twoNicTopology('sw1'))) as [LabSwitch]
    ;[swa, swb] = (await lab.startSwitches(crossSwitchTopology('swa', 'swb'))) as [LabSwitch, LabSwitch]
    ;[sw9] = (await lab.startSwitches(twoNicTopology('sw9', {lldp: false}))) as [LabSwitch]
    await lab.node.setBridge('loop')
  })
  after(() => lab?.destroy())

  const cli = (args: string[]): Promise<CliRun> => runCli(args, {env: lab.env, timeoutMs: 90_000})
  const trace = (args: string[]): Promise<CliRun> => cli(['loop', 'trace', '--port', '19', '--timeout', '15', ...args])
  const traceJson = async (args: string[]): Promise<TraceDoc> => {
    const r = await trace([...args, '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    return JSON.parse(r.stdout) as TraceDoc
  }
  const switchPorts = (d: TraceDoc): string[] => d.links.map((l) => `${l.switch} ${l.switchPort} ${l.nic}`).sort()
  /** Logins the node's sshd accepted so far. */
  const logins = (): number => (lab.node.sshd.log().match(/Accepted publickey/g) ?? []).length
  const stpEnable = async (): Promise<string> => (await lab.node.ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim()

  test('the lab: the node OVS answers over the sshd (ovs stp status --host node1), the lab switch over SSH (switch diagnose)', async () => {
    const st = await cli(['ovs', 'stp', 'status', 'br0', '--host', lab.node.name, '--json'])
    assert.equal(st.code, 0, st.stderr)
    const s = JSON.parse(st.stdout) as {bridge: string; stp: boolean; ports: Array<{name: string}>}
    assert.equal(s.bridge, 'br0')
    assert.equal(s.stp, false)
    assert.deepEqual(
      s.ports
        .map((p) => p.name)
        .filter((n) => n !== 'br0')
        .sort(),
      ['eth0', 'eth1'],
    )
    const links = await lab.node.ovs.nsExec('ip', '-j', 'link')
    const macs = Object.fromEntries((JSON.parse(links) as Array<{ifname: string; address: string}>).map((l) => [l.ifname, l.address]))
    assert.deepEqual([macs['eth0'], macs['eth1']], [lab.node.macs.eth0, lab.node.macs.eth1])

    const dg = await cli(['switch', 'diagnose', '--host', 'sw1', '--port', '19', '--json'])
    assert.equal(dg.code, 0, dg.stderr)
    const d = JSON.parse(dg.stdout) as {interface: string; verdict: string}
    assert.deepEqual([d.interface, d.verdict], ['GigabitEthernet1/0/19', 'keepalive-loopback'])
    assert.equal(sw1.device.lastConfigChange, null)
  })

  test('the lab: with STP on, br0 hears its own BPDUs back through the wire and blocks one NIC', async () => {
    await lab.node.setBridge('stp')
    const st = await lab.node.stpStatus()
    const nics = st.ports.filter((p) => !p.internal)
    assert.equal(nics.filter((p) => p.state === 'blocking' && p.role === 'alternate').length, 1, JSON.stringify(nics))
    assert.equal(nics.filter((p) => p.role === 'designated').length, 1, JSON.stringify(nics))
    assert.equal(st.isRoot, true)
    await lab.node.setBridge('loop')
  })

  test('two NICs of br0 with STP off facing sw1 Gi1/0/19 and Gi1/0/20 (--node): bridge-loop naming both ports, nothing sent', async () => {
    const d = await traceJson(['--switch', 'sw1', '--node', lab.node.name])
    assert.equal(d.verdict, 'bridge-loop', d.evidence.join('\n'))
    assert.deepEqual([d.switch, d.port, d.node], ['sw1', 'GigabitEthernet1/0/19', lab.node.name])
    assert.deepEqual(switchPorts(d), ['sw1 GigabitEthernet1/0/19 eth0', 'sw1 GigabitEthernet1/0/20 eth1'])
    assert.ok(d.links.every((l) => l.bridge === 'br0' && l.evidence.length > 0))
    assert.deepEqual(d.links.map((l) => l.mac).sort(), [lab.node.macs.eth0, lab.node.macs.eth1])
    assert.equal(d.bridge?.name, 'br0')
    assert.equal(d.bridge?.stp, false)
    assert.ok(
      d.nodeIdentifiedBy.some((e) => e.includes('--node')),
      d.nodeIdentifiedBy.join('; '),
    )
    assert.ok(
      d.plan.node.some((l) => /ovs stp on br0/.test(l)),
      d.plan.node.join('\n'),
    )
    assert.ok(
      d.plan.switch.some((l) => /switch fix-loop .*--port Gi1\/0\/19/.test(l)),
      d.plan.switch.join('\n'),
    )
    assert.equal(sw1.device.lastConfigChange, null)
    assert.equal(await stpEnable(), 'false')
  })

  test('the same, human: the path drawn through br0, the verdict, the plan; stderr free of errors', async () => {
    const r = await trace(['--switch', 'sw1', '--node', lab.node.name])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /sw1 Gi1\/0\/19 ── eth0 \[br0, STP off\] eth1 ── sw1 Gi1\/0\/20 \(VLAN 10\)/)
    assert.match(r.stdout, /verdict +BRIDGE LOOP/)
    assert.match(r.stdout, /netops ovs stp on br0/)
    assert.match(r.stdout, /netops switch fix-loop/)
    assert.ok(
      r.stdout.split('\n').every((l) => l.length <= 80),
      r.stdout
        .split('\n')
        .filter((l) => l.length > 80)
        .join('\n'),
    )
    assert.doesNotMatch(r.stderr, /error/i)
  })

  test('no --node: the node is found from sw1 LLDP (system name node1) through the ssh_config Host entry', async () => {
    const d = await traceJson(['--switch', 'sw1'])
    assert.equal(d.node, lab.node.name)
    assert.ok(
      d.nodeIdentifiedBy.some((e) => /LLDP/.test(e) && e.includes(lab.node.name)),
      d.nodeIdentifiedBy.join('; '),
    )
    assert.equal(d.verdict, 'bridge-loop', d.evidence.join('\n'))
    assert.deepEqual(switchPorts(d), ['sw1 GigabitEthernet1/0/19 eth0', 'sw1 GigabitEthernet1/0/20 eth1'])
  })

  test('the same with STP on br0 (one NIC blocking): stp-blocked', async () => {
    await lab.node.setBridge('stp')
    try {
      const d = await traceJson(['--switch', 'sw1', '--node', lab.node.name])
      assert.equal(d.verdict, 'stp-blocked', d.evidence.join('\n'))
      assert.equal(d.bridge?.stp, true)
      const blocked = d.bridge?.ports.filter((p) => p.state === 'blocking') ?? []
      assert.equal(blocked.length, 1, JSON.stringify(d.bridge?.ports))
      assert.deepEqual(d.plan.node, [])
      const h = await trace(['--switch', 'sw1', '--node', lab.node.name])
      assert.equal(h.code, 0, h.stderr)
      assert.match(h.stdout, /\[br0, STP on, eth\d blocking\]/)
    } finally {
      await lab.node.setBridge('loop')
    }
  })

  test('eth0 and eth1 as one OVS bond port of br0: bond', async () => {
    await lab.node.setBridge('bond')
    try {
      const d = await traceJson(['--switch', 'sw1', '--node', lab.node.name])
      assert.equal(d.verdict, 'bond', d.evidence.join('\n'))
      assert.deepEqual(
        d.bridge?.ports.filter((p) => p.bond).map((p) => [p.name, [...p.interfaces].sort()]),
        [['bond0', ['eth0', 'eth1']]],
      )
      assert.deepEqual(d.plan.node, [])
    } finally {
      await lab.node.setBridge('loop')
    }
  })

  test('only eth0 in br0: single-link (the switch-side fix only)', async () => {
    await lab.node.setBridge('single')
    try {
      const d = await traceJson(['--switch', 'sw1', '--node', lab.node.name])
      assert.equal(d.verdict, 'single-link', d.evidence.join('\n'))
      assert.deepEqual(d.plan.node, [])
      assert.ok(d.plan.switch.some((l) => /switch fix-loop/.test(l)))
    } finally {
      await lab.node.setBridge('loop')
    }
  })

  test('eth1 facing a second switch (swb, found through LLDP on the swa-swb trunk): bridge-loop across switches', async () => {
    const d = await traceJson(['--switch', 'swa', '--node', lab.node.name])
    assert.equal(d.verdict, 'bridge-loop', d.evidence.join('\n'))
    assert.deepEqual([...d.switches].sort(), ['swa', 'swb'])
    assert.deepEqual(switchPorts(d), ['swa GigabitEthernet1/0/19 eth0', 'swb GigabitEthernet1/0/20 eth1'])
    assert.equal(swa.device.lastConfigChange, null)
    assert.equal(swb.device.lastConfigChange, null)
    const h = await trace(['--switch', 'swa', '--node', lab.node.name])
    assert.equal(h.code, 0, h.stderr)
    assert.match(h.stdout, /swa Gi1\/0\/19 ── eth0 \[br0, STP off\] eth1 ── swb Gi1\/0\/20/)
  })

  test('no LLDP/CDP neighbour and no --node: unknown (exit 0), saying what could not be seen; nothing sent', async () => {
    const loginsBefore = logins()
    const d = await traceJson(['--switch', 'sw9'])
    assert.equal(logins(), loginsBefore, 'no SSH login on node1')
    assert.equal(d.verdict, 'unknown')
    assert.equal(d.node, null)
    assert.ok(d.evidence.length > 0)
    assert.deepEqual(d.plan, {node: [], switch: []})
    assert.equal(sw9.device.lastConfigChange, null)
    assert.notEqual(sw9.device.port('Gi1/0/19').errDisabled, null)
  })

  test('unknown with --apply --yes: refused with exit 12 NETOPS_LOOP_UNKNOWN, nothing sent to the switch, the node not contacted', async () => {
    const loginsBefore = logins()
    const r = await trace(['--switch', 'sw9', '--apply', '--yes', '--bounce', '--json'])
    assert.equal(r.code, 12, r.stderr + r.stdout)
    const e = JSON.parse(r.stdout) as {error: {code: string; exitCode: number}}
    assert.deepEqual([e.error.code, e.error.exitCode], ['NETOPS_LOOP_UNKNOWN', 12])
    assert.equal(sw9.device.lastConfigChange, null)
    assert.ok(!sw9.device.log.some((l) => /CONFIG_I/.test(l.text)), 'no configuration session on sw9')
    assert.notEqual(sw9.device.port('Gi1/0/19').errDisabled, null)
    assert.equal(logins(), loginsBefore, 'no SSH login on node1')
    assert.equal(await stpEnable(), 'false')
  })

  test('--apply --yes --bounce on the bridge loop: br0 STP on with a blocked NIC, sw1 Gi1/0/19 fixed and up; a second run sends nothing', async () => {
    await lab.node.setBridge('loop')
    const r = await trace(['--switch', 'sw1', '--node', lab.node.name, '--apply', '--yes', '--bounce', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const d = JSON.parse(r.stdout) as TraceDoc
    assert.equal(d.verdict, 'bridge-loop')
    assert.equal((d.apply as {changed?: boolean} | null)?.changed, true, 'the document reports what was applied')
    // the node: STP on, one NIC blocked (the wire sends br0's BPDUs back)
    assert.equal(await stpEnable(), 'true')
    const st = await lab.node.stpStatus()
    assert.equal(st.ports.filter((p) => !p.internal && p.state === 'blocking').length, 1, JSON.stringify(st.ports))
    // the switch: no keepalive on Gi1/0/19, not err-disabled, connected
    const port = sw1.device.port('Gi1/0/19')
    assert.deepEqual([port.keepalive, port.errDisabled, port.shutdown], [null, null, false])
    const dg = await cli(['switch', 'diagnose', '--host', 'sw1', '--port', '19', '--json'])
    assert.equal(dg.code, 0, dg.stderr)
    assert.equal((JSON.parse(dg.stdout) as {status: string}).status, 'connected')
    const changed = sw1.device.lastConfigChange
    assert.notEqual(changed, null)

    // again: the trace now sees the blocked port; nothing is sent to either end
    const again = await trace(['--switch', 'sw1', '--node', lab.node.name, '--apply', '--yes', '--bounce', '--json'])
    assert.equal(again.code, 0, again.stderr + again.stdout)
    const a = JSON.parse(again.stdout) as TraceDoc
    assert.equal(a.verdict, 'stp-blocked')
    assert.equal((a.apply as {changed?: boolean} | null)?.changed, false, JSON.stringify(a.apply))
    assert.deepEqual(sw1.device.lastConfigChange, changed)
    assert.equal(await stpEnable(), 'true')
  })
})
