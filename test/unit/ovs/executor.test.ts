import {test} from 'node:test'
import assert from 'node:assert/strict'
import {LocalExecutor, SshExecutor, type RemoteShell} from '../../../src/ovs/executor.js'
import type {ExecResult} from '../../../src/ssh/types.js'

function recordingShell(reply: Pick<ExecResult, 'exitCode' | 'signal'> & Partial<ExecResult>) {
  const sent: string[] = []
  const shell: RemoteShell = {
    exec: (cmd) => {
      sent.push(cmd)
      return Promise.resolve({stdout: '', stderr: '', ...reply})
    },
    close: () => Promise.resolve(),
  }
  return {shell, sent}
}

test('SshExecutor quotes argv for the remote shell and prefixes sudo -n with --sudo', async () => {
  const {shell, sent} = recordingShell({exitCode: 0, signal: null})
  await new SshExecutor(shell, {where: 'n1', sudo: true}).run([
    'ovs-vsctl',
    '--timeout=5',
    'set',
    'Bridge',
    "br0; rm -rf / 'x'",
    'stp_enable=true',
  ])
  assert.equal(sent[0], `sudo -n ovs-vsctl --timeout=5 set Bridge 'br0; rm -rf / '\\''x'\\''' stp_enable=true`)
})

test('SshExecutor puts env variables after sudo (which would reset them)', async () => {
  const {shell, sent} = recordingShell({exitCode: 0, signal: null})
  await new SshExecutor(shell, {where: 'n1', sudo: true, env: {OVS_RUNDIR: '/tmp/o'}}).run(['ovs-vsctl', 'show'])
  assert.equal(sent[0], 'sudo -n env OVS_RUNDIR=/tmp/o ovs-vsctl show')
})

test('SshExecutor turns a remote SIGALRM death into exit 142 with signal SIGALRM', async () => {
  const {shell} = recordingShell({exitCode: null, signal: 'ALRM'})
  const r = await new SshExecutor(shell, {where: 'n1'}).run(['ovs-vsctl', 'set'])
  assert.equal(r.exitCode, 142)
  assert.equal(r.signal, 'SIGALRM')
})

test('LocalExecutor runs argv without a shell and returns stdout, stderr and the exit status', async () => {
  const ex = new LocalExecutor()
  const r = await ex.run(['sh', '-c', 'echo out; echo err >&2; exit 3'])
  assert.deepEqual([r.exitCode, r.stdout, r.stderr], [3, 'out\n', 'err\n'])
  const lit = await ex.run(['echo', '$HOME; echo pwned'])
  assert.equal(lit.stdout, '$HOME; echo pwned\n')
})

test('LocalExecutor reports a missing program as exit 127 "command not found"', async () => {
  const r = await new LocalExecutor({env: {PATH: '/nonexistent'}}).run(['ovs-vsctl', 'show'])
  assert.equal(r.exitCode, 127)
  assert.match(r.stderr, /ovs-vsctl: command not found/)
})

test('LocalExecutor passes the environment it is given (OVS_RUNDIR) to the child', async () => {
  const r = await new LocalExecutor({env: {PATH: '/usr/bin:/bin', OVS_RUNDIR: '/tmp/given'}}).run(['sh', '-c', 'echo $OVS_RUNDIR'])
  assert.equal(r.stdout, '/tmp/given\n')
})

test('LocalExecutor reports death by signal as 128+N', async () => {
  const r = await new LocalExecutor().run(['sh', '-c', 'kill -ALRM $$'])
  assert.equal(r.exitCode, 142)
  assert.equal(r.signal, 'SIGALRM')
})
