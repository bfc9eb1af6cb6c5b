/** ovsdb-server up, ovs-vswitchd down: the change is stored, not active; say so, don't fail or hang. */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ovsSkip, startOvs, type OvsSandbox} from '../../helpers/ovs.js'
import {LocalExecutor} from '../../../src/ovs/executor.js'
import {Vsctl} from '../../../src/ovs/vsctl.js'
import {getStpStatus, stpOn} from '../../../src/ovs/stp.js'

describe('ovs stp with ovs-vswitchd not running', {skip: ovsSkip()}, () => {
  let ovs: OvsSandbox
  let vsctl: Vsctl
  before(async () => {
    ovs = await startOvs()
    await ovs.addBridge('br0')
    await ovs.stopVswitchd()
    assert.equal(ovs.vswitchdPid(), undefined)
    vsctl = new Vsctl(new LocalExecutor({env: {...process.env, ...ovs.env}}), {timeoutSec: 5})
  })
  after(() => ovs?.stop())

  test('stp on returns at once with active: false and a warning, and the value is stored', async () => {
    const t0 = Date.now()
    const r = await stpOn(vsctl, 'br0', {})
    const ms = Date.now() - t0
    assert.ok(ms < 4000, `took ${ms} ms: it must not wait for the ovs-vsctl --timeout`)
    assert.equal(r.changed, true)
    assert.equal(r.active, false)
    assert.ok(r.command?.includes('--no-wait'))
    assert.ok(
      r.warnings.some((w) => /ovs-vswitchd is not running.*stored in ovsdb but NOT active/.test(w)),
      r.warnings.join('\n'),
    )
    assert.equal((await ovs.vsctl('get', 'Bridge', 'br0', 'stp_enable')).trim(), 'true')
  })

  test('status shows the stored config as not active, with a warning', async () => {
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.stp, true)
    assert.equal(st?.active, false)
    assert.equal(st?.bridgeId, null)
    assert.ok(st?.warnings.some((w) => /not active/.test(w)))
  })

  test('when ovs-vswitchd starts again the stored setting takes effect', async () => {
    await ovs.startVswitchd()
    await ovs.vsctl('--timeout=10', 'wait-until', 'Bridge', 'br0', 'status:stp_bridge_id!=""')
    const [st] = await getStpStatus(vsctl, 'br0')
    assert.equal(st?.active, true)
    assert.match(st?.bridgeId ?? '', /^8000\./)
  })
})
