import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../../src/cli/base-command.js'
import {onTargets, ovsFlags, planAnnouncer, stpOnFlags, stpOnOptions} from '../../../src/cli/ovs.js'
import type {MultiHostResult} from '../../../src/cli/multi-host.js'
import {renderStpChange, summarizeChange} from '../../../src/cli/render/ovs.js'
import {getStpStatus, stateCounts, stpOn, waitBudgetMs, waitUntilSettled, type StpChangeResult} from '../../../src/ovs/stp.js'

export default class OvsStpOn extends BaseCommand {
  static override summary = 'turn spanning tree on for an Open vSwitch bridge'
  static override description = `Sets stp_enable=true (or rstp_enable=true with --rstp) and any timers in ONE ovs-vsctl transaction. Before enabling it warns (stderr, and "warnings" in --json) what STP does on the wire: the node starts sending BPDUs, so a switch port with BPDU guard err-disables, and ports spend 2 x forward-delay before forwarding. Refuses when RSTP is already on unless --rstp or --force. When ovs-vswitchd is not running the change is stored but not active, which is reported as a warning; with --wait it is refused instead (nothing could converge), before anything is written.

--dry-run plans, probes and prints the command without writing anything.

--json: {bridge, changed, stp, rstp, active, applied, command, dryRun, warnings, status?}; several --host → {hosts: [{host, ok, result | error}]}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> br0',
    '<%= config.bin %> <%= command.id %> br0 --dry-run',
    '<%= config.bin %> <%= command.id %> br0 --priority 4096 --hello-time 1 --max-age 6 --forward-delay 4 --wait',
    '<%= config.bin %> <%= command.id %> br0 --rstp',
    '<%= config.bin %> <%= command.id %> br0 --host node7 --host node8 --username ops --sudo',
  ]

  static override args = {bridge: Args.string({required: true, description: 'bridge name, e.g. br0'})}
  static override flags = {
    ...ovsFlags,
    ...stpOnFlags,
    wait: Flags.boolean({
      default: false,
      exclusive: ['dry-run'],
      description: 'wait until every STP port forwards or blocks, then print the port table',
    }),
    'dry-run': Flags.boolean({default: false, description: 'show the plan, the warnings and the ovs-vsctl command, and change nothing'}),
  }

  async run(): Promise<StpChangeResult | MultiHostResult<StpChangeResult>> {
    const {args, flags} = await this.parse(OvsStpOn)
    const opts = stpOnOptions(flags) // validated before anything is sent anywhere

    const outcome = await onTargets(
      flags,
      process.env,
      async (vsctl, prefix) => {
        // a dry run shows its command as the result ("would run"), not as "will run"
        const announce = planAnnouncer(prefix, flags['dry-run'] ? () => undefined : (m) => this.info(m), (m) => this.warnLine(m))
        const result = await stpOn(vsctl, args.bridge, opts, {
          onPlan: (plan) => announce.onPlan(plan),
          dryRun: flags['dry-run'],
          requireActive: flags.wait,
        })
        announce.after(result)
        if (flags.wait && result.active && (result.stp || result.rstp)) {
          const [before] = await getStpStatus(vsctl, args.bridge)
          let lastProgress = ''
          result.status = await waitUntilSettled(vsctl, args.bridge, {
            timeoutMs: waitBudgetMs(before, opts),
            onProgress: (st, ms) => {
              // One line per change of the port-state mix, not per poll.
              const c =
                Object.entries(stateCounts(st))
                  .map(([k, n]) => `${n} ${k}`)
                  .join(', ') || 'no STP ports'
              if (c === lastProgress) return
              lastProgress = c
              this.info(`${prefix}waiting for ${st.bridge} to settle: ${c} (${(ms / 1000).toFixed(1)} s)`)
            },
          })
        }
        return result
      },
      {askSecret: this.secretAsker()},
    )
    return this.finishTargets(outcome, renderStpChange, summarizeChange)
  }
}
