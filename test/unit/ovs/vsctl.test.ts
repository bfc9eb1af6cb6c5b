import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {FakeExecutor} from '../../helpers/ovs.js'
import {classifyFailure, Vsctl} from '../../../src/ovs/vsctl.js'
import {ExecError} from '../../../src/ovs/executor.js'
import {
  ExecTimeoutError,
  OvsBridgeNotFoundError,
  OvsDbUnreachableError,
  OvsNotInstalledError,
  PermissionError,
} from '../../../src/errors.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovs')
const snapshotJson = readFileSync(join(fixtures, 'vsctl-list-bridge-port-interface-loop.json'), 'utf8')
const res = (stderr: string, exitCode = 1, command = ['ovs-vsctl', '--timeout=5', 'show']) => ({
  command,
  exitCode,
  stdout: '',
  stderr,
  signal: null,
})

test('ovs-vsctl argv always carries --timeout, then --db and --no-wait when asked', () => {
  const v = new Vsctl(new FakeExecutor([]), {db: 'unix:/x/db.sock', timeoutSec: 7})
  assert.deepEqual(v.vsctlArgv(['show']), ['ovs-vsctl', '--timeout=7', '--db=unix:/x/db.sock', 'show'])
  assert.deepEqual(v.vsctlArgv(['set', 'Bridge', 'br0', 'stp_enable=true'], {noWait: true}), [
    'ovs-vsctl',
    '--timeout=7',
    '--db=unix:/x/db.sock',
    '--no-wait',
    'set',
    'Bridge',
    'br0',
    'stp_enable=true',
  ])
  assert.deepEqual(new Vsctl(new FakeExecutor([])).vsctlArgv(['show']), ['ovs-vsctl', '--timeout=5', 'show'])
})

test('ovs-appctl argv passes --target through and a timeout', () => {
  const v = new Vsctl(new FakeExecutor([]), {target: '/run/ovs/ovs-vswitchd.1.ctl', timeoutSec: 3})
  assert.deepEqual(v.appctlArgv(['stp/show', 'br0']), [
    'ovs-appctl',
    '--target=/run/ovs/ovs-vswitchd.1.ctl',
    '--timeout=3',
    'stp/show',
    'br0',
  ])
})

test('snapshot reads Bridge, Port and Interface in one JSON run and decodes maps, sets and one-element sets', async () => {
  const fake = new FakeExecutor([['list Bridge', {stdout: snapshotJson}]])
  const snap = await new Vsctl(fake).snapshot()
  assert.equal(fake.calls.length, 1)
  const argv = fake.calls[0] ?? []
  assert.ok(argv.includes('--format=json'))
  assert.ok(argv.some((a) => a.startsWith('--columns=name,stp_enable')))
  const br0 = snap.bridges.find((b) => b.name === 'br0')
  assert.equal(br0?.stpEnable, true)
  assert.equal(br0?.portUuids.length, 4)
  assert.equal(br0?.otherConfig['stp-max-age'], '6')
  assert.equal(br0?.status['stp_designated_root'], '1000.a2f744980a4a')
  const loop1a = snap.ports.find((p) => p.name === 'loop1a')
  assert.equal(loop1a?.status['stp_state'], 'blocking')
  assert.equal(loop1a?.statistics['stp_rx_count'], 9)
  assert.equal(loop1a?.interfaceUuids.length, 1)
  assert.equal(snap.interfaces.find((i) => i.name === 'int0')?.type, 'internal')
})

test('a missing db socket maps to OvsDbUnreachableError naming the socket and how to start OVS', () => {
  const e = classifyFailure(res('ovs-vsctl: unix:/tmp/ovs-none/db.sock: database connection failed (No such file or directory)'), {
    where: 'local',
  })
  assert.ok(e instanceof OvsDbUnreachableError)
  assert.match(e.message, /unix:\/tmp\/ovs-none\/db\.sock/)
  assert.ok(e.suggestions.some((s) => /openvswitch-switch|ovs-ctl start/.test(s)))
  assert.equal(e.exitCode, 13)
})

test('a refused connection (stale socket) is also OvsDbUnreachableError', () => {
  const e = classifyFailure(res('ovs-vsctl: unix:/x/db.sock: database connection failed (Connection refused)'), {where: 'node7'})
  assert.ok(e instanceof OvsDbUnreachableError)
  assert.match(e.message, /on node7/)
})

test('permission denied on the db socket maps to PermissionError', () => {
  const e = classifyFailure(res('ovs-vsctl: unix:/x/db.sock: database connection failed (Permission denied)'), {where: 'local'})
  assert.ok(e instanceof PermissionError)
  assert.equal(e.exitCode, 14)
})

test('command not found locally (127) and through sudo map to OvsNotInstalledError', () => {
  assert.ok(classifyFailure(res('ovs-vsctl: command not found', 127), {where: 'local'}) instanceof OvsNotInstalledError)
  assert.ok(classifyFailure(res('sudo: ovs-vsctl: command not found', 1), {where: 'n1'}) instanceof OvsNotInstalledError)
  assert.ok(classifyFailure(res('sh: 1: ovs-vsctl: not found', 127), {where: 'n1'}) instanceof OvsNotInstalledError)
})

test('sudo asking for a password maps to PermissionError with a sudoers hint', () => {
  const e = classifyFailure(res('sudo: a password is required'), {where: 'n1'})
  assert.ok(e instanceof PermissionError)
  assert.ok(e.suggestions.some((s) => s.includes('NOPASSWD')))
})

test('"no row in table Bridge" maps to OvsBridgeNotFoundError listing the existing bridges', () => {
  const e = classifyFailure(res('ovs-vsctl: no row "br9" in table Bridge'), {where: 'local', bridges: ['br0', 'br1']})
  assert.ok(e instanceof OvsBridgeNotFoundError)
  assert.match(e.message, /br9.*br0, br1/)
  assert.equal(e.exitCode, 5)
})

test('other ovs-vsctl failures become ExecError with the last real stderr line, vlog lines dropped', () => {
  const e = classifyFailure(res('2026-11-27T03:37:43Z|00001|daemon_unix|WARN|noise\novs-vsctl: "maybe" is not a valid boolean'), {
    where: 'local',
  })
  assert.ok(e instanceof ExecError)
  assert.match(e.message, /not a valid boolean/)
  assert.doesNotMatch(e.message, /daemon_unix/)
  assert.equal(e.exitCode, 4)
  assert.equal(e.processExitCode, 1)
})

test('ovs-vsctl killed by its own --timeout (ovsdb-server hung) is a timeout, exit 8, naming ovsdb-server', () => {
  const alarm = {
    ...res('2026-12-04T15:05:42Z|00001|fatal_signal|WARN|terminating with signal 14 (Alarm clock)\n', 142, [
      'ovs-vsctl',
      '--timeout=2',
      'list',
      'Bridge',
    ]),
    signal: 'SIGALRM',
  }
  const e = classifyFailure(alarm, {where: 'node7'})
  assert.ok(e instanceof ExecTimeoutError, e.constructor.name)
  assert.equal(e.exitCode, 8)
  assert.match(e.message, /^ovs-vsctl got no answer from ovsdb-server within --timeout 2 s on node7: is ovsdb-server hung or stopped\?$/)
  const appctl = classifyFailure({...alarm, command: ['ovs-appctl', '--timeout=5', 'stp/show']}, {where: 'local'})
  assert.match(appctl.message, /ovs-appctl got no answer from ovs-vswitchd within --timeout 5 s on this machine/)
})

test('setBridge sends all settings in ONE ovs-vsctl set and treats a SIGALRM death as stored-but-unconfirmed', async () => {
  const fake = new FakeExecutor([
    [
      'set Bridge',
      {exitCode: 142, signal: 'SIGALRM', stderr: '2026-11-27T03:37:45Z|00002|fatal_signal|WARN|terminating with signal 14 (Alarm clock)'},
    ],
  ])
  const r = await new Vsctl(fake).setBridge('br0', [
    ['stp_enable', 'true'],
    ['other_config:stp-priority', '4096'],
  ])
  assert.equal(r.unconfirmed, true)
  assert.equal(fake.calls.length, 1)
  assert.deepEqual(fake.calls[0], ['ovs-vsctl', '--timeout=5', 'set', 'Bridge', 'br0', 'stp_enable=true', 'other_config:stp-priority=4096'])
})

test("probeVswitchd reports not running with OVS's reason when the pidfile is missing", async () => {
  const fake = new FakeExecutor([
    [
      'version',
      {
        exitCode: 1,
        stderr:
          '2026-11-27T03:37:43Z|00001|daemon_unix|WARN|x\novs-appctl: cannot read pidfile "/r/ovs-vswitchd.pid" (No such file or directory)',
      },
    ],
  ])
  const p = await new Vsctl(fake).probeVswitchd()
  assert.equal(p.running, false)
  assert.match(p.reason ?? '', /cannot read pidfile/)
})
