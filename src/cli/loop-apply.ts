/**
 * `netops loop trace --apply` (issue 13): its flags, and the run after the trace — open the traced switch
 * and the node again, show both ends' plans, ask once, applyLoopFix (src/loop/apply.ts) with Ctrl-C
 * trapped as `switch fix-loop` traps it, close everything.
 */
import {Flags} from '@oclif/core'
import {ConfirmationRequiredError, EXIT_CODES, InterruptedError} from '../errors.js'
import {applyLoopFix, applySummary, checkApplicable, type ApplyResult, type ApplyState} from '../loop/apply.js'
import type {LoopTrace, TraceIo} from '../loop/trace.js'
import type {Executor} from '../ovs/executor.js'
import {Vsctl} from '../ovs/vsctl.js'
import type {StpOnOptions} from '../ovs/stp.js'
import type {SwitchDevice} from '../switch/device.js'
import {DEFAULT_RECOVERY_INTERVAL} from '../switch/planner.js'
import {trapInterrupts} from './interrupt.js'
import {loopTraceOptions, type LoopTraceFlagValues} from './loop.js'
import {stpOnFlagsWith, stpOnOptions, type StpOnFlagValues} from './ovs.js'
import {confirm} from './prompt.js'
import {renderApplyPlan} from './render/loop-apply.js'

const needsApply = {dependsOn: ['apply'], helpGroup: 'APPLY'}

export const loopApplyFlags = {
  apply: Flags.boolean({
    helpGroup: 'APPLY',
    description:
      'fix both ends, node first: STP on the looping bridge, wait until it blocks a looped port, then fix-loop on the switch port, then read both back (asks once)',
  }),
  yes: Flags.boolean({char: 'y', ...needsApply, description: 'with --apply: apply without asking'}),
  bounce: Flags.boolean({...needsApply, description: 'with --apply: recover the switch port now with shutdown / no shutdown'}),
  save: Flags.boolean({...needsApply, description: 'with --apply: save the switch configuration (copy running-config startup-config)'}),
  interval: Flags.integer({
    ...needsApply,
    min: 30,
    max: 86_400,
    description: `with --apply: errdisable recovery interval in seconds (IOS 30-86400, NX-OS 30-65535; default ${DEFAULT_RECOVERY_INTERVAL})`,
  }),
  'settle-timeout': Flags.integer({
    ...needsApply,
    min: 1,
    description: 'with --apply: seconds the bridge may take to block a looped port (default 2 x forward-delay + max-age + 10, at least 60)',
  }),
  'no-stp': Flags.boolean({
    ...needsApply,
    exclusive: ['priority', 'forward-delay', 'hello-time', 'max-age', 'rstp', 'force'],
    description:
      'with --apply: STP is not wanted on the bridge: leave the node alone (the alternatives are printed: bond the NICs or remove one) and fix the switch side only',
  }),
  ...stpOnFlagsWith({dependsOn: ['apply']}),
}

export interface LoopApplyFlagValues extends LoopTraceFlagValues, StpOnFlagValues {
  apply?: boolean | undefined
  yes?: boolean | undefined
  bounce?: boolean | undefined
  save?: boolean | undefined
  interval?: number | undefined
  'settle-timeout'?: number | undefined
  'no-stp'?: boolean | undefined
}

/**
 * Before connecting to anything: the STP options validated as `ovs stp on` validates them, and (like
 * fix-loop) no terminal to confirm on without --yes is refused.
 */
export function prepareApply(flags: LoopApplyFlagValues, interactive: boolean): StpOnOptions {
  const stp = stpOnOptions(flags)
  if (flags.yes !== true && !interactive) {
    throw new ConfirmationRequiredError('no terminal to confirm on: pass --yes to apply, or drop --apply to see the trace and its plan', {
      suggestions: ['netops loop trace ... (read-only: the verdict and the plan)', 'netops loop trace ... --apply --yes'],
    })
  }
  return stp
}

/** How the run talks to the user (the command's BaseCommand helpers). */
export interface ApplyCli {
  info: (m: string) => void
  warn: (m: string) => void
  width: number
  json: boolean
  /** The --json error document of an error (BaseCommand.toErrorJson). */
  errorJson: (e: InterruptedError) => unknown
}

/** Open the traced switch and (when the verdict needs it) the node again, and run applyLoopFix. */
export async function runLoopApply(
  trace: LoopTrace,
  flags: LoopApplyFlagValues,
  stp: StpOnOptions,
  io: TraceIo,
  cli: ApplyCli,
): Promise<ApplyResult> {
  checkApplicable(trace) // unknown: nothing is opened, nothing is sent
  const noStp = flags['no-stp'] === true
  const needsNode = trace.node !== null && ((trace.verdict === 'bridge-loop' && !noStp) || trace.verdict === 'stp-blocked')
  let state: ApplyState = {node: trace.node, step: 'preview', nodeDone: `nothing changed on ${trace.node ?? 'the node'}`, switch: null}
  const trap = trapInterrupts({
    first: (sig) =>
      cli.warn(
        `${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping at a safe point: an ovs-vsctl change in flight finishes, no switch line after the one in flight, ` +
          'config mode is left, nothing is saved (Ctrl-C again to exit at once)',
      ),
    second: () => exitNow(state, cli),
  })
  let device: SwitchDevice | undefined
  let exec: Executor | undefined
  try {
    device = await io.openSwitch(flags.switch, {traced: true})
    if (needsNode) exec = await io.openNode(trace.node as string)
    const vsctl = exec === undefined ? undefined : new Vsctl(exec, loopTraceOptions(flags).vsctl ?? {})
    return await applyLoopFix(
      trace,
      {vsctl, device},
      {
        stp,
        noStp,
        settleTimeoutMs: flags['settle-timeout'] === undefined ? undefined : flags['settle-timeout'] * 1000,
        intervalSeconds: flags.interval ?? DEFAULT_RECOVERY_INTERVAL,
        bounce: flags.bounce === true,
        save: flags.save === true,
        onPlan: (plan) => cli.info(renderApplyPlan(plan, cli.width)),
        confirm: async (plan) => {
          if (plan.replanned) cli.info(renderApplyPlan(plan, cli.width))
          if (flags.yes === true) return true
          return confirm(plan.replanned ? 'apply the new switch plan?' : 'apply both ends?')
        },
        progress: cli.info,
        warn: cli.warn,
        signal: trap.signal,
        onState: (s) => {
          state = s
        },
      },
    )
  } finally {
    trap.dispose()
    await device?.close().catch(() => undefined)
    await exec?.close().catch(() => undefined)
  }
}

/** The second Ctrl-C: where both ends stand in one line (and the --json error document), then exit 15. */
function exitNow(state: ApplyState, cli: ApplyCli): never {
  const line = applySummary(state)
  process.stderr.write(line + '\n')
  if (cli.json) {
    const error = new InterruptedError(line, {
      suggestions: ['run the same command again to finish: it changes only what is missing'],
      details: {summary: line, step: state.step, nodeDone: state.nodeDone, ...(state.switch ?? {})},
    })
    process.stdout.write(JSON.stringify(cli.errorJson(error), null, 2) + '\n')
  }
  process.exit(EXIT_CODES.interrupted)
}
