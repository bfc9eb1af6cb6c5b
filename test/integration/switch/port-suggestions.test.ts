/** What --port suggests when it names no single real port, on the lab switch (IOS and NX-OS). */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {InputError, type NetopsError, PortNotFoundError} from '../../../src/errors.js'
import {startLabSwitch, type LabSwitch} from '../../../src/lab/switch/index.js'
import {SwitchDevice} from '../../../src/switch/device.js'

for (const platform of ['ios', 'nxos'] as const) {
  describe(`--port suggestions on the ${platform} lab switch`, () => {
    let lab: LabSwitch
    let dev: SwitchDevice
    before(async () => {
      lab = await startLabSwitch({platform, timeScale: 0.01})
      dev = await SwitchDevice.open({
        target: {host: '127.0.0.1', port: lab.port, username: 'admin', password: 'admin', hostKeyPolicy: 'off', sshConfigFile: null},
        enablePassword: 'cisco',
        platform,
        timeoutMs: 10_000,
      })
    })
    after(async () => {
      await dev?.close()
      await lab?.close()
    })

    test('a range is refused as a range (exit 2), suggesting each real end, not a look-alike port', async () => {
      const query = platform === 'ios' ? 'Gi1/0/19-20' : 'Eth1/19-20'
      const [a, b] = platform === 'ios' ? ['Gi1/0/19', 'Gi1/0/20'] : ['Eth1/19', 'Eth1/20']
      await assert.rejects(dev.resolvePort(query), (e: NetopsError) => {
        assert.ok(e instanceof InputError, e.message)
        assert.equal(e.exitCode, 2)
        assert.equal(e.message, `--port takes one port, and ${query} is a range`)
        assert.deepEqual(e.suggestions, [`run once per port: --port ${a}, then --port ${b}`])
        return true
      })
    })

    test('a port channel the switch does not have: says so, and suggests a port the lab can show (never mgmt0)', async () => {
      let suggested = ''
      await assert.rejects(dev.resolvePort('Po1'), (e: NetopsError) => {
        assert.ok(e instanceof PortNotFoundError, e.message)
        assert.match(e.message, /^no port Po1 on 127\.0\.0\.1 \(it has no Port-channel ports\); nearest: /)
        assert.doesNotMatch(e.message, /mgmt/)
        suggested = /--port (\S+)/.exec(e.suggestions[0] ?? '')?.[1] ?? ''
        return true
      })
      const facts = await dev.readPort(suggested)
      assert.ok(facts, `the suggested ${suggested} can be read`)
    })
  })
}
