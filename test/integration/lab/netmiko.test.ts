/**
 * Netmiko (Debian's python3-netmiko, run with /usr/bin/python3) drives the lab switch the way it
 * drives a real one: ConnectHandler with a secret, enable(), send_command(), send_config_set(),
 * save_config(). Under CI=true a missing Netmiko fails; elsewhere the tests skip and say why.
 */
import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import type {Device} from '../../../src/lab/switch/device.js'
import {startLabSwitch, type LabSwitchOptions} from '../../../src/lab/switch/index.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, 'netmiko_drive.py')

function netmikoSkip(): string | false {
  try {
    execFileSync(PYTHON, ['-c', 'import netmiko'], {stdio: 'ignore'})
    return false
  } catch {
    const why = `Netmiko is not importable by ${PYTHON} (apt-get install python3-netmiko, or scripts/install-test-deps.sh)`
    if (process.env.CI === 'true') throw new Error(`${why}; under CI=true this is a failure, not a skip`)
    return why
  }
}
const skip = netmikoSkip()

interface DriveResult {
  prompt: string
  enabledPrompt: string
  configPromptAfter: string
  status: string
  config: string
  save: string
  runningInterface: string
  recovery: string
  steps: Record<string, number>
}

async function drive(opts: LabSwitchOptions, deviceType: 'cisco_ios' | 'cisco_nxos'): Promise<{result: DriveResult; device: Device}> {
  const sw = await startLabSwitch(opts)
  try {
    // async execFile: the switch lives in this process's event loop
    const stdout = await new Promise<string>((res, rej) =>
      execFile(
        PYTHON,
        [SCRIPT, sw.host, String(sw.port), deviceType, sw.username],
        {
          env: {...process.env, LAB_PASSWORD: sw.password, LAB_SECRET: sw.enablePassword},
          timeout: 120_000,
          maxBuffer: 10 * 1024 * 1024,
        },
        (e, out, err) => (e ? rej(new Error(`netmiko_drive.py failed: ${e.message}\n${err}`)) : res(out)),
      ),
    )
    return {result: JSON.parse(stdout) as DriveResult, device: sw.device}
  } finally {
    await sw.close()
  }
}

describe('Netmiko drives the lab switch', {concurrency: true, skip}, () => {
  test('cisco_ios: enable, show interfaces status, send_config_set, save_config (write mem) all work and change the device', async () => {
    const {result: r, device} = await drive({platform: 'ios', saveDelayMs: 20}, 'cisco_ios')
    assert.equal(r.prompt, 'sw1>')
    assert.equal(r.enabledPrompt, 'sw1#')
    assert.match(r.status, /^Gi1\/0\/19 +compute-19 eth0 +err-disabled /m)
    assert.doesNotMatch(r.status, /--More--/)
    assert.match(r.config, /sw1\(config-if\)#no keepalive/)
    assert.doesNotMatch(r.config, /% Invalid/)
    assert.equal(r.configPromptAfter, 'sw1#')
    assert.match(r.save, /Building configuration\.\.\.\n\[OK\]/)
    assert.match(r.runningInterface, /^ no keepalive$/m)
    assert.match(r.recovery, /^loopback +Enabled$/m)
    assert.equal(device.port('Gi1/0/19').keepalive, null)
    assert.ok(device.recoveryCauses.has('loopback'))
    assert.ok(device.startupConfig?.includes(' no keepalive'))
  })

  test('cisco_nxos: privileged at login, show interface status, config without keepalive, copy run start', async () => {
    const {result: r, device} = await drive({platform: 'nxos', saveDelayMs: 100}, 'cisco_nxos')
    assert.equal(r.prompt, 'sw1#')
    assert.match(r.status, /^Eth1\/19 +compute-19 eth0 +err-disab /m)
    assert.match(r.config, /sw1\(config-if\)# errdisable recovery cause loopback/)
    assert.doesNotMatch(r.config, /% Invalid/)
    assert.match(r.save, /Copy complete\./)
    assert.match(r.recovery, /^loopback +enabled$/m)
    assert.ok(device.recoveryCauses.has('loopback'))
    assert.ok(device.startupConfig)
  })

  test('cisco_ios over legacy SSH (Paramiko negotiates SHA-1 DH, ssh-rsa, CBC)', async () => {
    const {result: r} = await drive({platform: 'ios', legacySsh: true, saveDelayMs: 20}, 'cisco_ios')
    assert.equal(r.enabledPrompt, 'sw1#')
    assert.match(r.save, /\[OK\]/)
  })
})
