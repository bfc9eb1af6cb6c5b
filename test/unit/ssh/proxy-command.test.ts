import {test} from 'node:test'
import assert from 'node:assert/strict'
import {SshUnreachableError} from '../../../src/errors.js'
import {describeProxyExit, proxyCommandError, ProxyCommandStream, stderrLines, stderrTail} from '../../../src/ssh/proxy-command.js'

test('exits are described by status, signal, or start failure', () => {
  assert.equal(describeProxyExit({code: 255, signal: null}), 'exited with status 255')
  assert.equal(describeProxyExit({code: null, signal: 'SIGKILL'}), 'was killed by SIGKILL')
  assert.equal(
    describeProxyExit({code: null, signal: null, error: Object.assign(new Error('x'), {code: 'ENOENT'})}),
    'could not be started: ENOENT',
  )
})

test('the stderr tail keeps the last non-empty lines', () => {
  assert.equal(stderrTail('a\n\nb\r\nc\n', 2), 'b | c')
  assert.equal(stderrTail(''), '')
  assert.deepEqual(stderrLines(' a | b \n\n c'), ['a | b', 'c'])
})

test('a ProxyCommand error is unreachable (exit 3), names the target, the status, stderr and the ssh_config line', () => {
  const e = proxyCommandError({
    target: 'admin@sw1:22',
    command: 'ssh -W sw1:22 bastion',
    exit: {code: 255, signal: null},
    stderr: 'ssh: connect to host bastion port 22: Connection refused\n',
    origin: '/home/a/.ssh/config:4',
  })
  assert.ok(e instanceof SshUnreachableError)
  assert.equal(e.exitCode, 3)
  assert.equal(
    e.message,
    'ProxyCommand for admin@sw1:22 exited with status 255 before the SSH connection was up: ssh: connect to host bastion port 22: Connection refused',
  )
  assert.match(e.suggestions[0] ?? '', /\/home\/a\/\.ssh\/config:4.*ssh -W sw1:22 bastion/)
})

test('the command stdio is a duplex: what we write comes back through cat, stderr is kept, exit recorded', async () => {
  const s = new ProxyCommandStream(`sh -c 'echo warming up >&2; cat'`)
  const chunks: Buffer[] = []
  s.on('data', (d: Buffer) => chunks.push(d))
  s.write('hello ')
  s.end('world')
  const exit = await s.whenExited()
  assert.deepEqual(exit, {code: 0, signal: null})
  await new Promise((r) => setImmediate(r))
  assert.equal(Buffer.concat(chunks).toString(), 'hello world')
  assert.equal(s.stderr, 'warming up\n')
})

test('destroying the stream kills a command that is still running (run with `exec`, as ssh does: no shell left holding the pipes)', async () => {
  const s = new ProxyCommandStream('sleep 30')
  s.on('error', () => {})
  s.destroy()
  const t0 = Date.now()
  const exit = await s.whenExited()
  assert.equal(exit.signal, 'SIGTERM')
  // without `exec` the shell died but `sleep` kept the pipes open: whenExited came 30 s later
  assert.ok(Date.now() - t0 < 10_000, `exited ${Date.now() - t0} ms after destroy`)
})

test('a command that fails at once reports its status and stderr', async () => {
  const s = new ProxyCommandStream(`sh -c 'echo "no route to bastion" >&2; exit 7'`)
  s.resume()
  const exit = await s.whenExited()
  assert.equal(exit.code, 7)
  assert.equal(stderrTail(s.stderr), 'no route to bastion')
})
