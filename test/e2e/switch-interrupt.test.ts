import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startLabSwitch, type LabSwitch} from '../../src/lab/switch/index.js'
import {runCli, startCli} from '../helpers/cli.js'

const SECRET = 'S3cret-lab-pw'
/** Each configuration-mode line takes this long on the slowed lab switch. */
const CONFIG_DELAY_MS = 700
const PLAN = ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback']

interface InterruptedJson {
  error: {
    code: string
    exitCode: number
    message: string
    suggestions: string[]
    details: {applied: string[]; notApplied: string[]; saved: boolean}
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('switch fix-loop interrupted (built CLI against a slowed lab switch)', () => {
  let dir: string
  let env: Record<string, string>
  const labs: LabSwitch[] = []

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netops-e2e-intr-'))
    env = {NETOPS_PASSWORD: SECRET, NETOPS_ENABLE_PASSWORD: 'cisco', XDG_CONFIG_HOME: dir, NETOPS_SSH_CONFIG: ''}
  })
  after(async () => {
    await Promise.all(labs.map((l) => l.close()))
    rmSync(dir, {recursive: true, force: true})
  })

  async function slowLab(hostname: string): Promise<LabSwitch> {
    const lab = await startLabSwitch({timeScale: 0.01, password: SECRET, hostname, faults: {configDelayMs: CONFIG_DELAY_MS}})
    labs.push(lab)
    return lab
  }
  const conn = (lab: LabSwitch) => ['--host', lab.host, '--ssh-port', String(lab.port), '--username', lab.username]
  const keepaliveOff = (lab: LabSwitch) => !lab.device.keepaliveOn(lab.device.port('Gi1/0/19'))

  /** The device holds exactly the reported lines: keepalive, loopback recovery, startup config, config mode left. */
  function assertDeviceMatches(lab: LabSwitch, applied: string[]): void {
    assert.deepEqual(applied, PLAN.slice(0, applied.length), 'applied is a prefix of the plan')
    assert.equal(keepaliveOff(lab), applied.includes('no keepalive'))
    assert.equal(lab.device.recoveryCauses.has('loopback'), applied.includes('errdisable recovery cause loopback'))
    assert.equal(lab.device.startupConfig, null, 'nothing saved: the startup config is unchanged')
    assert.notEqual(lab.device.lastConfigChange, null, 'config mode was left with end (the switch logged CONFIG_I)')
  }

  test('SIGINT mid-plan: no line after the one in flight, `end`, no save, exit 15 with applied / not applied', async () => {
    const lab = await slowLab('tor-i1')
    const run = startCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--save'], {env})
    await until('`no keepalive` on the device', () => keepaliveOff(lab))
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 15, r.stderr)
    assert.match(r.stderr, /Ctrl-C: stopping after the config line in flight, leaving config mode, not saving/)
    assert.match(r.stderr, /NETOPS_INTERRUPTED/)
    const m =
      /interrupted mid-plan on GigabitEthernet1\/0\/19 on 127\.0\.0\.1: applied: (.*?); not applied: (.*?); config mode was left with `end`; not saved/.exec(
        r.stderr,
      )
    assert.ok(m, r.stderr)
    const applied = (m[1] ?? '').split('; ')
    assert.ok(applied.includes('no keepalive'))
    assert.ok((m[2] ?? '').includes('errdisable recovery cause loopback'))
    assert.match(r.stderr, /run the same command again to finish: it sends only what is missing/)
    assertDeviceMatches(lab, applied)

    // A second session sees the same state, and the same command finishes with only what was missing.
    const seen = await runCli(['switch', 'diagnose', ...conn(lab), '--port', '19', '--json'], {env})
    assert.equal(seen.code, 0, seen.stderr)
    const d = JSON.parse(seen.stdout) as {keepalive: boolean; recovery: {loopback: boolean}}
    assert.equal(d.keepalive, false)
    assert.equal(d.recovery.loopback, false)
    const again = await runCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--json'], {env})
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual((JSON.parse(again.stdout) as {applied: string[]}).applied, ['errdisable recovery cause loopback'])
  })

  test('SIGTERM mid-plan with --json: one error document whose applied list matches the device', async () => {
    const lab = await slowLab('tor-i2')
    const run = startCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--save', '--json'], {env})
    await until('`no keepalive` on the device', () => keepaliveOff(lab))
    run.child.kill('SIGTERM')
    const r = await run.done
    assert.equal(r.code, 15, r.stderr)
    const j = JSON.parse(r.stdout) as InterruptedJson
    assert.equal(j.error.code, 'NETOPS_INTERRUPTED')
    assert.equal(j.error.exitCode, 15)
    assert.equal(j.error.details.saved, false)
    assert.deepEqual([...j.error.details.applied, ...j.error.details.notApplied], PLAN)
    assertDeviceMatches(lab, j.error.details.applied)
  })

  test('SIGINT before any line is sent: nothing applied, and the report says so', async () => {
    const lab = await startLabSwitch({timeScale: 0.01, password: SECRET, hostname: 'tor-i3', faults: {delayMs: 300}})
    labs.push(lab)
    // NETOPS_DEBUG=1: the session transcript on stderr shows when the port is being read
    const run = startCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--json', '--timeout', '60'], {
      env: {...env, NETOPS_DEBUG: '1'},
    })
    await until('the port being read', () => run.output().stderr.includes('>> "show interfaces status'), 20_000)
    const interruptedAt = Date.now()
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 15, r.stderr)
    // the abandoned read ends with the session, not when its 60 s --timeout runs out (it used to wait)
    assert.ok(Date.now() - interruptedAt < 20_000, `exited ${Date.now() - interruptedAt} ms after SIGINT`)
    const j = JSON.parse(r.stdout) as InterruptedJson
    assert.match(j.error.message, /interrupted before any configuration was sent to 127\.0\.0\.1: nothing was applied; not saved/)
    assert.deepEqual(j.error.details.applied, [])
    assert.equal(lab.device.lastConfigChange, null, 'config mode was never entered')
    assert.ok(!keepaliveOff(lab))
  })

  test('a second Ctrl-C exits at once and still prints the one-line state', async () => {
    const lab = await slowLab('tor-i4')
    const run = startCli(['switch', 'fix-loop', ...conn(lab), '--port', '19', '--yes', '--save'], {env})
    await until('`no keepalive` on the device', () => keepaliveOff(lab))
    run.child.kill('SIGINT')
    await until('the first interrupt acknowledged', () => /Ctrl-C again to exit at once/.test(run.output().stderr), 5000)
    const second = Date.now()
    run.child.kill('SIGINT')
    const r = await run.done
    assert.ok(Date.now() - second < CONFIG_DELAY_MS, 'did not wait for the line in flight')
    assert.equal(r.code, 15, r.stderr)
    const m = /^interrupted: applied (\d) of 4 lines on 127\.0\.0\.1:\d+ \((.*)\); not saved$/m.exec(r.stderr)
    assert.ok(m, r.stderr)
    assert.deepEqual((m[2] ?? '').split('; '), PLAN.slice(0, Number(m[1])))
    assert.equal(lab.device.startupConfig, null)
  })

  async function fleet(name: string): Promise<{labs: [LabSwitch, LabSwitch]; inventory: string}> {
    const pair: [LabSwitch, LabSwitch] = [await slowLab(`${name}-1`), await slowLab(`${name}-2`)]
    const inventory = join(dir, `${name}.yaml`)
    writeFileSync(
      inventory,
      ['defaults: {username: admin, port: 19}', 'switches:', ...pair.map((l) => `  - {host: ${l.host}, ssh_port: ${l.port}}`)].join('\n'),
    )
    return {labs: pair, inventory}
  }

  test('a fleet of two with --json: every host state in the document, exit 15', async () => {
    const {labs: pair, inventory} = await fleet('tor-fj')
    const run = startCli(['switch', 'fix-loop', '--inventory', inventory, '--yes', '--save', '--json'], {env})
    await until('`no keepalive` on both', () => pair.every(keepaliveOff))
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 15, r.stderr)
    const j = JSON.parse(r.stdout) as {hosts: Array<{host: string; ok: boolean; error?: InterruptedJson['error']}>; failed: number}
    assert.equal(j.hosts.length, 2)
    for (const [i, lab] of pair.entries()) {
      const h = j.hosts[i]
      assert.equal(h?.host, `${lab.host}:${lab.port}`)
      assert.equal(h.ok, false)
      assert.equal(h.error?.code, 'NETOPS_INTERRUPTED')
      assertDeviceMatches(lab, h.error?.details.applied ?? [])
    }
    assert.match(r.stderr, /interrupted: 2 of 2 hosts cut short \(exit 15\)/)
  })

  test('a fleet of two in human mode: the per-host table says what each switch has', async () => {
    const {labs: pair, inventory} = await fleet('tor-fh')
    const run = startCli(['switch', 'fix-loop', '--inventory', inventory, '--yes', '--save'], {env})
    await until('`no keepalive` on both', () => pair.every(keepaliveOff))
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 15, r.stderr)
    for (const lab of pair) {
      const row = r.stdout.split('\n').find((l) => l.startsWith(`${lab.host}:${lab.port}`)) ?? ''
      assert.match(row, /failed \(NETOPS_INTERRUPTED\)/, r.stdout)
    }
    // the DETAIL column wraps the report to 80 columns: read it as one text
    assert.equal(r.stdout.replace(/\s+/g, ' ').match(/interrupted mid-plan on GigabitEthernet1\/0\/19/g)?.length, 2, r.stdout)
    assert.match(r.stdout, /0\/2 hosts ok/)
  })
})
