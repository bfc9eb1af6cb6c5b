import {Flags} from '@oclif/core'
import type {MultiHostResult} from '../../src/cli/multi-host.js'
import {canPrompt, confirm} from '../../src/cli/prompt.js'
import {renderFixResult, renderPlan, summarizeFixResult} from '../../src/cli/render/switch.js'
import {intervalFlag, SwitchCommand, switchFlags} from '../../src/cli/switch-command.js'
import {ConfirmationRequiredError} from '../../src/errors.js'
import {fixLoop, type FixLoopResult} from '../../src/switch/fix-loop.js'

export default class SwitchFixLoop extends SwitchCommand {
  static override summary = 'stop keepalive loop-back err-disable on a port: no keepalive + errdisable recovery, only what is missing'
  static override description = `Plans only what is missing of:
  interface <port> / no keepalive          (IOS / IOS-XE; NX-OS has no Ethernet keepalive)
  errdisable recovery cause loopback
  errdisable recovery interval <N>
shows the plan, asks on a terminal (--yes skips; without a terminal and without --yes it refuses),
applies it, then reads the state back and prints before/after. A second run sends nothing.
It refuses a port err-disabled for another cause (bpduguard, loopdetect, link-flap, ...).
If the session breaks mid-way it reports exactly which lines were applied.
The same switch listed twice (same address and SSH port after ~/.ssh/config and DNS: localhost is
127.0.0.1) is refused with exit 2; with --dry-run it runs once, with a warning.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --host sw1 --port 19 --dry-run',
    '<%= config.bin %> <%= command.id %> --host sw1 --port 19 --yes --bounce --save',
    '<%= config.bin %> <%= command.id %> --host sw1 --port Gi1/0/19 --interval 600 --yes --wait',
    '<%= config.bin %> <%= command.id %> --inventory switches.yaml --port 19 --yes --json',
  ]

  static override flags = {
    ...switchFlags,
    interval: intervalFlag,
    'dry-run': Flags.boolean({default: false, description: 'print the plan and send no configuration'}),
    yes: Flags.boolean({char: 'y', default: false, description: 'apply without asking'}),
    bounce: Flags.boolean({default: false, description: 'recover the port now with shutdown / no shutdown'}),
    save: Flags.boolean({default: false, description: 'save the configuration (copy running-config startup-config)'}),
    wait: Flags.boolean({default: false, description: 'wait for the port to come up, with a countdown'}),
    'wait-timeout': Flags.integer({min: 1, default: 400, description: 'seconds --wait waits at most'}),
  }

  async run(): Promise<FixLoopResult | MultiHostResult<FixLoopResult>> {
    const {flags} = await this.parse(SwitchFixLoop)
    const jobs = await this.switchJobs(flags, {changes: !flags['dry-run']})
    const several = jobs.length > 1
    const interactive = canPrompt() && !this.jsonEnabled()
    if (!flags.yes && !flags['dry-run'] && (several || !interactive)) {
      throw new ConfirmationRequiredError(
        several
          ? 'several switches: pass --yes to apply (review with --dry-run first)'
          : 'no terminal to confirm on: pass --yes to apply, or --dry-run to see the plan',
        {suggestions: ['netops switch fix-loop ... --dry-run', 'netops switch fix-loop ... --yes']},
      )
    }
    const outcome = await this.onSwitches(flags, jobs, (device, job) =>
      fixLoop(device, {
        port: job.port,
        intervalSeconds: flags.interval,
        dryRun: flags['dry-run'],
        bounce: flags.bounce,
        save: flags.save,
        wait: flags.wait,
        waitTimeoutMs: flags['wait-timeout'] * 1000,
        pollIntervalMs: 2000,
        confirm: async (plan, before) => {
          if (flags.yes) return true
          this.info(renderPlan(plan, device.name, before.interface))
          return confirm('apply this plan?')
        },
        progress: (m) => this.info(m),
      }),
    )
    return this.finishTargets(outcome, renderFixResult, summarizeFixResult)
  }
}
