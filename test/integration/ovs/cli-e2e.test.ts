/**
 * e2e: the BUILT CLI (`node bin/run.js ovs stp ...`, compiled into a private dir) against a real
 * private Open vSwitch. stdout, stderr and the exit code are asserted separately.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {buildPrivateCli, ovsSkip, runCli, startOvs, type OvsSandbox} from '../../helpers/ovs.js'

describe('netops ovs stp (built CLI, real OVS)', {skip: ovsSkip()}, () => {
  let ovs: OvsSandbox
  let cli: {runJs: string; cleanup: () => void}
  let env: Record<string, string | undefined>
  const netops = (...argv: string[]) => runCli(cli.runJs, argv, env)

  before(async () => {
    ;[ovs, cli] = await Promise.all([startOvs(), buildPrivateCli()])
    await ovs.addBridge('br0')
    await ovs.addBridge('br1')
    await ovs.addLoop('br0', 'br1', 2)
    env = {PATH: process.env['PATH'], HOME: process.env['HOME'], ...ovs.env}
  })
  after(async () => {
    await ovs?.stop()
    cli?.cleanup()
  })

  test('status --json prints one JSON list of bridges on stdout, nothing on stderr, exit 0', async () => {
    const r = await netops('ovs', 'stp', 'status', '--json')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const list = JSON.parse(r.stdout) as Array<{bridge: string; stp: boolean; rstp: boolean; ports: Array<{name: string}>}>
    assert.deepEqual(
      list.map((b) => [b.bridge, b.stp, b.rstp]),
      [
        ['br0', false, false],
        ['br1', false, false],
      ],
    )
    assert.deepEqual(
      list[0]?.ports.map((p) => p.name),
      ['br0', 'br0-l0', 'br0-l1'],
    )
  })

  test('stp on --dry-run: the plan and the command it would run, the warnings, and nothing changed', async () => {
    const r = await netops('ovs', 'stp', 'on', 'br1', '--priority', '4096', '--dry-run')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^br1: would turn STP on \(dry run: nothing was sent\)$/m)
    assert.match(r.stdout, /would run: ovs-vsctl .*set Bridge br1 stp_enable=true other_config:stp-priority=4096/)
    assert.match(r.stderr, /warning: br1 will start sending BPDUs/)
    const j = await netops('ovs', 'stp', 'on', 'br1', '--priority', '4096', '--dry-run', '--json')
    const out = JSON.parse(j.stdout) as {changed: boolean; dryRun: boolean; command: string[]}
    assert.deepEqual([out.changed, out.dryRun], [true, true])
    assert.ok(out.command.includes('stp_enable=true'))
    const st = JSON.parse((await netops('ovs', 'stp', 'status', 'br1', '--json')).stdout) as {stp: boolean}
    assert.equal(st.stp, false, 'still off')
    const both = await netops('ovs', 'stp', 'on', 'br1', '--dry-run', '--wait')
    assert.equal(both.code, 2, 'waiting for a change that is not made makes no sense')
  })

  test('stp on --json: result on stdout with changed and warnings; the BPDU warning also on stderr', async () => {
    const r = await netops(
      'ovs',
      'stp',
      'on',
      'br1',
      '--priority',
      '4096',
      '--hello-time',
      '1',
      '--max-age',
      '6',
      '--forward-delay',
      '4',
      '--json',
    )
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as {bridge: string; changed: boolean; stp: boolean; rstp: boolean; active: boolean; warnings: string[]}
    assert.deepEqual([out.bridge, out.changed, out.stp, out.rstp, out.active], ['br1', true, true, false, true])
    assert.ok(out.warnings.some((w) => /BPDU guard/.test(w)))
    assert.match(r.stderr, /warning: br1 will start sending BPDUs/)
  })

  test('stp on --wait (human): progress on stderr, the settled table with one blocking port on stdout', async () => {
    const r = await netops('ovs', 'stp', 'on', 'br0', '--hello-time', '1', '--max-age', '6', '--forward-delay', '4', '--wait')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /will run ovs-vsctl set Bridge br0 stp_enable=true/)
    assert.match(r.stderr, /waiting for br0 to settle: .*listening/)
    assert.match(r.stdout, /^br0: STP on$/m)
    assert.match(r.stdout, /PORT\s+STATE\s+ROLE\s+PORT ID\s+COST\s+BPDU RX\/TX/)
    assert.equal((r.stdout.match(/\bblocking\s+alternate\b/g) ?? []).length, 1, r.stdout)
    assert.equal((r.stdout.match(/\bforwarding\s+root\b/g) ?? []).length, 1, r.stdout)
    assert.match(r.stdout, /br0\s+internal \(no STP\)/)
    assert.doesNotMatch(r.stdout, /warning/)
  })

  test("status br0 --json is a single object with the issue's keys", async () => {
    const r = await netops('ovs', 'stp', 'status', 'br0', '--json')
    assert.equal(r.code, 0, r.stderr)
    const st = JSON.parse(r.stdout) as Record<string, unknown>
    for (const k of ['bridge', 'stp', 'rstp', 'bridgeId', 'rootId', 'isRoot', 'ports']) assert.ok(k in st, `missing ${k}`)
    assert.equal(st['isRoot'], false)
    const ports = st['ports'] as Array<Record<string, unknown>>
    for (const k of ['name', 'state', 'role', 'portId', 'pathCost']) assert.ok(k in (ports[1] ?? {}), `port missing ${k}`)
  })

  test('unknown bridge: exit 5, {"error"} with the list of bridges on stdout in --json', async () => {
    const r = await netops('ovs', 'stp', 'status', 'br9', '--json')
    assert.equal(r.code, 5)
    const e = (JSON.parse(r.stdout) as {error: {code: string; message: string; exitCode: number}}).error
    assert.equal(e.code, 'NETOPS_OVS_BRIDGE_NOT_FOUND')
    assert.match(e.message, /bridges: br0, br1/)
  })

  test('unknown bridge in human mode: nothing on stdout, the error on stderr, exit 5', async () => {
    const r = await netops('ovs', 'stp', 'on', 'br9')
    assert.equal(r.code, 5)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /error \[NETOPS_OVS_BRIDGE_NOT_FOUND\] no bridge named br9 \(bridges: br0, br1\)/)
  })

  test('bad priority: exit 2 (usage), nothing written', async () => {
    const r = await netops('ovs', 'stp', 'on', 'br0', '--priority', '1000')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--priority must be a multiple of 4096/)
    assert.equal((await ovs.vsctl('--if-exists', 'get', 'Bridge', 'br0', 'other_config:stp-priority')).trim(), '')
  })

  test('RSTP on: stp on refuses with exit 12 and says RSTP is active', async () => {
    await ovs.vsctl('set', 'Bridge', 'br0', 'rstp_enable=true')
    const r = await netops('ovs', 'stp', 'on', 'br0')
    assert.equal(r.code, 12)
    assert.match(r.stderr, /RSTP is on for br0/)
    assert.match(r.stderr, /--force/)
    await ovs.vsctl('set', 'Bridge', 'br0', 'rstp_enable=false')
  })

  test('database unreachable: exit 13 and how to start OVS', async () => {
    const r = await netops('ovs', 'stp', 'status', '--db', `unix:${ovs.dir}/none.sock`)
    assert.equal(r.code, 13)
    assert.match(r.stderr, /cannot reach the OVS database at unix:.*none\.sock/)
    assert.match(r.stderr, /start Open vSwitch/)
  })

  test('--sudo without --host is a usage error (exit 2)', async () => {
    const r = await netops('ovs', 'stp', 'status', '--sudo')
    assert.equal(r.code, 2)
  })

  test('stp off twice: changed true, then false; exit 0 both times', async () => {
    const a = await netops('ovs', 'stp', 'off', 'br0', '--json')
    const b = await netops('ovs', 'stp', 'off', 'br0', '--json')
    assert.deepEqual([a.code, b.code], [0, 0])
    assert.equal((JSON.parse(a.stdout) as {changed: boolean}).changed, true)
    assert.equal((JSON.parse(b.stdout) as {changed: boolean}).changed, false)
    await netops('ovs', 'stp', 'off', 'br1')
  })
})
