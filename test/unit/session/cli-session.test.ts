import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {ConnectionLostError, DeviceCommandError, EnableAuthError, SshTimeoutError} from '../../../src/errors.js'
import {ios} from '../../../src/platforms/ios.js'
import {CliSession, normalizeTerminalText, type SessionLogEntry} from '../../../src/session/cli-session.js'
import {ScriptedChannel, type ScriptedDeviceOptions} from '../../helpers/scripted-device.js'

const STATUS = [
  'Port      Name               Status       Vlan       Duplex  Speed Type',
  'Gi1/0/1                      connected    10         a-full a-1000 10/100/1000BaseTX',
  'Gi1/0/19  node19-eth0        err-disabled 10           auto   auto 10/100/1000BaseTX',
].join('\n')

async function openSession(o: ScriptedDeviceOptions & {timeoutMs?: number; secret?: string}, log?: SessionLogEntry[]) {
  const channel = new ScriptedChannel(o)
  const session = new CliSession(channel, {
    platform: ios,
    timeoutMs: o.timeoutMs ?? 2000,
    target: 'admin@sw1:22',
    enablePassword: o.secret ?? 'cisco',
    ...(log ? {log: (e: SessionLogEntry) => log.push(e)} : {}),
  })
  await session.open()
  return {channel, session}
}

describe('CliSession', () => {
  test('opens through a banner containing # and >, enters enable, disables paging', async () => {
    const banner = '\r\n#####################\r\n# Authorised use only > #\r\n#####################\r\n\r\n'
    const {channel, session} = await openSession({banner, seed: 7})
    assert.equal(session.hostname, 'sw1')
    assert.equal(session.mode, 'privileged')
    assert.deepEqual(channel.received.slice(-2), ['terminal length 0', 'terminal width 511'])
    assert.ok(channel.received.includes('enable'))
  })

  test('returns command output without echo or prompt, with LF line endings', async () => {
    for (const eol of ['\r\n', '\r\r\n']) {
      const {session} = await openSession({outputs: {'show interfaces status': STATUS}, eol, seed: 3})
      const r = await session.send('show interfaces status')
      assert.equal(r.output, STATUS)
      assert.equal(r.failed, null)
    }
  })

  test('answers --More-- when paging stays on, whatever the chunking', async () => {
    const long = Array.from({length: 60}, (_, i) => ` line ${i}`).join('\n')
    for (let seed = 1; seed <= 25; seed++) {
      const channel = new ScriptedChannel({outputs: {'show logging': long}, pageLines: 24, seed})
      let pages = 0
      const session = new CliSession(channel, {
        platform: {...ios, onOpen: []},
        timeoutMs: 2000,
        target: 't',
        enablePassword: 'cisco',
        onPager: () => pages++,
      })
      await session.open()
      const r = await session.send('show logging')
      assert.equal(r.output, long, `seed ${seed}`)
      assert.equal(pages, 2)
    }
  })

  test('a wrong enable secret is an EnableAuthError and the secret is never logged', async () => {
    const log: SessionLogEntry[] = []
    await assert.rejects(openSession({secret: 'wrong-secret-123'}, log), EnableAuthError)
    assert.ok(!log.some((e) => e.text.includes('wrong-secret-123')))
  })

  test('a missing enable secret is an EnableAuthError that says how to pass one', async () => {
    await assert.rejects(openSession({secret: ''}), (err: unknown) => {
      assert.ok(err instanceof EnableAuthError)
      assert.match(err.suggestions.join(' '), /--enable-password/)
      return true
    })
  })

  test('starts already privileged without sending enable', async () => {
    const {channel, session} = await openSession({startMode: 'privileged'})
    assert.equal(session.mode, 'privileged')
    assert.ok(!channel.received.includes('enable'))
  })

  test('sendConfig stops at % Invalid input, names the line, and leaves config mode with end', async () => {
    const {channel, session} = await openSession({invalid: ['errdisable recovery cause loopback']})
    await assert.rejects(
      session.sendConfig([
        'interface GigabitEthernet1/0/19',
        'no keepalive',
        'exit',
        'errdisable recovery cause loopback',
        'errdisable recovery interval 300',
      ]),
      (err: unknown) => {
        assert.ok(err instanceof DeviceCommandError)
        assert.match(err.message, /errdisable recovery cause loopback/)
        assert.deepEqual(err.details?.applied, ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit'])
        return true
      },
    )
    assert.equal(channel.received.at(-1), 'end')
    assert.ok(!channel.received.includes('errdisable recovery interval 300'))
    assert.equal(session.mode, 'privileged')
  })

  test('sendConfig stopBefore ends the run between lines and still leaves config mode with end', async () => {
    const {channel, session} = await openSession({})
    const lines = ['interface GigabitEthernet1/0/19', 'no keepalive', 'exit', 'errdisable recovery cause loopback']
    const outcome = await session.sendConfig(lines, {stopBefore: (i) => i === 2})
    assert.equal(outcome.stopped, true)
    assert.deepEqual(outcome.applied, lines.slice(0, 2))
    assert.ok(!channel.received.includes('exit') && !channel.received.includes('errdisable recovery cause loopback'))
    assert.equal(channel.received.at(-1), 'end')
    assert.equal(session.mode, 'privileged')
  })

  test('save answers the destination filename prompt and waits for [OK]', async () => {
    const {session} = await openSession({})
    const r = await session.save()
    assert.match(r.output, /\[OK\]/)
  })

  test('a dropped connection is a ConnectionLostError', async () => {
    const {session} = await openSession({dropOn: 'show logging'})
    await assert.rejects(session.send('show logging'), ConnectionLostError)
  })

  test('a command that never returns the prompt times out with the command named', async () => {
    const {session} = await openSession({hangOn: 'show tech-support', timeoutMs: 300})
    await assert.rejects(session.send('show tech-support'), (err: unknown) => {
      assert.ok(err instanceof SshTimeoutError)
      assert.match(err.message, /show tech-support/)
      return true
    })
  })
})

describe('normalizeTerminalText', () => {
  test('folds CRLF and CR CR LF, strips ANSI and applies backspaces', () => {
    assert.equal(normalizeTerminalText('a\r\nb\r\r\nc'), 'a\nb\nc')
    assert.equal(normalizeTerminalText('\u001b[1mbold\u001b[0m'), 'bold')
    assert.equal(normalizeTerminalText('abc\b\bX'), 'aX')
  })
})
