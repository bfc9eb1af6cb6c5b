import {test} from 'node:test'
import assert from 'node:assert/strict'
import {renderPlan, renderStpChange, summarizeChange, renderStpStatus} from '../../../../src/cli/render/ovs.js'
import {renderHostTable} from '../../../../src/cli/render/table.js'
import type {StpBridgeStatus} from '../../../../src/ovs/stp.js'
import {OvsDbUnreachableError} from '../../../../src/errors.js'

const st: StpBridgeStatus = {
  bridge: 'br0',
  stp: true,
  rstp: false,
  mode: 'stp',
  active: true,
  bridgeId: '8000.aa4feaf63a4b',
  rootId: '1000.a2f744980a4a',
  isRoot: false,
  rootPort: 'eth0',
  rootPathCost: 2,
  config: {priority: null, helloTime: 1, maxAge: 6, forwardDelay: 4},
  ports: [
    {name: 'br0', type: 'internal', internal: true, state: null, role: null, portId: null, pathCost: null, bpdu: null, stale: false},
    {
      name: 'eth0',
      type: '',
      internal: false,
      state: 'forwarding',
      role: 'root',
      portId: '8001',
      pathCost: 2,
      bpdu: {rx: 9, tx: 1, errors: 0},
      stale: false,
    },
    {
      name: 'eth1',
      type: '',
      internal: false,
      state: 'blocking',
      role: 'alternate',
      portId: '8002',
      pathCost: 2,
      bpdu: {rx: 9, tx: 1, errors: 0},
      stale: false,
    },
  ],
  warnings: [],
}

test('status shows ids, the root port, configured timers and one row per port, internal ports as such', () => {
  const out = renderStpStatus([st])
  assert.match(out, /^br0 {2}STP on$/m)
  assert.match(out, /root id {4}1000\.a2f744980a4a \(via eth0, path cost 2\)/)
  assert.match(out, /priority 32768 \(default\), hello 1 s, max-age 6 s, forward-delay 4 s/)
  assert.match(out, /eth1\s+blocking\s+alternate\s+8002\s+2\s+9\/1/)
  assert.match(out, /br0\s+internal \(no STP\)/)
})

test('a bridge with spanning tree off is one line plus its ports; no bridges is one line', () => {
  assert.equal(renderStpStatus([{...st, stp: false, mode: 'off', ports: [st.ports[0]!]}]), 'br0  spanning tree off\n  ports      br0')
  assert.equal(renderStpStatus([]), 'no bridges')
})

test('stored-but-not-active is said in the status header and the change line', () => {
  assert.match(renderStpStatus([{...st, active: false}]), /STP on \(stored, NOT active: ovs-vswitchd not running\)/)
  const change = {
    bridge: 'br0',
    changed: true,
    stp: true,
    rstp: false,
    active: false,
    applied: {stp_enable: 'true'},
    command: ['ovs-vsctl'],
    dryRun: false,
    warnings: [],
  }
  assert.match(renderStpChange(change), /br0: STP on \(stored, not active/)
  assert.equal(renderStpChange({...change, changed: false, active: true}), 'br0: already STP on, nothing changed')
})

test('with ovs-vswitchd down, stored port states are marked stale and "already on" says it is not active', () => {
  const down = {...st, active: false, ports: st.ports.map((p) => ({...p, stale: !p.internal}))}
  const out = renderStpStatus([down])
  assert.match(out, /eth0\s+forwarding \(stale\)\s+root/)
  assert.match(out, /eth1\s+blocking \(stale\)\s+alternate/)
  assert.match(out, /br0\s+internal \(no STP\)/)
  const same = {
    bridge: 'br0',
    changed: false,
    stp: true,
    rstp: false,
    active: false,
    applied: {},
    command: null,
    dryRun: false,
    warnings: [],
  }
  assert.equal(renderStpChange(same), 'br0: already STP on (stored, not active: ovs-vswitchd is not running), nothing changed')
  assert.equal(renderStpChange({...same, stp: false}), 'br0: already spanning tree off, nothing changed')
})

test('a dry run says what would change and the exact command, shell-quoted', () => {
  const dry = {
    bridge: 'br0',
    changed: true,
    stp: true,
    rstp: false,
    active: true,
    applied: {stp_enable: 'true'},
    command: ['ovs-vsctl', '--timeout=30', 'set', 'Bridge', 'br 0', 'stp_enable=true'],
    dryRun: true,
    warnings: [],
  }
  assert.equal(
    renderStpChange(dry),
    "br0: would turn STP on (dry run: nothing was sent)\n  would run: ovs-vsctl --timeout=30 set Bridge 'br 0' stp_enable=true",
  )
  assert.equal(summarizeChange(dry), 'br0: STP on (would change)')
  assert.equal(renderStpChange({...dry, changed: false, command: null}), 'br0: already STP on, nothing changed')
})

test('the plan line is the ovs-vsctl set that will run', () => {
  const plan = {
    bridge: 'br0',
    settings: [
      ['stp_enable', 'true'],
      ['other_config:stp-priority', '4096'],
    ] as Array<[string, string]>,
    changed: true,
    stp: true,
    rstp: false,
    enabling: true,
    warnings: [],
  }
  assert.equal(renderPlan(plan), 'br0: will run ovs-vsctl set Bridge br0 stp_enable=true other_config:stp-priority=4096')
})

test('the host table has one row per host with the error code of failures', () => {
  const out = renderHostTable(
    [
      {target: 'node-a', ok: true, value: 'br0: STP on (changed)'},
      {target: 'node-b', ok: false, error: new OvsDbUnreachableError('cannot reach the OVS database')},
    ],
    (v: string) => v,
  )
  assert.match(out, /1\/2 hosts ok/)
  assert.match(out, /HOST\s+RESULT\s+DETAIL/)
  assert.match(out, /node-a\s+ok\s+br0: STP on \(changed\)/)
  assert.match(out, /node-b\s+failed \(NETOPS_OVS_DB_UNREACHABLE\)\s+cannot reach the OVS database/)
})
