/**
 * e2e (built CLI, real OVS): what `netops ovs stp ...` says when the OVS daemons are down or hung.
 * ovs-vswitchd stopped: --wait fails fast, "already on" warns, port states read from ovsdb are
 * marked stale. ovsdb-server stopped with SIGSTOP: the timeout is a timeout (exit 8).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {buildPrivateCli, ovsSkip, runCli, startOvs, type OvsSandbox} from '../../helpers/ovs.js'

interface Port {
  name: string
  state: string | null
  stale: boolean
}

describe('netops ovs stp with the OVS daemons down (built CLI, real OVS)', {skip: ovsSkip()}, () => {
  let ovs: OvsSandbox
  let cli: {runJs: string; cleanup: () => void}
  let env: Record<string, string | undefined>
  const netops = (...argv: string[]) => runCli(cli.runJs, argv, env)

  before(async () => {
    ;[ovs, cli] = await Promise.all([startOvs(), buildPrivateCli()])
    await ovs.addBridge('br0')
    await ovs.addBridge('br1')
    await ovs.addLoop('br0', 'br1', 1)
    env = {PATH: process.env['PATH'], HOME: process.env['HOME'], ...ovs.env}
    // STP on br0 while ovs-vswitchd runs, so ovsdb holds port states; then stop ovs-vswitchd.
    await ovs.vsctl('set', 'Bridge', 'br0', 'stp_enable=true')
    await ovs.vsctl('--timeout=20', 'wait-until', 'Port', 'br0-l0', 'status:stp_state!=""')
    await ovs.stopVswitchd()
    assert.equal(ovs.vswitchdPid(), undefined)
  })
  after(async () => {
    await ovs?.stop()
    cli?.cleanup()
  })

  test('stp on --wait with ovs-vswitchd down fails at once with exit 13 and writes nothing', async () => {
    const t0 = Date.now()
    const r = await netops('ovs', 'stp', 'on', 'br1', '--wait', '--json')
    assert.ok(Date.now() - t0 < 15_000, 'fails fast')
    assert.equal(r.code, 13, r.stdout + r.stderr)
    const e = (JSON.parse(r.stdout) as {error: {code: string; message: string; suggestions: string[]}}).error
    assert.equal(e.code, 'NETOPS_OVS_VSWITCHD_DOWN')
    assert.match(e.message, /cannot wait for br1 to settle: ovs-vswitchd is not running.*nothing was changed/)
    assert.ok(e.suggestions.some((s) => /drop --wait/.test(s)))
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br1', 'stp_enable')).trim(), 'false')
    const h = await netops('ovs', 'stp', 'on', 'br0', '--wait')
    assert.equal(h.code, 13)
    assert.equal(h.stdout, '')
    assert.match(h.stderr, /error \[NETOPS_OVS_VSWITCHD_DOWN\] cannot wait for br0 to settle/)
  })

  test('stp on when already on but ovs-vswitchd is down: exit 0, changed false, and a warning that it is not active', async () => {
    const j = await netops('ovs', 'stp', 'on', 'br0', '--json')
    assert.equal(j.code, 0, j.stderr)
    const out = JSON.parse(j.stdout) as {changed: boolean; active: boolean; warnings: string[]}
    assert.deepEqual([out.changed, out.active], [false, false])
    assert.ok(
      out.warnings.some((w) => /ovs-vswitchd is not running.*STP on br0 is stored in ovsdb but NOT active/.test(w)),
      out.warnings.join('\n'),
    )
    const h = await netops('ovs', 'stp', 'on', 'br0')
    assert.equal(h.code, 0)
    assert.match(h.stdout, /^br0: already STP on \(stored, not active: ovs-vswitchd is not running\), nothing changed$/m)
    assert.match(h.stderr, /warning: ovs-vswitchd is not running/)
  })

  test('status marks the port states left in ovsdb as stale, in the table and in --json', async () => {
    const j = await netops('ovs', 'stp', 'status', 'br0', '--json')
    assert.equal(j.code, 0, j.stderr)
    const st = JSON.parse(j.stdout) as {active: boolean; ports: Port[]; warnings: string[]}
    assert.equal(st.active, false)
    const l0 = st.ports.find((p) => p.name === 'br0-l0')
    assert.ok(l0?.state !== null && l0?.state !== undefined, 'the stored state is still shown')
    assert.equal(l0?.stale, true)
    assert.equal(st.ports.find((p) => p.name === 'br0')?.stale, false, 'the internal port has no state to be stale')
    assert.ok(st.warnings.some((w) => /port states shown are stale/.test(w)))
    const h = await netops('ovs', 'stp', 'status', 'br0')
    assert.equal(h.code, 0, h.stderr)
    assert.match(h.stdout, /br0-l0\s+\w+ \(stale\)/)
  })

  test('stp on --force (RSTP to STP) warns that the tree reconverges with STP timers', async () => {
    await ovs.vsctl('--no-wait', 'set', 'Bridge', 'br1', 'rstp_enable=true')
    const r = await netops('ovs', 'stp', 'on', 'br1', '--force', '--forward-delay', '11')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: replacing RSTP by STP on br1 restarts spanning tree: .*2 x forward-delay = 22 s/)
    const j = await netops('ovs', 'stp', 'status', 'br1', '--json')
    assert.equal((JSON.parse(j.stdout) as {rstp: boolean}).rstp, false)
  })

  test('ovsdb-server hung (SIGSTOP): exit 8 NETOPS_EXEC_TIMEOUT naming ovsdb-server, not exit 4', async () => {
    const pid = Number.parseInt(readFileSync(join(ovs.dir, 'ovsdb-server.pid'), 'utf8').trim(), 10)
    process.kill(pid, 'SIGSTOP')
    try {
      const r = await netops('ovs', 'stp', 'status', 'br0', '--timeout', '1', '--json')
      assert.equal(r.code, 8, r.stdout + r.stderr)
      const e = (JSON.parse(r.stdout) as {error: {code: string; message: string; exitCode: number}}).error
      assert.deepEqual([e.code, e.exitCode], ['NETOPS_EXEC_TIMEOUT', 8])
      assert.match(e.message, /ovs-vsctl got no answer from ovsdb-server within --timeout 1 s on this machine/)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  })
})
