/**
 * `netops loop trace --apply` (issue 13): the combined fix in a safe order.
 *
 *   refuse `unknown` (nothing sent anywhere)
 *   → preview both ends, read-only: the switch port's fix-loop plan (previewFix: same refusals as fix-loop),
 *     the node's `ovs stp on` plan (stpOn dry run: same validation and warnings as `netops ovs stp on`)
 *   → ONE confirmation for both ends
 *   → node: stpOn on the bridge of the loop, then wait (waitUntilSettled) until the bridge blocks one of the
 *     looped ports; settled with nothing blocked → stop, nothing is sent to the switch
 *   → switch: fixLoop on the traced port (--interval, --bounce, --save)
 *   → read both ends back.
 *
 * Only `bridge-loop` changes the node; `stp-blocked`, `bond` and `single-link` (and `bridge-loop` with
 * `noStp`, the operator's choice: the alternatives are returned) fix the switch side only.
 */
import {ConfirmationRequiredError, ExecTimeoutError, InterruptedError, LoopUnknownError, UsageError, VerificationError} from '../errors.js'
import {getStpStatus, isSettled, stpOn, waitBudgetMs, waitUntilSettled} from '../ovs/stp.js'
import type {StpBridgeStatus, StpChangeResult, StpOnOptions, StpPlan} from '../ovs/stp.js'
import type {Vsctl} from '../ovs/vsctl.js'
import {diagnose} from '../switch/diagnose.js'
import {fixLoop, previewFix, type FixLoopResult, type FixPreview, type FixState} from '../switch/fix-loop.js'
import type {SwitchDevice} from '../switch/device.js'
import type {TraceResult} from './verdict.js'
import {orInterrupt} from '../util/abort.js'

/** What apply needs of a trace (a LoopTrace is one). */
export interface ApplyTrace extends TraceResult {
  switch: string
  port: string
  /** The node as reached: an ssh host, `local`, or null. */
  node: string | null
  /** The node's name for messages (`local` is named by its hostname). */
  nodeSide?: {node: string} | null
}

/** The node's name in messages. */
const nodeLabel = (t: ApplyTrace): string => t.nodeSide?.node ?? t.node ?? 'the node'

export interface ApplyIo {
  /** The node's OVS (needed for `bridge-loop`, used to verify `stp-blocked`). */
  vsctl?: Vsctl | undefined
  /** The traced switch, opened. */
  device: SwitchDevice
}

export interface ApplyOptions {
  /** `ovs stp on` options: timers, priority, --rstp, --force (validated as `netops ovs stp on` does). */
  stp: StpOnOptions
  /** STP is not wanted on the bridge: the node is left alone, the alternatives are returned, the switch is fixed. */
  noStp: boolean
  /** How long the bridge may take to block a looped port; default: waitBudgetMs (2 x forward-delay + max-age + 10 s, >= 60 s). */
  settleTimeoutMs?: number | undefined
  /** Poll period of the settle wait (default 500 ms). */
  pollMs?: number
  intervalSeconds: number
  bounce: boolean
  save: boolean
  /** Both ends' plans, as soon as they are known and before their warnings (not called when nothing would change). */
  onPlan?: (plan: ApplyPlan) => void
  /**
   * Asked ONCE with both ends' plans before anything is changed (not asked when nothing would change);
   * false ends the run with nothing sent. Asked again only if the switch's plan grew meanwhile.
   */
  confirm: (plan: ApplyPlan) => Promise<boolean>
  progress?: (message: string) => void
  /** Warnings as soon as they are known (the STP plan's BPDU warning, ...). */
  warn?: (message: string) => void
  /** Ctrl-C / SIGTERM: see the module comment of src/cli/interrupt.ts. */
  signal?: AbortSignal
  /** Where the run stands, for the one-line report of an abrupt exit. */
  onState?: (state: ApplyState) => void
}

/** Both ends' plans, shown before the one confirmation. */
export interface ApplyPlan {
  verdict: TraceResult['verdict']
  node: {
    node: string | null
    /** Why the node is (not) changed. */
    reason: string
    /** The `ovs stp on` plan when the node is changed (null: nothing to do on the node). */
    stp: StpPlan | null
    /** The ovs-vsctl argv that will run, or null. */
    command: string[] | null
  }
  switch: {host: string; interface: string; preview: FixPreview}
  /** When STP is not wanted: what to do on the node instead (by hand). */
  alternatives: string[]
  warnings: string[]
  /** The switch's plan changed after the node step (asked again). */
  replanned: boolean
}

interface NodeStepResult {
  node: string | null
  bridge: string | null
  action: 'stp-on' | 'none'
  reason: string
  /** `ovs stp on`'s result (changed: false when STP was already on). */
  change: StpChangeResult | null
  /** The settle wait: how long, and which looped ports block. */
  settled: {seconds: number; blocking: string[]; ports: PortState[]} | null
}

interface PortState {
  name: string
  state: string | null
  role: string | null
}

export interface VerifiedEnds {
  node: {checked: boolean; ok: boolean; bridge: string | null; mode: string | null; blocking: string[]; message: string}
  switch: {
    ok: boolean
    interface: string
    status: string
    keepalive: boolean | null
    recovery: {loopback: boolean; intervalSeconds: number | null}
    message: string
  }
  ok: boolean
}

export interface ApplyResult {
  verdict: TraceResult['verdict']
  /** Anything changed at either end. */
  changed: boolean
  node: NodeStepResult
  switch: FixLoopResult
  verified: VerifiedEnds
  alternatives: string[]
  warnings: string[]
}

/** Where an apply run stands (for the one-line report when a second Ctrl-C ends it at once). */
export interface ApplyState {
  node: string | null
  step: 'preview' | 'node' | 'switch' | 'verify' | 'done'
  /** What was done on the node, in words. */
  nodeDone: string
  switch: FixState | null
}

const BLOCKING_STATES = new Set(['blocking', 'discarding'])
const BLOCKING_ROLES = new Set(['alternate', 'backup'])
const isBlocking = (p: {state: string | null; role: string | null}): boolean =>
  (p.state !== null && BLOCKING_STATES.has(p.state)) || (p.role !== null && BLOCKING_ROLES.has(p.role))

/** The OVS ports of the bridge that face the loop: the bridge ports holding the linked NICs. */
export function loopedPorts(trace: TraceResult): string[] {
  const br = trace.bridge
  if (br === null) return []
  const nics = trace.links.filter((l) => l.bridge === br.name).map((l) => l.nic)
  const ports = nics.map((nic) => br.ports.find((p) => p.interfaces.includes(nic))?.name ?? nic)
  return [...new Set(ports)].sort()
}

/** What to do on the node when STP is not wanted on a bridge that loops: keep the traced port's NIC, bond or drop the others. */
export function stpAlternatives(trace: ApplyTrace): string[] {
  const br = trace.bridge
  if (br === null || trace.verdict !== 'bridge-loop') return []
  const mine = trace.links.filter((l) => l.bridge === br.name)
  const primary = mine.find((l) => l.switch === trace.switch && l.switchPort === trace.port)?.nic
  const nics = [...new Set([...(primary === undefined ? [] : [primary]), ...mine.map((l) => l.nic)])]
  const others = nics.slice(1)
  return [
    `bond ${nics.join(' and ')} into one OVS bond port (ovs-vsctl del-port ${br.name} ${nics[0] ?? 'NIC'} ... then add-bond ${br.name} bond0 ${nics.join(' ')}); the switch ports then need a port-channel (LACP) to match`,
    `or remove ${others.join(', ')} from ${br.name} (ovs-vsctl del-port ${br.name} ${others[0] ?? 'NIC'})`,
  ]
}

/** The trace plan's fix-loop line (it carries the switch flags as given), else one from the names. */
const fixLoopLine = (t: ApplyTrace): string =>
  t.plan.switch.find((l) => l.startsWith('netops switch fix-loop')) ?? `netops switch fix-loop --host ${t.switch} --port ${t.port}`

function unknownRefusal(trace: ApplyTrace): LoopUnknownError {
  return new LoopUnknownError(
    `the verdict for ${trace.switch} ${trace.port} is unknown: --apply sends nothing to ${nodeLabel(trace)} or ${trace.switch}`,
    {
      suggestions: [
        'the trace above says what could not be seen (--json: evidence)',
        'name the node with --node HOST (or --node local), or run lldpd on it, then trace again',
        `the switch side alone: ${fixLoopLine(trace)}`,
      ],
      details: {verdict: trace.verdict, evidence: trace.evidence},
    },
  )
}

/** `--apply` refuses an `unknown` verdict before anything is opened or sent (exit 12, NETOPS_LOOP_UNKNOWN). */
export function checkApplicable(trace: ApplyTrace): void {
  if (trace.verdict === 'unknown') throw unknownRefusal(trace)
}

/** The node's part, decided from the verdict. */
function nodeDecision(trace: ApplyTrace, io: ApplyIo, opts: ApplyOptions): {action: 'stp-on' | 'none'; reason: string} {
  const br = trace.bridge
  const node = nodeLabel(trace)
  switch (trace.verdict) {
    case 'bridge-loop': {
      if (br === null) return {action: 'none', reason: 'no bridge was traced'}
      if (opts.noStp) return {action: 'none', reason: `STP is not wanted on ${br.name} (--no-stp): ${node} is left alone`}
      if (io.vsctl === undefined)
        throw new UsageError(`--apply on a bridge loop changes ${node}, which could not be opened`, {
          suggestions: ['name the node with --node HOST (or --node local)', 'or fix the switch side only: add --no-stp'],
        })
      return {
        action: 'stp-on',
        reason: `${br.name} loops ${loopedPorts(trace).join(' and ')}: turn ${opts.stp.rstp === true ? 'RSTP' : 'STP'} on`,
      }
    }
    case 'stp-blocked':
      return {action: 'none', reason: `${br?.name ?? 'the bridge'} already blocks a looped port: nothing to do on ${node}`}
    case 'bond':
      return {action: 'none', reason: `the NICs are an OVS bond: no loop, nothing to do on ${node}`}
    case 'single-link':
    case 'unknown':
      return {action: 'none', reason: `one link: nothing on ${node} sends the frame back, nothing to do there`}
  }
}

/** Run the combined fix; see the module comment. Throws typed errors (interrupt: InterruptedError, exit 15). */
export async function applyLoopFix(trace: ApplyTrace, io: ApplyIo, opts: ApplyOptions): Promise<ApplyResult> {
  checkApplicable(trace)
  const say = opts.progress ?? (() => undefined)
  const warnings: string[] = []
  const warn = (m: string): void => {
    if (warnings.includes(m)) return
    warnings.push(m)
    opts.warn?.(m)
  }
  const nodeName = nodeLabel(trace)
  const state: ApplyState = {node: trace.node, step: 'preview', nodeDone: `nothing changed on ${nodeName}`, switch: null}
  const tell = (): void => opts.onState?.({...state, switch: state.switch === null ? null : {...state.switch}})
  tell()
  const nothingSent = (): InterruptedError =>
    new InterruptedError(`interrupted before anything was sent: nothing changed on ${nodeName} or ${trace.switch}`, {
      suggestions: ['run the same command again when ready'],
      details: {step: 'preview', node: {changed: false}, applied: [], saved: false, summary: applySummary(state)},
    })

  // 1. Preview, read-only: the switch first (its refusals: wrong err-disable cause, contradicted --platform).
  const decision = nodeDecision(trace, io, opts)
  const preview = await previewFix(io.device, {
    port: trace.port,
    intervalSeconds: opts.intervalSeconds,
    bounce: opts.bounce,
    ...(opts.signal === undefined ? {} : {signal: opts.signal}),
  }).catch((e: unknown) => {
    throw e instanceof InterruptedError ? nothingSent() : e
  })
  const bridge = trace.bridge?.name ?? null
  const looped = loopedPorts(trace)
  let stpPlan: StpPlan | null = null
  let dry: StpChangeResult | null = null
  let before: StpBridgeStatus | undefined
  const vsctl = io.vsctl
  if (decision.action === 'stp-on' && vsctl !== undefined && bridge !== null) {
    ;[before] = await orInterrupt(() => getStpStatus(vsctl, bridge), opts.signal, nothingSent)
    dry = await orInterrupt(
      () =>
        stpOn(vsctl, bridge, opts.stp, {
          dryRun: true,
          requireActive: true,
          onPlan: (p) => {
            stpPlan = p
          },
        }),
      opts.signal,
      nothingSent,
    )
  }
  const alternatives = trace.verdict === 'bridge-loop' && opts.noStp ? stpAlternatives(trace) : []
  if (alternatives.length > 0)
    warn(
      `${bridge ?? 'the bridge'} on ${nodeName} still joins ${looped.join(' and ')}: the switch fix stops the err-disable, not the loop; the next broadcast storm will not be hidden`,
    )
  const view = (replanned: boolean, p: FixPreview): ApplyPlan => ({
    verdict: trace.verdict,
    node: {node: nodeLabel(trace), reason: decision.reason, stp: stpPlan, command: dry?.command ?? null},
    switch: {host: p.before.hostname || io.device.name, interface: p.before.interface, preview: p},
    alternatives,
    warnings: [...warnings],
    replanned,
  })

  // 2. Both plans, their warnings, then one confirmation for both ends (nothing to change: nothing to confirm).
  const nodeChanges = dry?.changed === true
  const changes = nodeChanges || preview.lines.length > 0
  if (changes) opts.onPlan?.(view(false, preview))
  for (const w of dry?.warnings ?? []) warn(w)
  if (changes) {
    const yes = await orInterrupt(() => opts.confirm(view(false, preview)), opts.signal, nothingSent)
    if (!yes)
      throw new ConfirmationRequiredError(`not confirmed: nothing was sent to ${nodeName} or ${trace.switch}`, {
        suggestions: ['run again and answer yes, or pass --yes'],
        notice: true,
      })
  }
  if (opts.signal?.aborted) throw nothingSent()

  // 3. The node.
  const nodeResult: NodeStepResult = {
    node: nodeLabel(trace),
    bridge,
    action: decision.action,
    reason: decision.reason,
    change: null,
    settled: null,
  }
  if (decision.action === 'stp-on' && vsctl !== undefined && bridge !== null) {
    state.step = 'node'
    tell()
    const stopped = (): InterruptedError => nodeInterrupted(trace, nodeResult, state)
    say(`${nodeName}: turning ${opts.stp.rstp === true ? 'RSTP' : 'STP'} on for ${bridge}`)
    // One ovs-vsctl transaction: never abandoned half-way; the signal is checked after it.
    nodeResult.change = await stpOn(vsctl, bridge, opts.stp, {requireActive: true})
    for (const w of nodeResult.change.warnings) warn(w)
    state.nodeDone = nodeResult.change.changed
      ? `${nodeResult.change.rstp ? 'RSTP' : 'STP'} turned on for ${bridge} on ${nodeName} (it stays on)`
      : `${nodeResult.change.rstp ? 'RSTP' : 'STP'} was already on for ${bridge} on ${nodeName}`
    tell()
    if (opts.signal?.aborted) throw stopped()
    nodeResult.settled = await settle(vsctl, bridge, looped, {
      timeoutMs: opts.settleTimeoutMs ?? waitBudgetMs(before, opts.stp),
      pollMs: opts.pollMs ?? 500,
      say: (m) => say(`${nodeName}: ${m}`),
      signal: opts.signal,
      interrupted: stopped,
      nothingToSwitch: `nothing was sent to ${trace.switch}`,
    })
    if (nodeResult.settled.blocking.length === 0) throw notBlocking(trace, nodeResult, looped)
    state.nodeDone += `; ${nodeResult.settled.blocking.join(', ')} blocking`
    say(`${nodeName}: ${bridge} blocks ${nodeResult.settled.blocking.join(', ')} after ${nodeResult.settled.seconds.toFixed(1)} s`)
    tell()
  }

  // 4. The switch (fix-loop: its own interrupt handling and reports).
  state.step = 'switch'
  tell()
  let switchResult: FixLoopResult
  try {
    switchResult = await fixLoop(io.device, {
      port: trace.port,
      intervalSeconds: opts.intervalSeconds,
      dryRun: false,
      bounce: opts.bounce,
      save: opts.save,
      wait: false,
      waitTimeoutMs: 0,
      pollIntervalMs: 1000,
      confirm: (plan, again) => {
        const lines = [...plan.config, ...plan.bounce].map((l) => l.line)
        if (lines.every((l) => preview.lines.includes(l))) return Promise.resolve(true)
        return opts.confirm(view(true, {before: again, plan, lines}))
      },
      progress: say,
      ...(opts.signal === undefined ? {} : {...(opts.signal === undefined ? {} : {signal: opts.signal})}),
      onState: (s) => {
        state.switch = s
        tell()
      },
    })
  } catch (error) {
    throw withNodeContext(error, state, trace)
  }

  // 5. Both ends, read back.
  state.step = 'verify'
  tell()
  const verified = await verifyEnds(trace, io, nodeResult, opts, looped)
  state.step = 'done'
  tell()
  const result: ApplyResult = {
    verdict: trace.verdict,
    changed: (nodeResult.change?.changed ?? false) || switchResult.changed,
    node: nodeResult,
    switch: switchResult,
    verified,
    alternatives,
    warnings,
  }
  if (!verified.ok) {
    const bad = [verified.node.ok ? null : verified.node.message, verified.switch.ok ? null : verified.switch.message].filter(
      (x) => x !== null,
    )
    throw new VerificationError(`applied, but the read-back disagrees: ${bad.join('; ')}`, {
      suggestions: ['trace again: netops loop trace (without --apply) shows both ends as they are now'],
      details: {result},
    })
  }
  return result
}

/** A promise that resolves after `ms`, or rejects with `interrupted()` as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined, interrupted: () => Error): Promise<void> {
  return orInterrupt(() => new Promise<void>((r) => setTimeout(r, ms)), signal, interrupted)
}

interface SettleOptions {
  timeoutMs: number
  pollMs: number
  say: (m: string) => void
  signal: AbortSignal | undefined
  interrupted: () => Error
  nothingToSwitch: string
}

const portStates = (st: StpBridgeStatus, looped: string[]): PortState[] =>
  st.ports.filter((p) => looped.includes(p.name)).map((p) => ({name: p.name, state: p.state, role: p.role}))

/**
 * waitUntilSettled until every port forwards or blocks; a looped port whose state OVS has not
 * reported yet (null right after enabling) counts as not settled. Returns the looped ports that block.
 */
async function settle(vsctl: Vsctl, bridge: string, looped: string[], o: SettleOptions): Promise<NonNullable<NodeStepResult['settled']>> {
  const start = Date.now()
  let last = ''
  for (;;) {
    const left = o.timeoutMs - (Date.now() - start)
    let st: StpBridgeStatus
    try {
      st = await orInterrupt(
        () =>
          waitUntilSettled(vsctl, bridge, {
            timeoutMs: Math.max(0, left),
            pollMs: o.pollMs,
            sleep: (ms) => pause(ms, o.signal, o.interrupted),
            onProgress: (s) => {
              const counts = portStates(s, looped)
                .map((p) => `${p.name} ${p.state ?? '?'}`)
                .join(', ')
              if (counts === last) return
              last = counts
              o.say(`waiting for ${bridge} to settle: ${counts} (${((Date.now() - start) / 1000).toFixed(1)} s)`)
            },
          }),
        o.signal,
        o.interrupted,
      )
    } catch (error) {
      if (error instanceof ExecTimeoutError)
        throw new ExecTimeoutError(`${error.message}; ${o.nothingToSwitch}`, {
          suggestions: error.suggestions,
          details: {...error.details, step: 'node'},
          cause: error,
        })
      throw error
    }
    const mine = st.ports.filter((p) => looped.includes(p.name))
    const ports = portStates(st, looped)
    const unknown = mine.some((p) => p.state === null)
    const settled = mine.length > 0 && !unknown && mine.every((p) => isSettled(p, st.mode))
    if ((settled || !st.active || st.mode === 'off') && !unknown) {
      return {seconds: (Date.now() - start) / 1000, blocking: ports.filter(isBlocking).map((p) => p.name), ports}
    }
    if (Date.now() - start >= o.timeoutMs) {
      return {seconds: (Date.now() - start) / 1000, blocking: ports.filter(isBlocking).map((p) => p.name), ports}
    }
    await pause(o.pollMs, o.signal, o.interrupted)
  }
}

function notBlocking(trace: ApplyTrace, node: NodeStepResult, looped: string[]): VerificationError {
  const states = (node.settled?.ports ?? []).map((p) => `${p.name} ${[p.role, p.state].filter((x) => x !== null).join(' ') || 'no state'}`)
  return new VerificationError(
    `${node.change?.rstp === true ? 'RSTP' : 'STP'} is on for ${node.bridge ?? '?'} on ${nodeLabel(trace)}, but after ${Math.round(node.settled?.seconds ?? 0)} s it blocks none of ${looped.join(', ')} (${states.join(', ')}): ` +
      `the BPDUs it sends on one NIC do not come back on the other; nothing was sent to ${trace.switch}`,
    {
      suggestions: [
        `check that ${trace.switch} forwards BPDUs between the ports (a BPDU filter, or the switch running STP itself and blocking)`,
        'trace again: netops loop trace (without --apply) shows what each end sees now',
        `the switch side alone, knowing the loop may stay: ${fixLoopLine(trace)}`,
      ],
      details: {step: 'node', node, applied: [], saved: false},
    },
  )
}

function nodeInterrupted(trace: ApplyTrace, node: NodeStepResult, state: ApplyState): InterruptedError {
  return new InterruptedError(`interrupted during the node step: ${state.nodeDone}; nothing was sent to ${trace.switch}`, {
    suggestions: [
      'run the same command again to finish: STP that is already on is left as it is, the switch is fixed after the bridge blocks',
      `see the bridge: netops ovs stp status ${node.bridge ?? 'br0'}${trace.node === null || trace.node === 'local' ? '' : ` --host ${trace.node}`}`,
    ],
    details: {step: 'node', node, applied: [], notApplied: [], saved: false, summary: applySummary(state)},
  })
}

/** fix-loop's errors keep their class and code; an interrupt's report also says what stands on the node. */
function withNodeContext(error: unknown, state: ApplyState, trace: ApplyTrace): unknown {
  if (!(error instanceof InterruptedError)) return error
  return new InterruptedError(`${state.nodeDone}; ${trace.switch}: ${error.message}`, {
    suggestions: error.suggestions,
    details: {...error.details, step: 'switch', nodeDone: state.nodeDone, summary: applySummary(state)},
    cause: error,
  })
}

/**
 * One line for a run cut short: `interrupted: STP turned on for br0 on node1 (it stays on); nothing sent
 * to sw1`, or with fix-loop's summary for the switch.
 */
export function applySummary(state: ApplyState): string {
  if (state.switch === null || state.switch.applied.length === 0)
    return `interrupted: ${state.nodeDone}; nothing applied on ${state.switch?.host ?? 'the switch'}`
  const s = state.switch
  return `interrupted: ${state.nodeDone}; applied ${s.applied.length} of ${s.plan.length} lines on ${s.host} (${s.applied.join('; ')}); ${s.saved ? 'saved' : 'not saved'}`
}

async function verifyEnds(
  trace: ApplyTrace,
  io: ApplyIo,
  node: NodeStepResult,
  opts: ApplyOptions,
  looped: string[],
): Promise<VerifiedEnds> {
  const nodeName = nodeLabel(trace)
  const bridge = trace.bridge?.name ?? null
  let nodeCheck: VerifiedEnds['node']
  const mustBlock = node.action === 'stp-on' || trace.verdict === 'stp-blocked'
  if (mustBlock && io.vsctl !== undefined && bridge !== null) {
    const [st] = await getStpStatus(io.vsctl, bridge)
    const blocking =
      st === undefined
        ? []
        : portStates(st, looped)
            .filter(isBlocking)
            .map((p) => p.name)
    const ok = blocking.length > 0
    nodeCheck = {
      checked: true,
      ok,
      bridge,
      mode: st?.mode ?? null,
      blocking,
      message: ok
        ? `${bridge} on ${nodeName}: ${st?.mode.toUpperCase() ?? ''} on, ${blocking.join(', ')} blocking`
        : `${bridge} on ${nodeName} blocks none of ${looped.join(', ')} now`,
    }
  } else {
    nodeCheck = {
      checked: false,
      ok: true,
      bridge,
      mode: null,
      blocking: [],
      message:
        trace.verdict === 'bridge-loop' && opts.noStp
          ? `${bridge ?? 'the bridge'} on ${nodeName} not changed (--no-stp): the loop stays until a NIC is bonded or removed`
          : `nothing to check on ${nodeName}: ${node.reason}`,
    }
  }
  const facts = await io.device.readPort(trace.port)
  const d = diagnose(facts, io.device.platform, opts.intervalSeconds)
  const problems: string[] = []
  if (io.device.platform.hasEthernetKeepalive && facts.keepalive === true) problems.push('keepalive is on')
  if (facts.recovery.loopbackCauseSupported && !facts.recovery.loopback) problems.push('loopback recovery is off')
  if (facts.recovery.intervalSeconds !== null && facts.recovery.intervalSeconds !== opts.intervalSeconds)
    problems.push(`the recovery timer is ${facts.recovery.intervalSeconds} s, not ${opts.intervalSeconds} s`)
  if (opts.bounce && facts.status === 'err-disabled')
    problems.push(`${facts.interface} is err-disabled (${facts.errDisabledReason ?? '?'}) after the bounce`)
  const up = facts.status === 'connected' || facts.status === 'up'
  const where = `${facts.shortName} on ${facts.hostname || io.device.name}`
  const switchOk = problems.length === 0
  const state = up
    ? 'up'
    : facts.status === 'err-disabled' && d.secondsUntilRecovery !== null
      ? `err-disabled, the recovery timer brings it back within ${d.secondsUntilRecovery} s`
      : facts.status
  return {
    node: nodeCheck,
    switch: {
      ok: switchOk,
      interface: facts.interface,
      status: facts.status,
      keepalive: facts.keepalive,
      recovery: {loopback: facts.recovery.loopback, intervalSeconds: facts.recovery.intervalSeconds},
      message: switchOk
        ? `${where}: ${state}, ${facts.keepalive === false ? 'keepalive off, ' : ''}loopback recovery every ${facts.recovery.intervalSeconds ?? '?'} s`
        : `${where}: ${problems.join('; ')}`,
    },
    ok: nodeCheck.ok && switchOk,
  }
}
