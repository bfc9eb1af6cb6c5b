import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../../src/cli/base-command.js'
import {onTargets, ovsFlags, planAnnouncer} from '../../../src/cli/ovs.js'
import type {MultiHostResult} from '../../../src/cli/multi-host.js'
import {renderStpChange, summarizeChange} from '../../../src/cli/render/ovs.js'
import {stpOff, type StpChangeResult} from '../../../src/ovs/stp.js'

export default class OvsStpOff extends BaseCommand {
  static override summary = 'turn spanning tree off for an Open vSwitch bridge'
  static override description = `Sets stp_enable=false and, when RSTP is on, rstp_enable=false, in one ovs-vsctl transaction: afterwards the bridge runs no spanning tree at all. Timers in other_config are left as they are. Re-running on a bridge that is already off reports changed: false.

--json: {bridge, changed, stp, rstp, active, applied, command, dryRun, warnings}; several --host → {hosts: [{host, ok, result | error}]}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> br0',
    '<%= config.bin %> <%= command.id %> br0 --json',
    '<%= config.bin %> <%= command.id %> br0 --dry-run',
    '<%= config.bin %> <%= command.id %> br0 --host node7 --username ops --sudo',
  ]

  static override args = {bridge: Args.string({required: true, description: 'bridge name, e.g. br0'})}
  static override flags = {
    ...ovsFlags,
    'dry-run': Flags.boolean({default: false, description: 'show the plan and the ovs-vsctl command, and change nothing'}),
  }

  async run(): Promise<StpChangeResult | MultiHostResult<StpChangeResult>> {
    const {args, flags} = await this.parse(OvsStpOff)
    const outcome = await onTargets(
      flags,
      process.env,
      async (vsctl, prefix) => {
        // a dry run shows its command as the result ("would run"), not as "will run"
        const announce = planAnnouncer(prefix, flags['dry-run'] ? () => undefined : (m) => this.info(m), (m) => this.warnLine(m))
        const result = await stpOff(vsctl, args.bridge, {onPlan: (plan) => announce.onPlan(plan), dryRun: flags['dry-run']})
        announce.after(result)
        return result
      },
      {askSecret: this.secretAsker()},
    )
    return this.finishTargets(outcome, renderStpChange, summarizeChange)
  }
}
