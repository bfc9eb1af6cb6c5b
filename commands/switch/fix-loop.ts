import {Flags} from '@oclif/core'
import type {MultiHostResult} from '../../src/cli/multi-host.js'
import {trapInterrupts} from '../../src/cli/interrupt.js'
import {canPrompt, confirm} from '../../src/cli/prompt.js'
import {renderFixResult, renderPlan, summarizeFixResult} from '../../src/cli/render/switch.js'
import {intervalFlag, jobLabel, SwitchCommand, switchFlags, type SwitchJob} from '../../src/cli/switch-command.js'
import {ConfirmationRequiredError, EXIT_CODES, InterruptedError} from '../../src/errors.js'
import {fixLoop, interruptedSummary, type FixLoopResult, type FixState} from '../../src/switch/fix-loop.js'

export default class SwitchFixLoop extends SwitchCommand {
  static override summary = 'stop keepalive loop-back err-disable on a port, sending only what is missing'
  static override description = `Plans only what is missing of three changes: no keepalive on the port (IOS / IOS-XE; NX-OS has no Ethernet keepalive), errdisable recovery cause loopback, and errdisable recovery interval N. It shows the plan, asks on a terminal (--yes skips; without a terminal and without --yes it refuses), applies it, then reads the state back and prints before/after. A second run sends nothing.

It refuses a port err-disabled for another cause (bpduguard, loopdetect, link-flap, ...), and a --platform that show version contradicts (exit 2). If the session breaks mid-way it reports exactly which lines were applied.

The same switch listed twice (same address and SSH port after ~/.ssh/config and DNS: localhost is 127.0.0.1) is refused with exit 2; with --dry-run it runs once, with a warning.

Ctrl-C or SIGTERM while it applies: no line is sent after the one in flight, config mode is left, nothing is saved, and the report says what was applied and what was not (exit 15); run the same command again to finish. A second Ctrl-C exits at once, printing each switch's state in one line.`

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
    // Where each switch stands, for the one-line report when a second Ctrl-C ends the run at once.
    const states = new Map<SwitchJob, FixState>()
    const trap = trapInterrupts({
      first: (sig) =>
        this.warnLine(
          `${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after the config line in flight, leaving config mode, not saving ` +
            '(Ctrl-C again to exit at once)',
        ),
      second: () => this.exitNow(jobs, states),
    })
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
          this.info(renderPlan(plan, device.name, before.interface, this.outputWidth()))
          return confirm('apply this plan?')
        },
        progress: (m) => this.info(m),
        signal: trap.signal,
        onState: (state) => states.set(job, state),
      }),
    ).finally(() => trap.dispose())
    return this.finishTargets(outcome, renderFixResult, summarizeFixResult)
  }

  /** The second Ctrl-C: every switch's state in one line each (and the --json error document), then exit 15. */
  private exitNow(jobs: SwitchJob[], states: Map<SwitchJob, FixState>): never {
    const lines = jobs.map((job) => {
      const state = states.get(job) ?? {host: job.host, interface: null, plan: [], applied: [], saved: false}
      return interruptedSummary(state, jobLabel(job))
    })
    process.stderr.write(lines.join('\n') + '\n')
    if (this.jsonEnabled()) {
      const error = new InterruptedError(lines.join('; '), {
        suggestions: ['run the same command again to finish: it sends only what is missing'],
        details: {hosts: jobs.map((job, i) => ({host: jobLabel(job), summary: lines[i], ...(states.get(job) ?? {})}))},
      })
      process.stdout.write(JSON.stringify(this.toErrorJson(error), null, 2) + '\n')
    }
    process.exit(EXIT_CODES.interrupted)
  }
}
