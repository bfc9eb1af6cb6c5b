import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderLabSwitch} from '../../../src/cli/render/lab.js'
import {FakeClock} from '../../../src/lab/clock.js'
import {Device} from '../../../src/lab/switch/device.js'
import type {LabSwitch} from '../../../src/lab/switch/index.js'
import {describeLab} from '../../../src/lab/switch/report.js'

function fake(port: number, over: Partial<LabSwitch> = {}, hostname = 'sw1'): LabSwitch {
  return {
    host: '127.0.0.1',
    port,
    username: 'admin',
    password: 'admin',
    enablePassword: 'cisco',
    platform: 'ios',
    hostKeyFingerprint: 'SHA256:abc',
    hostPublicKey: 'ssh-ed25519 AAAA',
    device: new Device({clock: new FakeClock(), hostname}),
    close: async () => {},
    ...over,
  }
}

test('the report carries the public default passwords, and leaves custom ones out', () => {
  const meta = {scenario: 'loop' as const, timeScale: 1, legacySsh: false, model: 'single' as const, now: new Date(0)}
  const r = describeLab([fake(2222)], meta)
  assert.equal(r.credentials, 'lab-defaults')
  assert.equal(r.password, 'admin')
  assert.deepEqual(r.scenarioPort, {interface: 'GigabitEthernet1/0/19', status: 'err-disabled', errDisabledReason: 'loopback'})
  const custom = describeLab([fake(2222, {password: 'x9', enablePassword: 'y9'})], meta)
  assert.equal(custom.credentials, 'custom')
  assert.ok(!('password' in custom) && !('enablePassword' in custom))
  assert.doesNotMatch(JSON.stringify(custom), /x9|y9/)
})

test('human rendering says where it listens, how to log in, and what port 19 is doing', () => {
  const meta = {scenario: 'loop' as const, timeScale: 0.01, legacySsh: false, model: 'single' as const}
  const text = renderLabSwitch(describeLab([fake(2222)], meta), {password: 'admin', enablePassword: 'cisco'})
  assert.match(text, /listening on 127\.0\.0\.1:2222/)
  assert.match(text, /ssh -p 2222 admin@127\.0\.0\.1/)
  assert.match(text, /password: +admin/)
  assert.match(text, /enable: +cisco/)
  assert.match(text, /GigabitEthernet1\/0\/19 err-disabled \(loopback\)/)
  assert.match(text, /recovery timer 300 s → 3 s/)
})

test('a fleet renders one line per switch and the port range', () => {
  const meta = {scenario: 'loop' as const, timeScale: 1, legacySsh: false, model: 'single' as const}
  const text = renderLabSwitch(describeLab([fake(3000, {}, 'sw1'), fake(3001, {}, 'sw2')], meta), {
    password: 'admin',
    enablePassword: 'cisco',
  })
  assert.match(text, /2 lab switches .* ports 3000-3001/)
  assert.match(text, /^sw2 +127\.0\.0\.1 +3001$/m)
})
