import assert from 'node:assert/strict'
import {test} from 'node:test'
import {labCli} from '../../../helpers/lab-cli.js'

async function privileged(opts: Parameters<typeof labCli>[0] = {}) {
  const d = labCli(opts)
  await d.send('enable\r')
  await d.send('cisco\r')
  return d
}

test('IOS login: banner (with # and > in it) before the first prompt, user exec prompt sw1>', () => {
  const d = labCli()
  const text = d.raw.replace(/\r\n/g, '\n')
  assert.match(text, /SIMULATED Cisco IOS-XE/)
  assert.ok(text.endsWith('\nsw1>'))
})

test('enable asks Password: without echoing the secret, then the prompt is sw1#', async () => {
  const d = labCli()
  assert.equal(await d.send('enable\r'), 'enable\nPassword: ')
  assert.equal(await d.send('cisco\r'), '\nsw1#')
  assert.equal(d.session.mode, 'exec')
})

test('a wrong enable secret is asked again, and after three tries it is % Access denied and back to sw1>', async () => {
  const d = labCli()
  await d.send('enable\r')
  assert.equal(await d.send('nope\r'), '\nPassword: ')
  await d.send('nope\r')
  assert.equal(await d.send('nope\r'), '\n% Access denied\n\nsw1>')
  assert.equal(d.session.mode, 'user')
})

test('user exec refuses privileged commands with the caret under the failing character', async () => {
  const d = labCli()
  assert.equal(await d.send('configure terminal\r'), "configure terminal\n    ^\n% Invalid input detected at '^' marker.\n\nsw1>")
})

test('configure terminal / conf t, interface spellings, exit, end and Ctrl-Z walk the modes with the real prompts', async () => {
  const d = await privileged()
  assert.equal(await d.send('conf t\r'), 'conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\nsw1(config)#')
  assert.match(await d.send('int gi1/0/19\r'), /sw1\(config-if\)#$/)
  assert.equal(d.session.iface?.name, 'GigabitEthernet1/0/19')
  assert.match(await d.send('exit\r'), /sw1\(config\)#$/)
  assert.match(await d.send('interface GigabitEthernet1/0/19\r'), /sw1\(config-if\)#$/)
  assert.match(await d.send('int gi 1/0/20\r'), /sw1\(config-if\)#$/)
  assert.equal(d.session.iface?.name, 'GigabitEthernet1/0/20')
  assert.match(await d.send('end\r'), /\nsw1#$/)
  await d.send('configure terminal\r')
  assert.equal(await d.send('\x1a'), '^Z\nsw1#')
  // leaving configuration mode is logged
  assert.equal(d.device.log.filter((e) => e.text === '%SYS-5-CONFIG_I: Configured from console by admin on vty0 (127.0.0.1)').length, 2)
})

test('invalid input: the echoed command, a caret line under the first character no keyword continues, the message and a blank line', async () => {
  const d = await privileged()
  const caret = ' '.repeat('sw1#show interfa'.length) + '^'
  assert.equal(
    await d.send('show interfaxes status\r'),
    `show interfaxes status\n${caret}\n% Invalid input detected at '^' marker.\n\nsw1#`,
  )
  const out = await d.send('sh foo\r')
  const [echo, caret2] = out.split('\n')
  assert.equal(echo, 'sh foo')
  assert.equal(caret2!.indexOf('^'), 'sw1#sh '.length)
})

test('ambiguous and incomplete commands are reported in the IOS form', async () => {
  const d = await privileged()
  assert.equal(await d.send('sh i\r'), 'sh i\n% Ambiguous command:  "sh i"\n\nsw1#')
  assert.equal(await d.send('show\r'), 'show\n% Incomplete command.\n\nsw1#')
  assert.equal(await d.send('show errdisable\r'), 'show errdisable\n% Incomplete command.\n\nsw1#')
})

test('unique prefixes work: sh int status, sh run int gi1/0/19, sh errdis rec, sh log, wr mem', async () => {
  const d = await privileged()
  await d.send('terminal length 0\r')
  assert.match(await d.send('sh int status\r'), /^Gi1\/0\/19 +compute-19 eth0 +err-disabled /m)
  assert.match(await d.send('sh run int gi1/0/19\r'), /^interface GigabitEthernet1\/0\/19\n description compute-19 eth0\n/m)
  assert.match(await d.send('sh errdis rec\r'), /^Timer interval: 300 seconds$/m)
  assert.match(await d.send('sh log\r'), /%PM-4-ERR_DISABLE: loopback error detected on Gi1\/0\/19/)
  assert.equal(await d.send('wr mem\r'), 'wr mem\nBuilding configuration...\n[OK]\nsw1#')
  assert.ok(d.device.startupConfig?.includes('hostname sw1'))
})

test('configuration changes show in the running-config; the default interval 300 is omitted', async () => {
  const d = await privileged()
  await d.send('terminal length 0\r')
  await d.send(
    'conf t\rinterface Gi1/0/19\rno keepalive\rexit\rerrdisable recovery cause loopback\rerrdisable recovery interval 300\rend\r',
  )
  const run = await d.send('show running-config\r')
  assert.match(run, /^errdisable recovery cause loopback$/m)
  assert.doesNotMatch(run, /errdisable recovery interval/)
  assert.match(run, /^interface GigabitEthernet1\/0\/19\n(?: .*\n)* no keepalive\n/m)
  await d.send('conf t\rerrdisable recovery interval 600\rend\r')
  assert.match(await d.send('show running-config | include interval\r'), /^errdisable recovery interval 600$/m)
  assert.match(await d.send('show interfaces gi1/0/19 | include Keepalive\r'), /^ {2}Keepalive not set$/m)
})

test('an out-of-range recovery interval is rejected with the caret under the number', async () => {
  const d = await privileged()
  await d.send('conf t\r')
  const out = await d.send('errdisable recovery interval 10\r')
  assert.equal(
    out,
    'errdisable recovery interval 10\n' +
      ' '.repeat('sw1(config)#errdisable recovery interval '.length) +
      "^\n% Invalid input detected at '^' marker.\n\nsw1(config)#",
  )
  assert.equal(d.device.recoveryInterval, 300)
})

test('global configuration commands work from interface mode and return the prompt to (config)#', async () => {
  const d = await privileged()
  await d.send('conf t\rint gi1/0/19\r')
  assert.match(await d.send('errdisable recovery cause loopback\r'), /sw1\(config\)#$/)
  assert.ok(d.device.recoveryCauses.has('loopback'))
})

test('paging: 23 lines then --More--; space = next page, Enter = one line, q = quit; terminal length 0 turns it off', async () => {
  const d = await privileged()
  const first = await d.send('show interfaces status\r')
  const lines = first.split('\n')
  assert.equal(lines.length, 1 + 23 + 1) // echo, 23 lines, --More--
  assert.equal(lines.at(-1), ' --More-- ')
  const erase = '\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10)
  const one = await d.send('\r')
  assert.ok(one.startsWith(erase))
  assert.equal(one.slice(erase.length).split('\n').length, 2)
  const page = await d.send(' ')
  assert.equal(page.slice(erase.length).split('\n').length, 24)
  const quit = await d.send('q')
  assert.equal(quit, erase + 'sw1#')
  await d.send('terminal length 0\r')
  assert.doesNotMatch(await d.send('show interfaces status\r'), /--More--/)
})

test('stuck paging keeps --More-- even after terminal length 0', async () => {
  const d = await privileged({faults: {stuckPaging: true}})
  await d.send('terminal length 0\r')
  assert.match(await d.send('show interfaces status\r'), / --More-- $/)
})

test('copy running-config startup-config waits for Enter at the destination prompt before saving', async () => {
  const d = await privileged()
  assert.equal(
    await d.send('copy running-config startup-config\r'),
    'copy running-config startup-config\nDestination filename [startup-config]? ',
  )
  assert.equal(d.device.startupConfig, null)
  assert.equal(await d.send('\r'), '\nBuilding configuration...\n[OK]\nsw1#')
  assert.ok(d.device.startupConfig)
})

test('CR, LF and CRLF each end one line; backspace and Ctrl-U edit it; arrow keys are ignored', async () => {
  const d = await privileged()
  assert.equal(await d.send('show clock\r\n'), 'show clock\n03:00:00.000 UTC Fri Nov 27 2026\nsw1#')
  assert.equal(await d.send('show clack\x7f\x7f\x7fock\n'), 'show clack\b \b\b \b\b \bock\n03:00:00.000 UTC Fri Nov 27 2026\nsw1#')
  assert.match(await d.send('garbage\x15\x1b[Ashow clock\r'), /\n03:00:00.000 UTC/)
})

test('type-ahead: several lines in one chunk run in order, each with its own prompt', async () => {
  const d = await privileged()
  const out = await d.send('terminal length 0\rshow clock\rshow clock\r')
  assert.equal(
    out,
    'terminal length 0\nsw1#show clock\n03:00:00.000 UTC Fri Nov 27 2026\nsw1#show clock\n03:00:00.000 UTC Fri Nov 27 2026\nsw1#',
  )
})

test('pipes: include, exclude, begin and count on show commands; a pipe on a non-show command is invalid', async () => {
  const d = await privileged()
  await d.send('terminal length 0\r')
  assert.equal(
    await d.send('show interfaces status | include Gi1/0/19\r'),
    'show interfaces status | include Gi1/0/19\nGi1/0/19  compute-19 eth0    err-disabled 10           auto   auto 10/100/1000BaseTX\nsw1#',
  )
  const ex = await d.send('show interfaces status | exclude connect\r')
  assert.doesNotMatch(ex, /connected|notconnect/)
  assert.match(await d.send('show logging | begin Log Buffer\r'), /^Log Buffer \(102400 bytes\):$/m)
  assert.match(await d.send('sh int status | count err-disabled\r'), /Number of lines which match regexp = 1/)
  assert.match(await d.send('write memory | include OK\r'), /% Invalid input detected/)
})

test('the clock drives the device under the CLI: after the recovery timer the port is connected, 10 s later err-disabled again', async () => {
  const d = await privileged()
  await d.send('conf t\rerrdisable recovery cause loopback\rend\r')
  assert.match(await d.send('show errdisable recovery | include Gi1/0/19\r'), /Gi1\/0\/19 +loopback +300/)
  d.clock.advance(300_000)
  assert.match(await d.send('show interfaces Gi1/0/19 status\r'), /connected/)
  d.clock.advance(10_000)
  assert.match(await d.send('show interfaces Gi1/0/19 status\r'), /err-disabled/)
})

test('faults: a rejected config line answers % Invalid input and changes nothing', async () => {
  const d = await privileged({faults: {rejectLines: ['no keepalive']}})
  await d.send('conf t\rint gi1/0/19\r')
  assert.match(await d.send('no keepalive\r'), /% Invalid input detected at '\^' marker\./)
  assert.equal(d.device.port('Gi1/0/19').keepalive, 10)
})

test('faults: the connection drops right after the named command ran, without a prompt', async () => {
  const d = await privileged({faults: {dropAfter: 'no keepalive'}})
  await d.send('conf t\rint gi1/0/19\r')
  const out = await d.send('no keepalive\rerrdisable recovery cause loopback\r')
  assert.equal(out, 'no keepalive\n')
  assert.ok(d.closed)
  assert.equal(d.device.port('Gi1/0/19').keepalive, null)
  assert.ok(!d.device.recoveryCauses.has('loopback'))
})

test('faults: responses are delayed by delayMs', async () => {
  const d = labCli({faults: {delayMs: 60}})
  const t0 = Date.now()
  await d.send('show clock\r')
  assert.ok(Date.now() - t0 >= 55)
})

test('exit in user or privileged mode ends the session', async () => {
  const d = labCli()
  await d.send('exit\r')
  assert.ok(d.closed)
})

test('NX-OS: login is privileged, prompts end in "# ", interface mode uses Ethernet1/19', async () => {
  const d = labCli({platform: 'nxos'})
  assert.ok(d.raw.endsWith('sw1# '))
  assert.equal(d.session.mode, 'exec')
  await d.send('configure terminal\r')
  assert.match(await d.send('interface Ethernet1/19\r'), /sw1\(config-if\)# $/)
})

test('NX-OS has no interface keepalive: % Invalid command with the caret under "keepalive"', async () => {
  const d = labCli({platform: 'nxos'})
  await d.send('conf t\rint eth1/19\r')
  const out = await d.send('no keepalive\r')
  assert.equal(out, 'no keepalive\n' + ' '.repeat('sw1(config-if)# no '.length) + "^\n% Invalid command at '^' marker.\nsw1(config-if)# ")
})

test('NX-OS: interval range 30-65535 and the NX-OS range error; copy run start prints the progress bar and Copy complete.', async () => {
  const d = labCli({platform: 'nxos'})
  await d.send('conf t\r')
  assert.match(await d.send('errdisable recovery interval 70000\r'), /% Invalid number, range is \(30:65535\) at '\^' marker\./)
  await d.send('errdisable recovery interval 65535\rend\r')
  assert.equal(d.device.recoveryInterval, 65535)
  assert.equal(
    await d.send('copy running-config startup-config\r'),
    'copy running-config startup-config\n[########################################] 100%\nCopy complete.\nsw1# ',
  )
})

test('NX-OS: show interface status err-disabled, show logging logfile and show errdisable recovery', async () => {
  const d = labCli({platform: 'nxos', scenario: 'flapping'})
  await d.send('terminal length 0\r')
  assert.match(await d.send('sh int status err-disabled\r'), /^Eth1\/19 +compute-19 eth0 +err-disabled +loopback$/m)
  assert.match(
    await d.send('show logging logfile | include Reason\r'),
    /^2026 Nov 27 \d\d:\d\d:\d\d sw1 %ETHPORT-5-IF_DOWN_ERROR_DISABLED: Interface Ethernet1\/19 is down \(Error disabled\. Reason:loopback\)$/m,
  )
  assert.match(await d.send('sh errdisable recovery\r'), /^loopback {24}enabled\n[\s\S]*\n\tTimer interval: 300\n/m)
})

test('? lists what may come next and reprints the line; a partial word lists its completions', async () => {
  const d = await privileged()
  assert.equal(await d.send('show int ?'), 'show int ?\n  status\n  GigabitEthernet\n  <cr>\n\nsw1#show int ')
  assert.equal(await d.send('\x15sh in?'), '\b \b'.repeat('show int '.length) + 'sh in?\ninterfaces  inventory\n\nsw1#sh in')
  await d.send('\x15conf t\r')
  assert.match(await d.send('errdisable recovery interval ?'), /\n {2}<30-86400>\n/)
})
