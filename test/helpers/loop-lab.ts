/**
 * The lab of `netops loop trace` (issue 13): a compute node with a REAL Open vSwitch, reached over a
 * REAL OpenSSH sshd, cabled to lab switches (src/lab/switch) by a topology file. Everything lives in
 * network namespaces this helper creates (and deletes in destroy(), on exit and on SIGINT/SIGTERM);
 * on the host only 127.0.0.1 listeners are opened.
 *
 *   [node ns]  ovsdb-server + ovs-vswitchd (userspace datapath), bridge br0,
 *              eth0 / eth1: veths with the topology's MACs, sshd on the ns's 127.0.0.1 (SetEnv OVS_RUNDIR)
 *   [wire ns]  the far ends of eth0 / eth1 in a Linux bridge with STP off: the switch's VLAN as the
 *              node's frames see it (a bridge without STP forwards BPDUs, so br0's come back)
 *   [host]     127.0.0.1:<node.port> ──relay──▶ [node ns] sshd;  lab switches on 127.0.0.1:<port>
 *              an ssh_config naming them all: `Host node1`, `Host sw1`, ...
 *
 *   const lab = await createLoopLab()
 *   after(() => lab.destroy())
 *   await lab.node.setBridge('loop')                        // br0 = eth0 + eth1, STP off
 *   const [sw1] = await lab.startSwitches(twoNicTopology())  // in-process lab switch(es), Host entries added
 *   await runCli(runJs, ['loop', 'trace', '--switch', 'sw1', '--port', '19', '--node', 'node1'], lab.env)
 *
 * loopLabSkip() gives a skip reason when OVS, sshd, iproute2 or root is missing, and throws under CI=true.
 */
import {randomBytes} from 'node:crypto'
import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LocalExecutor} from '../../src/ovs/executor.js'
import {Vsctl} from '../../src/ovs/vsctl.js'
import {getStpStatus, type StpBridgeStatus} from '../../src/ovs/stp.js'
import {startLabTopology, type LabSwitch} from '../../src/lab/switch/index.js'
import {readTopology} from '../../src/lab/switch/topology.js'
import {hookExit, liveNamespaces, must, run} from './netns.js'
import {relayInto} from './ns-relay.js'
import {ovsMissingReason, startOvs, type OvsSandbox} from './ovs.js'
import {sshdMissingReason, startSshd, type SshdHandle} from './sshd.js'

/** The node of src/lab/switch/examples/loop-two-nics.yaml: its NIC MACs are the veths'. */
export const NODE1 = {name: 'node1', eth0: '52:54:00:aa:bb:01', eth1: '52:54:00:aa:bb:02'} as const

/** Test timers: a blocked port within seconds, a settled tree in 2 x 4 s. */
export const FAST_STP = {helloTime: 1, maxAge: 6, forwardDelay: 4} as const

/** Lab switch logins (the lab's public defaults). */
export const LAB_LOGIN = {username: 'admin', password: 'admin', enablePassword: 'cisco'} as const

/** Why the loop lab cannot run here, or undefined. */
export function loopLabMissingReason(): string | undefined {
  return ovsMissingReason() ?? sshdMissingReason()
}

/** For `describe(name, {skip: loopLabSkip()}, fn)`: false when usable, else the reason. Throws under CI=true. */
export function loopLabSkip(): string | false {
  const reason = loopLabMissingReason()
  if (reason === undefined) return false
  if (process.env['CI'] === 'true') throw new Error(`CI=true and the loop-trace lab cannot run: ${reason}`)
  return `skipped: ${reason}`
}

/**
 * How br0 is built: `loop` eth0 + eth1 with STP off; `stp` the same with STP on (fast timers);
 * `bond` one OVS bond port bond0 of eth0 + eth1; `single` eth0 only (eth1 in no bridge).
 */
export type BridgeScenario = 'loop' | 'stp' | 'bond' | 'single'

export interface LoopNode {
  name: string
  /** The node's namespace (where its NICs, OVS and sshd live). */
  netns: string
  ovs: OvsSandbox
  /** NIC name → MAC. */
  macs: {eth0: string; eth1: string}
  /** sshd as the host sees it: 127.0.0.1:port (a relay into the namespace). */
  port: number
  sshd: SshdHandle
  /** Vsctl on the node's OVS (local executor with its OVS_RUNDIR). */
  vsctl: Vsctl
  /** Rebuild br0 for a scenario (one ovs-vsctl transaction; `stp` also waits until a port blocks). */
  setBridge(scenario: BridgeScenario): Promise<void>
  /** br0's STP status as OVS reports it. */
  stpStatus(): Promise<StpBridgeStatus>
  /** Poll until br0 has a blocking port (STP) or throw after timeoutMs. */
  waitBlocked(timeoutMs?: number): Promise<StpBridgeStatus>
}

export interface LoopLab {
  node: LoopNode
  /** The namespace holding the far ends of the node's NICs. */
  wire: string
  /** A temp dir (ssh_config, topology files, HOME of the CLI runs), removed by destroy(). */
  dir: string
  sshConfig: string
  /** Environment for the built CLI: HOME, NETOPS_SSH_CONFIG, lab switch passwords. */
  env: Record<string, string | undefined>
  /** Start the lab switches a topology YAML describes (in this process) and add a `Host <hostname>` entry per switch. */
  startSwitches(yaml: string, name?: string): Promise<LabSwitch[]>
  /** Add a `Host` entry to the ssh_config. */
  addHost(alias: string, lines: string[]): void
  destroy(): Promise<void>
}

/* ------------------------------------------------------------------ topology files -------- */

interface CableOpts {
  /** LLDP on the node's cables (default true). */
  lldp?: boolean
  node?: string
  macs?: {eth0: string; eth1: string}
}

/** The story of loop-two-nics.yaml: sw1 Gi1/0/19 (err-disabled) ── node1 eth0, Gi1/0/20 ── node1 eth1, both in VLAN 10. */
export function twoNicTopology(hostname = 'sw1', o: CableOpts = {}): string {
  const node = o.node ?? NODE1.name
  const macs = o.macs ?? NODE1
  const lldp = o.lldp ?? true
  return [
    'switches:',
    `  - hostname: ${hostname}`,
    '    platform: ios',
    '    vlans: {10: compute}',
    '    ports:',
    '      Gi1/0/19:',
    '        vlan: 10',
    '        state: err-disabled',
    `        cable: {node: ${node}, nic: eth0, mac: "${macs.eth0}", lldp: ${lldp}}`,
    '      Gi1/0/20:',
    '        vlan: 10',
    `        cable: {node: ${node}, nic: eth1, mac: "${macs.eth1}", lldp: ${lldp}}`,
    '',
  ].join('\n')
}

/**
 * Two switches: `a` Gi1/0/19 (err-disabled) ── node1 eth0; `b` Gi1/0/20 ── node1 eth1; a Gi1/0/24 ── b Gi1/0/24,
 * a trunk carrying VLAN 10 with LLDP and CDP, on which `a` has learned eth1's MAC (through `b`).
 */
export function crossSwitchTopology(a = 'swa', b = 'swb', o: CableOpts = {}): string {
  const node = o.node ?? NODE1.name
  const macs = o.macs ?? NODE1
  return [
    'switches:',
    `  - hostname: ${a}`,
    '    platform: ios',
    '    base_mac: 70:35:09:52:2a:00',
    '    vlans: {10: compute}',
    '    ports:',
    '      Gi1/0/19:',
    '        vlan: 10',
    '        state: err-disabled',
    `        cable: {node: ${node}, nic: eth0, mac: "${macs.eth0}", lldp: true}`,
    `      Gi1/0/24: {mode: trunk, vlans: [10], cable: {switch: ${b}, port: Gi1/0/24}, learned: [{mac: "${macs.eth1}", vlan: 10}]}`,
    `  - hostname: ${b}`,
    '    platform: ios',
    '    base_mac: 70:35:09:52:3b:00',
    '    vlans: {10: compute}',
    '    ports:',
    '      Gi1/0/20:',
    '        vlan: 10',
    `        cable: {node: ${node}, nic: eth1, mac: "${macs.eth1}", lldp: true}`,
    '      Gi1/0/24: {mode: trunk, vlans: [10]}',
    '',
  ].join('\n')
}

/* ------------------------------------------------------------------ processes ------------- */

let signalsHooked = false
/** SIGINT / SIGTERM / SIGHUP end the process through process.exit, so the 'exit' hooks (namespaces, daemons) run. */
function hookSignals(): void {
  if (signalsHooked) return
  signalsHooked = true
  for (const [sig, n] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(sig, () => process.exit(128 + n))
  }
}

/* ------------------------------------------------------------------ the lab --------------- */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A port STP has taken out of forwarding. */
const isBlocked = (st: StpBridgeStatus): boolean => st.ports.some((p) => !p.internal && p.state === 'blocking')

export interface LoopLabOptions {
  /** Node name (the sshd's Host alias and the LLDP system name the topologies give). */
  node?: string
  macs?: {eth0: string; eth1: string}
}

/** Build the node, the wire and the ssh_config. On any failure it tears down what it made and rethrows. */
export async function createLoopLab(opts: LoopLabOptions = {}): Promise<LoopLab> {
  const reason = loopLabMissingReason()
  if (reason !== undefined) throw new Error(`cannot build the loop-trace lab: ${reason}`)
  hookExit()
  hookSignals()
  const name = opts.node ?? NODE1.name
  const macs = opts.macs ?? {eth0: NODE1.eth0, eth1: NODE1.eth1}
  const dir = mkdtempSync(join(tmpdir(), 'netops-loop-'))
  const wire = `nloop-${randomBytes(3).toString('hex')}-wire`
  const cleanups: Array<() => Promise<void>> = []
  const switches: Array<{close(): Promise<void>}> = []
  let destroyed: Promise<void> | undefined
  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      for (const s of switches.splice(0)) await s.close().catch(() => {})
      for (const c of cleanups.reverse()) await c().catch(() => {})
      cleanups.length = 0
      if (liveNamespaces.has(wire)) {
        await run(['ip', 'netns', 'delete', wire])
        liveNamespaces.delete(wire)
      }
      rmSync(dir, {recursive: true, force: true})
    })()
    return destroyed
  }
  process.once('exit', () => rmSync(dir, {recursive: true, force: true}))

  try {
    // The node: its namespace, ovsdb-server and ovs-vswitchd (startOvs disables IPv6 there: no chatter on a loop).
    const ovs = await startOvs()
    cleanups.push(() => ovs.stop())
    const inNode = (...argv: string[]): Promise<string> => ovs.nsExec(...argv)
    const inWire = (...argv: string[]): Promise<string> => must(['ip', 'netns', 'exec', wire, ...argv])

    // The wire: a Linux bridge with STP off (it forwards BPDUs) and no IPv6 (it sends nothing of its own).
    await must(['ip', 'netns', 'add', wire])
    liveNamespaces.add(wire)
    await inWire('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
    await inWire('ip', 'link', 'set', 'lo', 'up')
    await inWire('ip', 'link', 'add', 'vlan10', 'type', 'bridge', 'stp_state', '0')
    for (const nic of ['eth0', 'eth1'] as const) {
      const far = `${nic}-far`
      await inNode('ip', 'link', 'add', nic, 'address', macs[nic], 'type', 'veth', 'peer', 'name', far, 'netns', wire)
      await inWire('ip', 'link', 'set', far, 'master', 'vlan10')
      await inWire('ip', 'link', 'set', far, 'up')
      await inNode('ip', 'link', 'set', nic, 'up')
    }
    await inWire('ip', 'link', 'set', 'vlan10', 'up')

    // br0 (userspace datapath) with the test timers kept in other_config: `stp on` without timers keeps them.
    await ovs.vsctl(
      'add-br',
      'br0',
      '--',
      'set',
      'Bridge',
      'br0',
      'datapath_type=netdev',
      `other_config:stp-hello-time=${FAST_STP.helloTime}`,
      `other_config:stp-max-age=${FAST_STP.maxAge}`,
      `other_config:stp-forward-delay=${FAST_STP.forwardDelay}`,
    )

    // sshd in the node's namespace (its sessions find this OVS through OVS_RUNDIR), reached through a relay.
    // cleanHome: a node account without this machine's rc files (the shell sshd starts would source them).
    const sshd = await startSshd({netns: ovs.netns, env: {OVS_RUNDIR: ovs.dir}, cleanHome: true})
    cleanups.push(() => sshd.stop())
    const relay = await relayInto(ovs.netns, sshd.port, dir)
    cleanups.push(() => relay.close())

    const vsctl = new Vsctl(new LocalExecutor({env: {...process.env, ...ovs.env}}), {timeoutSec: 5})
    const stpStatus = async (): Promise<StpBridgeStatus> => {
      const [st] = await getStpStatus(vsctl, 'br0')
      if (st === undefined) throw new Error('br0 has no STP status')
      return st
    }
    const waitBlocked = async (timeoutMs = 20_000): Promise<StpBridgeStatus> => {
      const t0 = Date.now()
      for (;;) {
        const st = await stpStatus()
        if (isBlocked(st)) return st
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`br0: no port blocking after ${timeoutMs} ms: ${st.ports.map((p) => `${p.name}=${p.state ?? '?'}`).join(' ')}`)
        await sleep(250)
      }
    }
    const setBridge = async (scenario: BridgeScenario): Promise<void> => {
      const ports: string[][] =
        scenario === 'bond'
          ? [['add-bond', 'br0', 'bond0', 'eth0', 'eth1']]
          : scenario === 'single'
            ? [['add-port', 'br0', 'eth0']]
            : [
                ['add-port', 'br0', 'eth0'],
                ['add-port', 'br0', 'eth1'],
              ]
      await ovs.vsctl(
        ...['eth0', 'eth1', 'bond0'].flatMap((p) => ['--if-exists', 'del-port', 'br0', p, '--']),
        ...['set', 'Bridge', 'br0', `stp_enable=${scenario === 'stp'}`, 'rstp_enable=false'],
        ...ports.flatMap((p) => ['--', ...p]),
      )
      if (scenario === 'stp') await waitBlocked()
    }

    const env: Record<string, string | undefined> = {
      PATH: process.env['PATH'],
      HOME: dir,
      XDG_CONFIG_HOME: dir,
      NETOPS_SSH_CONFIG: join(dir, 'ssh_config'),
      NETOPS_PASSWORD: LAB_LOGIN.password,
      NETOPS_ENABLE_PASSWORD: LAB_LOGIN.enablePassword,
    }
    const sshConfig = join(dir, 'ssh_config')
    const addHost = (alias: string, lines: string[]): void => {
      appendFileSync(sshConfig, [`Host ${alias}`, ...lines.map((l) => `  ${l}`), ''].join('\n'))
    }
    writeFileSync(sshConfig, '')
    addHost(name, ['HostName 127.0.0.1', `Port ${relay.port}`, `User ${sshd.user}`, `IdentityFile ${sshd.identityFile}`])

    let topologies = 0
    const startSwitches = async (yaml: string, file?: string): Promise<LabSwitch[]> => {
      const path = join(dir, file ?? `topology-${++topologies}.yaml`)
      writeFileSync(path, yaml)
      const fleet = await startLabTopology(readTopology(path), {timeScale: 0.01, ...LAB_LOGIN})
      switches.push(fleet)
      for (const sw of fleet.switches) addHost(sw.device.hostname, ['HostName 127.0.0.1', `Port ${sw.port}`, `User ${LAB_LOGIN.username}`])
      return fleet.switches
    }

    const node: LoopNode = {name, netns: ovs.netns, ovs, macs, port: relay.port, sshd, vsctl, setBridge, stpStatus, waitBlocked}
    return {node, wire, dir, sshConfig, env, startSwitches, addHost, destroy}
  } catch (err) {
    await destroy()
    throw err
  }
}
