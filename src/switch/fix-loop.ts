import {
  ConfirmationRequiredError,
  ConnectionLostError,
  DeviceCommandError,
  InterruptedError,
  NetopsError,
  PlatformMismatchError,
  VerificationError,
  WrongCauseError,
} from '../errors.js'
import {diagnose, explainCause} from './diagnose.js'
import {planFix, planLines, type FixPlan, type SkippedLine} from './planner.js'
import type {Diagnosis} from './types.js'
import type {SwitchDevice} from './device.js'
import {orInterrupt} from '../util/abort.js'

export interface FixLoopOptions {
  port: string
  intervalSeconds: number
  dryRun: boolean
  bounce: boolean
  save: boolean
  wait: boolean
  waitTimeoutMs: number
  pollIntervalMs: number
  /** Asked once with the plan before anything is sent; false aborts with nothing sent. */
  confirm: (plan: FixPlan, before: Diagnosis) => Promise<boolean>
  progress?: (message: string) => void
  /**
   * An interrupt (Ctrl-C / SIGTERM, wired by the command). Before any line is sent it ends the run at
   * once; mid-plan no line is sent after the one in flight, config mode is left with `end`, nothing is
   * saved and the run ends with an InterruptedError saying what was applied and what was not.
   */
  signal?: AbortSignal
  /** Told what stands on the device as the run goes: the plan once known, each applied line, the save. */
  onState?: (state: FixState) => void
}

/** What a fix-loop run has done on one switch so far (for the one-line report of an abrupt exit). */
export interface FixState {
  host: string
  interface: string | null
  plan: string[]
  applied: string[]
  saved: boolean
}

/**
 * One line for a run cut short: `interrupted: applied 1 of 3 lines on sw1 (no keepalive); not saved`,
 * `interrupted: nothing applied on sw1; not saved`.
 */
export function interruptedSummary(state: FixState, name = state.host): string {
  const saved = state.saved ? 'saved' : 'not saved'
  if (state.applied.length === 0) return `interrupted: nothing applied on ${name}; ${saved}`
  return `interrupted: applied ${state.applied.length} of ${state.plan.length} lines on ${name} (${state.applied.join('; ')}); ${saved}`
}

export interface FixLoopResult {
  host: string
  hostname: string
  platform: string
  interface: string
  dryRun: boolean
  /** Whether any configuration was sent. */
  changed: boolean
  /** The lines planned, in order. */
  plan: string[]
  /** Lines the device accepted. */
  applied: string[]
  skipped: SkippedLine[]
  notes: string[]
  saved: boolean
  bounced: boolean
  /** What brings the port back: `bounced`, `timer` (with eta), `up`, or `manual`. */
  recovery: {by: 'bounce' | 'timer' | 'already-up' | 'manual' | 'none'; etaSeconds: number | null; message: string}
  waited: {up: boolean; seconds: number} | null
  verified: boolean
  before: Diagnosis
  after: Diagnosis | null
}

const UP_STATES = new Set(['connected', 'up'])

/**
 * Diagnose, plan only what is missing, confirm, apply, optionally bounce / save / wait,
 * then read the state back and verify. Refuses ports err-disabled for another cause.
 */
export async function fixLoop(device: SwitchDevice, opts: FixLoopOptions): Promise<FixLoopResult> {
  const say = opts.progress ?? (() => undefined)
  const state: FixState = {host: device.name, interface: null, plan: [], applied: [], saved: false}
  const tell = (): void => opts.onState?.({...state, plan: [...state.plan], applied: [...state.applied]})
  const interrupted = (): InterruptedError => interruptedError(device.name, state)
  const {before, plan, lines} = await previewFix(device, opts)
  state.interface = before.interface
  state.plan = lines
  tell()
  const base = {
    host: device.name,
    hostname: before.hostname,
    platform: before.platform,
    interface: before.interface,
    dryRun: opts.dryRun,
    plan: lines,
    skipped: plan.skipped,
    notes: plan.notes,
    before,
  }
  const nothing = (): FixLoopResult => ({
    ...base,
    changed: false,
    applied: [],
    saved: false,
    bounced: false,
    recovery: recoveryOutlook(before, false),
    waited: null,
    verified: !opts.dryRun,
    after: null,
  })
  if (lines.length === 0 || opts.dryRun) return nothing()
  if (opts.signal?.aborted) throw interrupted()
  if (!(await orInterrupt(() => opts.confirm(plan, before), opts.signal, interrupted))) {
    throw new ConfirmationRequiredError(`not confirmed: nothing was sent to ${device.name}`, {
      suggestions: ['run again and answer yes, or pass --yes'],
      notice: true,
    })
  }

  if (opts.signal?.aborted) throw interrupted()
  const applied = state.applied
  say(`applying ${lines.length} line(s) on ${device.name}`)
  // A bounce's `shutdown` is always followed by its `no shutdown`: an interrupt never leaves the port shut.
  const afterShutdown = plan.bounce.length > 0 ? plan.config.length + 2 : -1
  try {
    await device.session.sendConfig(lines, {
      onApplied: (line) => {
        applied.push(line)
        tell()
      },
      stopBefore: (index) => opts.signal?.aborted === true && index !== afterShutdown,
    })
  } catch (error) {
    throw partialFailure(error, device.name, lines, applied)
  }
  if (opts.signal?.aborted) throw interrupted()
  const bounced = plan.bounce.length > 0

  let saved = false
  if (opts.save) {
    say(`saving the configuration on ${device.name}`)
    try {
      await device.session.save()
      saved = true
      state.saved = true
      tell()
    } catch (error) {
      if (error instanceof NetopsError) {
        throw new (error.constructor as typeof DeviceCommandError)(
          `configuration applied on ${device.name} (${applied.join('; ')}) but not saved: ${error.message}`,
          {suggestions: ['run `copy running-config startup-config` on the switch'], details: {applied}},
        )
      }
      throw error
    }
    // The save in flight has finished: an interrupt during it still ends the run here.
    if (opts.signal?.aborted) throw interrupted()
  }

  let waited: FixLoopResult['waited'] = null
  if (opts.wait) {
    const started = Date.now()
    const up = await orInterrupt(() => waitForUp(device, before.interface, opts, say), opts.signal, interrupted)
    waited = {up, seconds: Math.round((Date.now() - started) / 1000)}
  }

  const afterFacts = await orInterrupt(() => device.readPort(before.interface), opts.signal, interrupted)
  const after = diagnose(afterFacts, device.platform, opts.intervalSeconds)
  const problems: string[] = []
  if (device.platform.hasEthernetKeepalive && afterFacts.keepalive === true) problems.push('keepalive is still on')
  if (afterFacts.recovery.loopbackCauseSupported && !afterFacts.recovery.loopback) problems.push('loopback recovery is still off')
  if (afterFacts.recovery.intervalSeconds !== null && afterFacts.recovery.intervalSeconds !== opts.intervalSeconds) {
    problems.push(`the recovery timer is ${afterFacts.recovery.intervalSeconds} s, not ${opts.intervalSeconds} s`)
  }
  if (bounced && !UP_STATES.has(afterFacts.status) && afterFacts.status !== 'notconnect') {
    problems.push(
      afterFacts.errDisabledReason === 'loopback' && !device.platform.hasEthernetKeepalive
        ? `${before.interface} was err-disabled for loopback again after the bounce: the loop on the node side is still there ` +
            `and ${device.platform.displayName} cannot stop the detection; find the reflection on the node (see netops ovs stp)`
        : `${before.interface} is ${afterFacts.status}${afterFacts.errDisabledReason ? ` (${afterFacts.errDisabledReason})` : ''} after the bounce`,
    )
  }
  if (waited && !waited.up) problems.push(`${before.interface} did not come up within the wait`)
  const result: FixLoopResult = {
    ...base,
    changed: true,
    applied,
    saved,
    bounced,
    recovery: recoveryOutlook(after, bounced),
    waited,
    verified: problems.length === 0,
    after,
  }
  if (problems.length > 0) {
    throw new VerificationError(`applied on ${device.name}, but the read-back disagrees: ${problems.join('; ')}`, {
      suggestions: ['run netops switch diagnose on this port and check by hand'],
      details: {result},
    })
  }
  return result
}

/** What fix-loop would send to a port, read and planned (nothing sent). */
export interface FixPreview {
  before: Diagnosis
  plan: FixPlan
  /** The exact lines, in sending order (empty: the fix is in place). */
  lines: string[]
}

/**
 * fix-loop's read-only first half: refuse a contradicted --platform, read the port, refuse a port
 * err-disabled for another cause (WrongCauseError), plan only what is missing. An interrupt while
 * the port is read ends it with the InterruptedError of a run that sent nothing.
 */
export async function previewFix(
  device: SwitchDevice,
  opts: Pick<FixLoopOptions, 'port' | 'intervalSeconds' | 'bounce' | 'signal'>,
): Promise<FixPreview> {
  refuseConflictingPlatform(device)
  const nothingSent = (): InterruptedError =>
    interruptedError(device.name, {host: device.name, interface: null, plan: [], applied: [], saved: false})
  const beforeFacts = await orInterrupt(() => device.readPort(opts.port), opts.signal, nothingSent)
  const before = diagnose(beforeFacts, device.platform, opts.intervalSeconds)
  if (before.verdict === 'err-disabled-other') {
    throw new WrongCauseError(
      `${before.interface} on ${device.name} is err-disabled for ${before.errDisabledReason ?? 'an unknown cause'}, not loopback: ` +
        `${explainCause(before.errDisabledReason ?? 'unknown')}. fix-loop changes nothing here.`,
      {
        suggestions:
          before.errDisabledReason === 'bpduguard'
            ? ['on the node: netops ovs stp off br0 (or disable bpduguard on the port), then bounce the port']
            : ['fix the cause named above, then recover the port (shutdown / no shutdown)'],
        details: {diagnosis: before},
      },
    )
  }
  const plan = planFix(beforeFacts, device.platform, {intervalSeconds: opts.intervalSeconds, bounce: opts.bounce})
  return {before, plan, lines: planLines(plan)}
}

/** A forced --platform that `show version` contradicts changes the plan (NX-OS has no `no keepalive`): refuse. */
function refuseConflictingPlatform(device: SwitchDevice): void {
  const c = device.platformConflict
  if (!c) return
  throw new PlatformMismatchError(
    `${device.describeConflict(c)}; the plans differ (only IOS / IOS-XE turns keepalive off with \`no keepalive\`), so fix-loop sends nothing`,
    {
      suggestions: [`drop --platform (auto-detection reads show version) or pass --platform ${c.detected}`],
      details: {forced: c.forced, detected: c.detected, evidence: c.evidence},
    },
  )
}

function recoveryOutlook(d: Diagnosis, bounced: boolean): FixLoopResult['recovery'] {
  if (bounced) return {by: 'bounce', etaSeconds: 0, message: `${d.interface} was bounced (shutdown / no shutdown)`}
  if (d.status !== 'err-disabled') return {by: 'already-up', etaSeconds: null, message: `${d.interface} is ${d.status}`}
  if (d.recovery.loopback) {
    const eta = d.secondsUntilRecovery ?? d.recovery.intervalSeconds
    return {
      by: 'timer',
      etaSeconds: eta,
      message: `the recovery timer brings ${d.interface} back within ${eta ?? '?'} s (or use --bounce to recover now)`,
    }
  }
  return {by: 'manual', etaSeconds: null, message: `${d.interface} stays err-disabled until bounced: run again with --bounce`}
}

async function waitForUp(device: SwitchDevice, port: string, opts: FixLoopOptions, say: (m: string) => void): Promise<boolean> {
  const deadline = Date.now() + opts.waitTimeoutMs
  for (;;) {
    const status = await device.readStatus(port)
    if (UP_STATES.has(status)) return true
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    if (Date.now() >= deadline) return false
    say(`waiting for ${port} on ${device.name}: ${status}, ${left} s left`)
    await new Promise((r) => setTimeout(r, Math.min(opts.pollIntervalMs, Math.max(0, deadline - Date.now()))))
  }
}

/**
 * The report of an interrupted run, worded as for a dropped connection: what was applied, what was
 * not, that config mode was left and nothing saved, and how to finish (the same command again).
 */
function interruptedError(host: string, state: FixState): InterruptedError {
  const notApplied = state.plan.slice(state.applied.length)
  const where = state.interface ? `${state.interface} on ${host}` : host
  const what =
    state.applied.length === 0
      ? `interrupted before any configuration was sent to ${host}: nothing was applied`
      : `interrupted mid-plan on ${where}: applied: ${state.applied.join('; ')}` +
        (notApplied.length ? `; not applied: ${notApplied.join('; ')}` : ' (all planned lines)') +
        '; config mode was left with `end`'
  return new InterruptedError(`${what}; ${state.saved ? 'saved' : 'not saved'}`, {
    suggestions:
      state.applied.length === 0
        ? ['run the same command again when ready']
        : [
            'run the same command again to finish: it sends only what is missing',
            'or see the state first: netops switch diagnose on this port',
          ],
    details: {applied: [...state.applied], notApplied, saved: state.saved, interface: state.interface, summary: interruptedSummary(state)},
  })
}

/** Turn a mid-plan failure into an error that says exactly which lines were applied. */
function partialFailure(error: unknown, host: string, lines: string[], applied: string[]): unknown {
  const notApplied = lines.slice(applied.length)
  const appliedText = applied.length ? `applied: ${applied.join('; ')}` : 'nothing was applied'
  const notAppliedText = notApplied.length ? `not applied: ${notApplied.join('; ')}` : ''
  const details = {applied, notApplied}
  if (error instanceof ConnectionLostError) {
    return new ConnectionLostError(
      `connection to ${host} lost mid-plan: ${appliedText}; ${notAppliedText} (the first of those may or may not have reached the device)`,
      {
        suggestions: ['run netops switch diagnose to see the state, then fix-loop again (it only sends what is missing)'],
        details,
        cause: error,
      },
    )
  }
  if (error instanceof DeviceCommandError) {
    return new DeviceCommandError(`${error.message}; ${appliedText}; ${notAppliedText}; config mode was left with \`end\``, {
      suggestions: error.suggestions,
      details: {...error.details, ...details},
      cause: error,
    })
  }
  if (error instanceof NetopsError) {
    const Ctor = error.constructor as new (m: string, o: object) => NetopsError
    return new Ctor(`${error.message}; ${appliedText}; ${notAppliedText}`, {suggestions: error.suggestions, details, cause: error})
  }
  return error
}
