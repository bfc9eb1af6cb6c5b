/**
 * `loop trace --apply` (applyLoopFix) on a REAL user-space Open vSwitch and an in-process lab switch.
 *
 * The node: br0 (STP off) holds eth0 and eth1, veths whose peers sit in `wire`, a second bridge with STP
 * off that forwards BPDUs (other_config:forward-bpdu=true): a real layer-2 loop through br0, and once STP
 * is on, br0's BPDUs sent on one NIC come back on the other, so STP blocks one. The switch: a lab switch
 * (topology) whose Gi1/0/19 faces eth0 (err-disabled: the keepalive came back) and Gi1/0/20 eth1.
 * Fast STP timers (hello 1, max-age 6, forward-delay 4): a settle takes ~8 s.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {ovsSkip, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {LocalExecutor, type ExecResult, type Executor, type RunOptions} from '../../../src/ovs/executor.js'
import {Vsctl} from '../../../src/ovs/vsctl.js'
import {getStpStatus} from '../../../src/ovs/stp.js'
import {traceLoop, type LoopTrace, type TraceIo} from '../../../src/loop/trace.js'
import {applyLoopFix, type ApplyOptions} from '../../../src/loop/apply.js'
import {startLabTopology, type LabSwitch} from '../../../src/lab/switch/index.js'
import {parseTopology} from '../../../src/lab/switch/topology.js'
import {SwitchDevice} from '../../../src/switch/device.js'
import {InterruptedError, LoopUnknownError, VerificationError} from '../../../src/errors.js'

const skip = ovsSkip()
const FAST = {helloTime: 1, maxAge: 6, forwardDelay: 4}
const MACS = {eth0: '52:54:00:0a:00:01', eth1: '52:54:00:0a:00:02'}

const TOPOLOGY = `
switches:
  - hostname: sw1
    platform: ios
    vlans: {10: compute}
    ports:
      Gi1/0/19:
        vlan: 10
        state: err-disabled
        cable: {node: node1, nic: eth0, mac: "${MACS.eth0}", lldp: true}
      Gi1/0/20:
        vlan: 10
        cable: {node: node1, nic: eth1, mac: "${MACS.eth1}", lldp: true}
`

/** The local executor, run inside the test's namespace (where the NICs and ovs-vswitchd live); records every argv. */
class NetnsExecutor implements Executor {
  readonly where = 'local'
  readonly calls: string[][] = []
  constructor(
    private readonly inner: LocalExecutor,
    private readonly netns: string,
  ) {}
  run(argv: string[], opts?: RunOptions): Promise<ExecResult> {
    this.calls.push(argv)
    return this.inner.run(['ip', 'netns', 'exec', this.netns, ...argv], opts)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

/** ovs-vsctl argv that write (the reads are `list`, `--format=json`, ...). */
const writes = (calls: string[][]): string[][] =>
  calls.filter((a) => a[0] === 'ovs-vsctl' && a.some((x) => /^(set|add|del|remove|clear)/.test(x)))

describe('loop trace --apply on a real OVS loop and a lab switch', {skip}, () => {
  let ovs: OvsSandbox
  let exec: NetnsExecutor
  let vsctl: Vsctl
  let lab: LabSwitch
  let closeLab: () => Promise<void>
  let dir: string
  /** Lines sent to the switch, per session. */
  let sent: string[]

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netops-apply-'))
    ovs = await startOvs()
    exec = new NetnsExecutor(new LocalExecutor({env: {...process.env, ...ovs.env}}), ovs.netns)
    vsctl = new Vsctl(exec, {timeoutSec: 5})
    await ovs.addBridge('br0')
    await ovs.addBridge('wire')
    await ovs.vsctl('set', 'Bridge', 'wire', 'other_config:forward-bpdu=true')
    for (const nic of ['eth0', 'eth1'] as const) {
      await ovs.nsExec('ip', 'link', 'add', nic, 'address', MACS[nic], 'type', 'veth', 'peer', 'name', `${nic}-p`)
      await ovs.nsExec('ip', 'link', 'set', nic, 'up')
      await ovs.nsExec('ip', 'link', 'set', `${nic}-p`, 'up')
      await ovs.vsctl('add-port', 'br0', nic, '--', 'add-port', 'wire', `${nic}-p`)
    }
  })
  after(async () => {
    await ovs?.stop()
    rmSync(dir, {recursive: true, force: true})
  })

  async function startLab(configDelayMs = 0): Promise<void> {
    const parsed = parseTopology(TOPOLOGY, 'apply.yaml')
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
    const t = await startLabTopology(parsed.switches, {timeScale: 0.01, faults: {configDelayMs}})
    lab = t.switches[0] as LabSwitch
    closeLab = () => t.close()
  }

  /** The lab switch over SSH; `record`: its sent lines go to `sent` (the apply session's, not the trace's). */
  async function openSwitch(record = true): Promise<SwitchDevice> {
    if (record) sent = []
    return SwitchDevice.open({
      target: {
        host: lab.host,
        port: lab.port,
        username: lab.username,
        password: lab.password,
        knownHostsFile: join(dir, 'known_hosts'),
        sshConfigFile: null,
        legacySsh: false,
        timeoutMs: 10_000,
      },
      enablePassword: lab.enablePassword,
      platform: 'auto',
      timeoutMs: 10_000,
      log: (e) => {
        if (record && e.direction === 'sent') sent.push(e.text.trim())
      },
    })
  }

  /** The trace as the command runs it: the lab switch over SSH, the node through the namespace's executor. */
  function traceIo(): TraceIo {
    return {
      openSwitch: () => openSwitch(false),
      openNode: () => Promise.resolve(exec),
      sshConfigHostName: () => Promise.resolve(undefined),
      localHostname: () => 'node1',
    }
  }
  const trace = (node: string | null = 'local'): Promise<LoopTrace> =>
    traceLoop(traceIo(), {switch: lab.host, port: '19', ...(node === null ? {} : {node}), vsctl: {timeoutSec: 5}})

  const options = (over: Partial<ApplyOptions> = {}): ApplyOptions => ({
    stp: FAST,
    noStp: false,
    settleTimeoutMs: 30_000,
    pollMs: 250,
    intervalSeconds: 300,
    bounce: true,
    save: false,
    confirm: () => Promise.resolve(true),
    ...over,
  })

  const configSent = (): string[] => sent.filter((l) => /^conf/i.test(l) || l === 'no keepalive' || l === 'shutdown')
  const bridgeRow = (): Promise<string> => ovs.vsctl('--columns=stp_enable,rstp_enable,other_config', 'list', 'Bridge', 'br0')

  test('unknown: refused with exit 12, nothing sent to the node or the switch', async () => {
    await startLab()
    let device = await openSwitch()
    try {
      const sentAtOpen = sent.length
      const calls = exec.calls.length
      const dbBefore = await bridgeRow()
      // no --node, and the LLDP neighbour node1 has no ~/.ssh/config entry and no management address
      const t = await trace(null)
      assert.equal(t.verdict, 'unknown', t.evidence.join('\n'))
      assert.equal(t.node, null)
      await device.close()
      device = await openSwitch()
      let asked = false
      await assert.rejects(
        applyLoopFix(t, {vsctl, device}, options({confirm: () => ((asked = true), Promise.resolve(true))})),
        (e: unknown) => e instanceof LoopUnknownError && e.code === 'NETOPS_LOOP_UNKNOWN' && e.exitCode === 12,
      )
      assert.equal(asked, false, 'no confirmation asked')
      assert.deepEqual(sent.slice(sentAtOpen), [], 'not a line sent to the switch, not even a read')
      assert.equal(exec.calls.length, calls, 'not a command run on the node')
      assert.equal(await bridgeRow(), dbBefore, 'br0 unchanged in ovsdb')
      assert.equal(lab.device.lastConfigChange, null)
    } finally {
      await device.close()
      await closeLab()
    }
  })

  test('STP on br0 but the BPDUs do not come back (wire drops them): stops after the node, nothing sent to the switch', async () => {
    await ovs.vsctl('set', 'Bridge', 'wire', 'other_config:forward-bpdu=false')
    await startLab()
    const device = await openSwitch()
    try {
      const t = await trace()
      assert.equal(t.verdict, 'bridge-loop', t.evidence.join('\n'))
      const progress: string[] = []
      const t0 = Date.now()
      await assert.rejects(applyLoopFix(t, {vsctl, device}, options({progress: (m) => progress.push(m)})), (e: unknown) => {
        assert.ok(e instanceof VerificationError, String(e))
        assert.match(e.message, /STP is on for br0 on node1, but after \d+ s it blocks none of eth0, eth1 .*nothing was sent to sw1/)
        assert.equal((e.details as {step: string}).step, 'node')
        return true
      })
      assert.ok(Date.now() - t0 >= 7000, 'it waited for the ports to settle (2 x forward-delay)')
      assert.deepEqual(configSent(), [], 'no configuration sent to the switch')
      assert.equal(lab.device.lastConfigChange, null)
      assert.equal(lab.device.status(lab.device.port('Gi1/0/19')), 'err-disabled')
      const [st] = await getStpStatus(vsctl, 'br0')
      assert.equal(st?.stp, true, 'STP stays on (the safe state)')
      assert.ok(progress.some((m) => /waiting for br0 to settle/.test(m)))
    } finally {
      await device.close()
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
      await ovs.vsctl('set', 'Bridge', 'wire', 'other_config:forward-bpdu=true')
    }
  })

  test('Ctrl-C during the settle wait: the node step is reported, nothing sent to the switch', async () => {
    await startLab()
    const device = await openSwitch()
    try {
      const t = await trace()
      assert.equal(t.verdict, 'bridge-loop', t.evidence.join('\n'))
      const ac = new AbortController()
      await assert.rejects(
        applyLoopFix(
          t,
          {vsctl, device},
          options({
            signal: ac.signal,
            progress: (m) => {
              if (/waiting for br0 to settle/.test(m)) ac.abort('SIGINT')
            },
          }),
        ),
        (e: unknown) => {
          assert.ok(e instanceof InterruptedError, String(e))
          assert.equal(e.exitCode, 15)
          assert.match(
            e.message,
            /^interrupted during the node step: STP turned on for br0 on node1 \(it stays on\); nothing was sent to sw1$/,
          )
          return true
        },
      )
      assert.deepEqual(configSent(), [])
      assert.equal(lab.device.lastConfigChange, null)
    } finally {
      await device.close()
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
    }
  })

  test('Ctrl-C during the switch step: the report of fix-loop, prefixed with what stands on the node', async () => {
    await startLab(500)
    const device = await openSwitch()
    try {
      const t = await trace()
      assert.equal(t.verdict, 'bridge-loop', t.evidence.join('\n'))
      const ac = new AbortController()
      await assert.rejects(
        applyLoopFix(
          t,
          {vsctl, device},
          options({
            signal: ac.signal,
            onState: (s) => {
              if (s.switch !== null && s.switch.applied.includes('no keepalive')) ac.abort('SIGINT')
            },
          }),
        ),
        (e: unknown) => {
          assert.ok(e instanceof InterruptedError, String(e))
          assert.match(
            e.message,
            /^STP turned on for br0 on node1 \(it stays on\); eth[01] blocking; sw1: interrupted mid-plan on GigabitEthernet1\/0\/19 on 127\.0\.0\.1: applied: interface GigabitEthernet1\/0\/19; no keepalive(; exit)?; not applied: .*; config mode was left with `end`; not saved$/,
          )
          const d = e.details as {step: string; applied: string[]; summary: string}
          assert.equal(d.step, 'switch')
          assert.match(
            d.summary,
            /^interrupted: STP turned on for br0 on node1 \(it stays on\); eth[01] blocking; applied [23] of 7 lines on 127\.0\.0\.1/,
          )
          assert.equal(lab.device.keepaliveOn(lab.device.port('Gi1/0/19')), false)
          assert.equal(lab.device.recoveryCauses.has('loopback'), d.applied.includes('errdisable recovery cause loopback'))
          return true
        },
      )
    } finally {
      await device.close()
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
    }
  })

  test('--no-stp: the node is left alone, the alternatives are given, the switch side is fixed', async () => {
    await startLab()
    const device = await openSwitch()
    try {
      const t = await trace()
      assert.equal(t.verdict, 'bridge-loop', t.evidence.join('\n'))
      const writesBefore = writes(exec.calls).length
      const warned: string[] = []
      const r = await applyLoopFix(t, {device}, options({noStp: true, warn: (m) => warned.push(m)}))
      assert.equal(r.node.action, 'none')
      assert.match(r.node.reason, /STP is not wanted on br0 \(--no-stp\)/)
      assert.deepEqual(
        r.alternatives.map((a) => a.split(' (')[0]),
        ['bond eth0 and eth1 into one OVS bond port', 'or remove eth1 from br0'],
      )
      assert.ok(warned.some((w) => /br0 on node1 still joins eth0 and eth1: the switch fix stops the err-disable, not the loop/.test(w)))
      assert.equal(writes(exec.calls).length, writesBefore, 'no ovs-vsctl write on the node')
      assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'false')
      assert.equal(r.verified.node.checked, false)
      assert.ok(r.verified.ok)
      assert.ok(r.switch.applied.includes('no keepalive'))
      assert.equal(lab.device.status(lab.device.port('Gi1/0/19')), 'connected')
    } finally {
      await device.close()
      await closeLab()
    }
  })

  test('bridge-loop: STP on br0 blocks a looped port, then the switch port is fixed and up; a second apply sends nothing', async () => {
    await startLab()
    let device = await openSwitch()
    try {
      const t = await trace()
      assert.equal(t.verdict, 'bridge-loop', t.evidence.join('\n'))
      let asked = 0
      const order: string[] = []
      const r = await applyLoopFix(
        t,
        {vsctl, device},
        options({
          confirm: (plan) => {
            asked++
            assert.deepEqual(plan.switch.preview.lines, [
              'interface GigabitEthernet1/0/19',
              'no keepalive',
              'exit',
              'errdisable recovery cause loopback',
              'interface GigabitEthernet1/0/19',
              'shutdown',
              'no shutdown',
            ])
            assert.deepEqual(plan.node.stp?.settings.slice(0, 1), [['stp_enable', 'true']])
            assert.ok(plan.warnings.some((w) => /BPDU guard/.test(w)))
            return Promise.resolve(true)
          },
          progress: (m) => order.push(m),
        }),
      )
      assert.equal(asked, 1, 'one confirmation for both ends')
      assert.equal(r.changed, true)
      assert.equal(r.node.action, 'stp-on')
      assert.equal(r.node.change?.changed, true)
      assert.equal(r.node.settled?.blocking.length, 1, JSON.stringify(r.node.settled))
      const firstSwitchLine = order.findIndex((m) => /applying \d+ line/.test(m))
      const blocked = order.findIndex((m) => /br0 blocks/.test(m))
      assert.ok(blocked >= 0 && firstSwitchLine > blocked, `node first, then the switch: ${order.join(' | ')}`)
      assert.equal(r.switch.bounced, true)
      assert.ok(r.verified.ok)
      assert.equal(r.verified.node.blocking.length, 1)
      assert.equal(r.verified.switch.status, 'connected')
      assert.equal(r.verified.switch.keepalive, false)

      // Both ends as they are now.
      const [st] = await getStpStatus(vsctl, 'br0')
      assert.equal(st?.stp, true)
      assert.equal(st?.config.forwardDelay, 4)
      assert.equal(st?.ports.filter((p) => p.state === 'blocking').length, 1)
      const port = lab.device.port('Gi1/0/19')
      assert.equal(lab.device.status(port), 'connected')
      assert.equal(lab.device.keepaliveOn(port), false)
      assert.ok(lab.device.recoveryCauses.has('loopback'))

      // A second apply, traced afresh: stp-blocked, nothing to send anywhere.
      await device.close()
      device = await openSwitch()
      const writesBefore = writes(exec.calls).length
      const t2 = await trace()
      assert.equal(t2.verdict, 'stp-blocked', t2.evidence.join('\n'))
      let askedAgain = false
      const r2 = await applyLoopFix(t2, {vsctl, device}, options({confirm: () => ((askedAgain = true), Promise.resolve(true))}))
      assert.equal(askedAgain, false, 'nothing to change: nothing to confirm')
      assert.equal(r2.changed, false)
      assert.equal(r2.node.action, 'none')
      assert.deepEqual(r2.switch.applied, [])
      assert.ok(r2.verified.ok && r2.verified.node.checked)
      assert.deepEqual(configSent(), [], 'no configuration sent to the switch')
      assert.equal(writes(exec.calls).length, writesBefore, 'no ovs-vsctl write on the node')

      // The first trace again (stale, still bridge-loop): STP already on, blocked at once, switch already fixed.
      const r3 = await applyLoopFix(t, {vsctl, device}, options({confirm: () => ((askedAgain = true), Promise.resolve(true))}))
      assert.equal(askedAgain, false)
      assert.equal(r3.changed, false)
      assert.equal(r3.node.change?.changed, false)
      assert.deepEqual(configSent(), [])
      assert.equal(writes(exec.calls).length, writesBefore)
    } finally {
      await device.close()
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
    }
  })
})
