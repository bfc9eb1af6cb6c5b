import assert from 'node:assert/strict'
import {test} from 'node:test'
import {switchDone} from '../../../src/loop/trace.js'
import type {PortFacts} from '../../../src/switch/types.js'

function facts(over: Partial<PortFacts>): PortFacts {
  return {
    host: 'sw1',
    hostname: 'sw1',
    platform: 'ios',
    software: null,
    interface: 'GigabitEthernet1/0/19',
    shortName: 'Gi1/0/19',
    description: null,
    status: 'connected',
    errDisabledReason: null,
    keepalive: false,
    keepaliveSeconds: null,
    adminDown: false,
    recovery: {loopback: true, intervalSeconds: 300, loopbackCauseSupported: true, secondsUntilRecovery: null},
    events: [],
    runningConfig: [],
    ...over,
  }
}

test('switchDone: the switch needs no fix-loop only when the port is up, keepalive off and loop-back recovery on', () => {
  assert.equal(switchDone(facts({})), true)
  assert.equal(switchDone(facts({keepalive: null})), true, 'NX-OS Ethernet has no keepalive')
  assert.equal(switchDone(facts({keepalive: true})), false)
  assert.equal(switchDone(facts({status: 'err-disabled', errDisabledReason: 'loopback'})), false)
  assert.equal(switchDone(facts({status: 'err-disab'})), false)
  const off = facts({})
  off.recovery.loopback = false
  assert.equal(switchDone(off), false)
})
