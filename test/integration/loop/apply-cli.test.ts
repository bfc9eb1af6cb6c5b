/**
 * `netops loop trace --apply` as a user runs it: the BUILT CLI (compiled into a private dir) with `--node local`
 * against a real user-space Open vSwitch and an in-process lab switch. The node's NICs live in the OVS
 * sandbox's network namespace: `ip` on the CLI's PATH is `ip -n <netns>` (ovs-vsctl / ovs-appctl find the
 * sandbox through OVS_RUNDIR). br0 (STP off) holds eth0 and eth1, whose veth peers sit in `wire`, a bridge
 * with STP off that forwards BPDUs: a real loop that STP on br0 breaks by blocking one NIC.
 */
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {buildPrivateCli, ovsSkip, runCli, startOvs, type CliRun, type OvsSandbox} from '../../helpers/ovs.js'
import {startLabTopology, type LabSwitch} from '../../../src/lab/switch/index.js'
import {parseTopology} from '../../../src/lab/switch/topology.js'

const MACS = {eth0: '52:54:00:0b:00:01', eth1: '52:54:00:0b:00:02'}
const FAST = ['--hello-time', '1', '--max-age', '6', '--forward-delay', '4']
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

const PTY_RUN = fileURLToPath(new URL('../../helpers/pty-run.py', import.meta.url))

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('netops loop trace --apply (built CLI, real OVS, lab switch)', {skip: ovsSkip()}, () => {
  let ovs: OvsSandbox
  let cli: {runJs: string; cleanup: () => void}
  let dir: string
  let env: Record<string, string | undefined>
  let lab: LabSwitch
  let closeLab: () => Promise<void>

  before(async () => {
    ;[ovs, cli] = await Promise.all([startOvs(), buildPrivateCli()])
    dir = mkdtempSync(join(tmpdir(), 'netops-apply-cli-'))
    await ovs.addBridge('br0')
    await ovs.addBridge('wire')
    await ovs.vsctl('set', 'Bridge', 'wire', 'other_config:forward-bpdu=true')
    for (const nic of ['eth0', 'eth1'] as const) {
      await ovs.nsExec('ip', 'link', 'add', nic, 'address', MACS[nic], 'type', 'veth', 'peer', 'name', `${nic}-p`)
      await ovs.nsExec('ip', 'link', 'set', nic, 'up')
      await ovs.nsExec('ip', 'link', 'set', `${nic}-p`, 'up')
      await ovs.vsctl('add-port', 'br0', nic, '--', 'add-port', 'wire', `${nic}-p`)
    }
    // the node's view of its links is the sandbox namespace's
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'ip'), `#!/bin/sh\nexec /usr/sbin/ip -n ${ovs.netns} "$@"\n`)
    chmodSync(join(bin, 'ip'), 0o755)
    env = {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      HOME: dir,
      XDG_CONFIG_HOME: dir,
      NETOPS_SSH_CONFIG: '',
      NETOPS_PASSWORD: 'admin',
      NETOPS_ENABLE_PASSWORD: 'cisco',
      ...ovs.env,
    }
  })
  after(async () => {
    await ovs?.stop()
    cli?.cleanup()
    rmSync(dir, {recursive: true, force: true})
  })

  async function startLab(): Promise<void> {
    const parsed = parseTopology(TOPOLOGY, 'apply.yaml')
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
    const t = await startLabTopology(parsed.switches, {timeScale: 0.01})
    lab = t.switches[0] as LabSwitch
    closeLab = () => t.close()
  }
  const args = (...more: string[]): string[] => [
    'loop',
    'trace',
    '--switch',
    '127.0.0.1',
    '--ssh-port',
    String(lab.port),
    '--username',
    'admin',
    '--port',
    '19',
    '--node',
    'local',
    ...more,
  ]
  const stpOf = async (): Promise<string> => (await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim()

  test('SIGINT during the settle wait: exit 15, the node step reported, nothing sent to the switch', async () => {
    await startLab()
    try {
      const child = spawn(process.execPath, [cli.runJs, ...args('--apply', '--yes', '--bounce', ...FAST)], {
        env: {...env, NO_COLOR: '1'},
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({code, stdout, stderr})))
      await until('the settle wait', () => /waiting for br0 to settle/.test(stderr), 60_000)
      child.kill('SIGINT')
      const r = await done
      assert.equal(r.code, 15, r.stderr)
      assert.match(r.stderr, /Ctrl-C: stopping at a safe point/)
      assert.match(r.stderr, /NETOPS_INTERRUPTED/)
      assert.match(r.stderr, /interrupted during the node step: STP turned on for br0 on \S+ \(it stays on\); nothing was sent to sw1/)
      assert.match(r.stdout, /^verdict +BRIDGE LOOP/m, 'the trace was printed before the apply')
      assert.equal(lab.device.lastConfigChange, null, 'nothing configured on the switch')
      assert.equal(lab.device.status(lab.device.port('Gi1/0/19')), 'err-disabled')
      assert.equal(await stpOf(), 'true')
    } finally {
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
    }
  })

  test('on a terminal: both plans shown, ONE question; answering no sends nothing to either end (exit 12, a notice)', async () => {
    await startLab()
    try {
      const argv = [process.execPath, cli.runJs, ...args('--apply', '--bounce', ...FAST)]
      const r = await new Promise<{output: string; exitCode: number | null}>((resolve, reject) => {
        const child = spawn('python3', [PTY_RUN, JSON.stringify({argv, waitFor: 'apply both ends? [y/N] ', keys: ['n\r'], timeoutS: 60})], {
          env: {...process.env, ...env, NO_COLOR: '1'},
        })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.on('error', reject)
        child.on('close', () => resolve(JSON.parse(out) as {output: string; exitCode: number | null}))
      })
      const output = r.output.replace(/\r\n/g, '\n')
      assert.equal(r.exitCode, 12, output)
      assert.match(output, /^plan, node first then switch:$/m)
      assert.match(output, /^1\. \S+: br0 loops eth0 and eth1: turn STP on$/m)
      assert.match(output, /^ {5}no keepalive +# stop the keepalive frames/m)
      assert.equal(output.split('apply both ends? [y/N]').length, 2, 'asked once')
      const planAt = output.indexOf('plan, node first then switch:')
      const warnAt = output.indexOf('warning: br0 will start sending BPDUs')
      const askAt = output.indexOf('apply both ends?')
      assert.ok(planAt >= 0 && planAt < warnAt && warnAt < askAt, 'the plan, its warnings, then the question')
      assert.match(output, /not confirmed: nothing was sent to \S+ or sw1/)
      assert.equal(lab.device.lastConfigChange, null)
      assert.equal(await stpOf(), 'false')
    } finally {
      await closeLab()
    }
  })

  test('--apply --yes --bounce: both ends fixed and read back (human), then again with --json: nothing changed', async () => {
    await startLab()
    try {
      const r = await runCli(cli.runJs, args('--apply', '--yes', '--bounce', ...FAST), env, 90_000)
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /^verdict +BRIDGE LOOP/m)
      assert.match(r.stdout, /^apply$/m)
      assert.match(r.stdout, /^node \S+: STP on for br0; eth[01] blocking after \d+\.\d s$/m)
      assert.match(r.stdout, /^verified:$/m)
      assert.match(r.stdout, /^ {2}ok br0 on \S+: STP on, eth[01] blocking$/m)
      assert.match(r.stdout, /^ {2}ok Gi1\/0\/19 on sw1: up, keepalive off, loopback recovery every 300 s$/m)
      assert.match(r.stderr, /^plan, node first then switch:$/m)
      assert.match(r.stderr, /warning: br0 will start sending BPDUs/)
      assert.equal(lab.device.status(lab.device.port('Gi1/0/19')), 'connected')

      const again = await runCli(cli.runJs, args('--apply', '--yes', '--bounce', ...FAST, '--json'), env, 90_000)
      assert.equal(again.code, 0, again.stderr)
      const j = JSON.parse(again.stdout) as {
        verdict: string
        apply: {changed: boolean; node: {action: string}; switch: {applied: string[]}; verified: {ok: boolean}}
      }
      assert.equal(j.verdict, 'stp-blocked')
      assert.equal(j.apply.changed, false)
      assert.equal(j.apply.node.action, 'none')
      assert.deepEqual(j.apply.switch.applied, [])
      assert.equal(j.apply.verified.ok, true)
    } finally {
      await closeLab()
      await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=false')
    }
  })
})
