/**
 * Make the redirect plan so (`--apply`) or undo it (`--remove`), idempotently, through an
 * Executor (argv arrays, never a shell). Only our own rules are ever changed:
 * - iptables: rules in the nat table carrying `-m comment --comment netops-metadata`;
 *   each is checked with `-C` before it is inserted; stale ones of ours are deleted with `-D`.
 * - nft: our own table `ip netops_metadata`; removal deletes that table.
 * Someone else's DNAT/REDIRECT for 169.254.169.254:80 is a conflict: refused, nothing changed.
 */
import {DependencyError, PermissionError, RedirectCommandError, RedirectConflictError, VerificationError} from '../../errors.js'
import type {ExecResult, Executor} from '../../ovs/executor.js'
import {shellQuote} from '../../ssh/quote.js'
import {
  METADATA_ADDRESS,
  NFT_DELETE_TABLE,
  NFT_FAMILY,
  NFT_TABLE,
  RULE_COMMENT,
  iptablesCheck,
  iptablesDelete,
  iptablesSpec,
  type RedirectBackend,
  type RedirectMode,
  type RedirectPlan,
} from './plan.js'
import {
  describeNftRule,
  hasOurRule,
  hasOurTable,
  isMetadataNat as isMetadataNatRule,
  isOurs,
  ourRuleExpr,
  ourTableIsUpToDate,
  parseNftJson,
  usesXt,
  type NftRule,
  type NftRuleset,
} from './nft.js'

type RedirectAction = 'print' | 'apply' | 'remove'

/** The `--json` document of `netops metadata redirect`. */
export interface RedirectResult {
  action: RedirectAction
  backend: RedirectBackend
  /** `HOST:PORT`, or null for `--remove` without `--to`. */
  to: string | null
  bridge: string | null
  mode: RedirectMode | null
  /** argv arrays that create the rules (the plan). */
  rules: string[][]
  /** argv arrays that remove them. */
  undo: string[][]
  /** argv arrays run to add rules. */
  applied: string[][]
  /** argv arrays run to remove rules (ours only: stale ones on --apply, all of ours on --remove). */
  removed: string[][]
  /** Rules that were already in place (checked, not added again). */
  unchanged: string[][]
  changed: boolean
  warnings: string[]
  notes: string[]
}

const PACKAGE: Record<string, string> = {iptables: 'iptables', 'iptables-save': 'iptables', nft: 'nftables'}
const TIMEOUT_MS = 30_000

/** Run argv; resolve when its exit code is in `ok`, else throw the right NetopsError. */
async function runChecked(executor: Executor, argv: string[], ok: number[] = [0]): Promise<ExecResult> {
  const res = await executor.run(argv, {timeoutMs: TIMEOUT_MS})
  if (ok.includes(res.exitCode)) return res
  const program = argv[0] ?? '?'
  const text = `${res.stderr}\n${res.stdout}`.trim()
  if (res.exitCode === 127) {
    const pkg = PACKAGE[program] ?? program
    throw new DependencyError(`${program} is not installed (${executor.where})`, {
      suggestions: [
        `install the Debian package ${pkg}: apt-get install ${pkg}`,
        program === 'nft' ? 'or use iptables: drop --nft' : 'or use nftables: --nft',
      ],
      details: {command: argv},
    })
  }
  if (/permission denied|operation not permitted|you must be root/i.test(text)) {
    throw new PermissionError(`${program} needs root (CAP_NET_ADMIN) to read or change the nat rules (${executor.where})`, {
      suggestions: [
        'run it as root: sudo netops metadata redirect ...',
        'or print the rules (no --apply/--remove) and apply them yourself',
      ],
      details: {command: argv, stderr: res.stderr.trim()},
    })
  }
  if (/table does not exist|do you need to insmod|protocol not supported/i.test(text)) {
    throw new DependencyError(`${program}: the kernel has no NAT support loaded (${executor.where})`, {
      suggestions: ['load it: modprobe nf_nat (and iptable_nat for iptables-legacy)'],
      details: {command: argv, stderr: res.stderr.trim()},
    })
  }
  throw new RedirectCommandError(`${shellQuote(argv)} failed with exit status ${res.exitCode}: ${firstLine(text)}`, {
    suggestions: ['run the command by hand to see the whole message'],
    details: {command: argv, exitCode: res.exitCode, stderr: res.stderr.trim()},
  })
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '(no message)'
  )
}

/* ------------------------------------------------------------------ iptables */

export interface IptablesRule {
  chain: string
  /** Everything after `-A CHAIN`. */
  spec: string[]
  line: string
}

/** Split an `iptables -S` line like the shell would (double quotes group, `\"` escapes). */
export function splitRuleLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let inQuote = false
  let has = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (inQuote) {
      if (ch === '\\' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') inQuote = false
      else cur += ch
    } else if (ch === '"') {
      inQuote = true
      has = true
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur)
      cur = ''
      has = false
    } else {
      cur += ch
      has = true
    }
  }
  if (has) out.push(cur)
  return out
}

/** The `-A` lines of `iptables -t nat -S`. */
export function parseIptablesRules(text: string): IptablesRule[] {
  const rules: IptablesRule[] = []
  for (const line of text.split('\n')) {
    const t = splitRuleLine(line.trim())
    if (t[0] !== '-A' || t[1] === undefined) continue
    rules.push({chain: t[1], spec: t.slice(2), line: line.trim()})
  }
  return rules
}

/** Option groups (`-d X`, `-m tcp`, `--dport 80`) of a rule spec, sorted: order-independent comparison. */
function optionGroups(spec: string[]): string[] {
  const groups: string[][] = []
  for (const t of spec) {
    if (t.startsWith('-') || t === '!' || groups.length === 0) groups.push([t])
    else groups[groups.length - 1]!.push(t)
  }
  return groups.map((g) => g.join('\u0000')).sort()
}

/** Same rule whatever order the options are written in (iptables -S has its own order). */
export function sameRuleSpec(a: string[], b: string[]): boolean {
  const ga = optionGroups(a)
  const gb = optionGroups(b)
  return ga.length === gb.length && ga.every((g, i) => g === gb[i])
}

function isOurIptablesRule(r: IptablesRule): boolean {
  const i = r.spec.indexOf('--comment')
  return i >= 0 && r.spec[i + 1] === RULE_COMMENT
}

/** Someone's NAT of 169.254.169.254 port 80 (DNAT or REDIRECT). */
function isMetadataNat(spec: string[]): boolean {
  const d = spec.indexOf('-d')
  const dest = d >= 0 ? spec[d + 1] : undefined
  if (dest !== `${METADATA_ADDRESS}/32` && dest !== METADATA_ADDRESS) return false
  const p = spec.indexOf('--dport')
  if (p >= 0 && spec[p + 1] !== '80') return false
  const j = spec.indexOf('-j')
  return j >= 0 && (spec[j + 1] === 'DNAT' || spec[j + 1] === 'REDIRECT')
}

async function listIptables(executor: Executor): Promise<IptablesRule[]> {
  const res = await runChecked(executor, ['iptables', '-t', 'nat', '-S'])
  return parseIptablesRules(res.stdout)
}

function conflictError(lines: string[], backend: RedirectBackend, extraSuggestions: string[] = []): RedirectConflictError {
  return new RedirectConflictError(`another rule already redirects ${METADATA_ADDRESS}:80: ${lines.join(' | ')}`, {
    suggestions: [
      ...extraSuggestions,
      backend === 'iptables'
        ? 'see it: iptables -t nat -S | grep 169.254.169.254'
        : 'see it: nft -a list ruleset | grep -n 169.254.169.254',
      'remove that rule yourself if it is stale (netops never changes rules it did not add), then run again',
    ],
    details: {rules: lines},
  })
}

/** The output of an `nft -j` listing, or a RedirectCommandError when it is not nft's JSON. */
function nftJson(argv: string[], res: ExecResult): NftRuleset {
  try {
    return parseNftJson(res.stdout)
  } catch (err) {
    throw new RedirectCommandError(`${shellQuote(argv)} printed no nft JSON: ${(err as Error).message}`, {
      suggestions: [
        'nft 0.9.1 or later with JSON support is needed (Debian: apt-get install nftables)',
        'run the command by hand to see it',
      ],
      details: {command: argv, stdout: res.stdout.slice(0, 500)},
    })
  }
}

const NFT_LIST_RULESET = ['nft', '-j', 'list', 'ruleset']
const NFT_LIST_TABLES = ['nft', '-j', 'list', 'tables']

async function listNft(executor: Executor, argv: string[]): Promise<NftRuleset> {
  return nftJson(argv, await runChecked(executor, argv))
}

/**
 * What nftables shows besides iptables' view (tolerant: nft may be missing or not allowed, or print
 * no JSON; then iptables' own listing is all we check). iptables-nft rules show up here too (in
 * `table ip nat`); our own iptables rule is recognised by its comment.
 */
async function nftView(executor: Executor): Promise<NftRuleset | undefined> {
  const res = await executor.run(NFT_LIST_RULESET, {timeoutMs: TIMEOUT_MS})
  if (res.exitCode !== 0) return undefined
  try {
    return parseNftJson(res.stdout)
  } catch {
    return undefined
  }
}

/** iptables-nft's own table, already read through `iptables -t nat -S`. */
function isIptablesNat(r: {family: string; table: string}): boolean {
  return r.family === 'ip' && r.table === 'nat'
}

/**
 * Conflict lines for nft rules. nft -j leaves out where iptables-nft's `xt` targets send traffic;
 * for those in `table ip nat` the matching `iptables -t nat -S` line says it (the chain's rules in
 * the same order), when iptables can be asked.
 */
async function describeNftConflicts(foreign: NftRule[], all: NftRuleset, executor: Executor): Promise<string[]> {
  let iptables: IptablesRule[] | undefined
  if (foreign.some((r) => usesXt(r) && isIptablesNat(r))) {
    const res = await executor.run(['iptables', '-t', 'nat', '-S'], {timeoutMs: TIMEOUT_MS})
    if (res.exitCode === 0) iptables = parseIptablesRules(res.stdout)
  }
  return foreign.map((r) => {
    const where = `table ${r.family} ${r.table} chain ${r.chain}`
    if (iptables !== undefined && usesXt(r) && isIptablesNat(r)) {
      const inChain = all.rules.filter((x) => isIptablesNat(x) && x.chain === r.chain)
      const lines = iptables.filter((x) => x.chain === r.chain)
      const line = lines.length === inChain.length ? lines[inChain.indexOf(r)]?.line : undefined
      if (line !== undefined) return `${where}: ${line}`
    }
    return `${where}: ${describeNftRule(r)}`
  })
}

async function applyIptables(plan: RedirectPlan, executor: Executor): Promise<Pick<RedirectResult, 'applied' | 'removed' | 'unchanged'>> {
  const spec = iptablesSpec(plan.mode, plan.target, plan.bridge)
  const rules = await listIptables(executor)
  const foreign = rules.filter((r) => !isOurIptablesRule(r) && isMetadataNat(r.spec))
  if (foreign.length > 0)
    throw conflictError(
      foreign.map((r) => r.line),
      'iptables',
    )
  const nft = await nftView(executor)
  if (nft !== undefined && hasOurTable(nft)) {
    throw conflictError([`table ${NFT_FAMILY} ${NFT_TABLE} (netops's nft rules)`], 'iptables', [
      'netops already redirects with nftables here: remove that first with netops metadata redirect --remove --nft, or keep using --nft',
    ])
  }
  // `table ip nat` is iptables-nft's own table (already read through iptables -S; nft does not
  // even print iptables' comments, so our own rule would look foreign there).
  const nftForeign = (nft?.rules ?? []).filter((r) => !isIptablesNat(r) && isMetadataNatRule(r))
  if (nft !== undefined && nftForeign.length > 0) throw conflictError(await describeNftConflicts(nftForeign, nft, executor), 'nft')
  const removed: string[][] = []
  let keptOne = false
  for (const r of rules.filter(isOurIptablesRule)) {
    const same = r.chain === 'PREROUTING' && sameRuleSpec(r.spec, spec)
    if (same && !keptOne) {
      keptOne = true
      continue
    }
    const del = iptablesDelete(r.spec, r.chain)
    await runChecked(executor, del)
    removed.push(del)
  }
  const applied: string[][] = []
  const unchanged: string[][] = []
  const add = plan.rules[0]!
  const check = await runChecked(executor, iptablesCheck(spec), [0, 1])
  if (check.exitCode === 0) unchanged.push(add)
  else {
    await runChecked(executor, add)
    applied.push(add)
    const verify = await runChecked(executor, iptablesCheck(spec), [0, 1])
    if (verify.exitCode !== 0) {
      throw new VerificationError(`the rule was added but iptables -C does not find it (${executor.where})`, {
        suggestions: ['look: iptables -t nat -S PREROUTING'],
        details: {command: add},
      })
    }
  }
  return {applied, removed, unchanged}
}

async function removeIptables(executor: Executor): Promise<string[][]> {
  const removed: string[][] = []
  for (const r of (await listIptables(executor)).filter(isOurIptablesRule)) {
    const del = iptablesDelete(r.spec, r.chain)
    await runChecked(executor, del)
    removed.push(del)
  }
  const left = (await listIptables(executor)).filter(isOurIptablesRule)
  if (left.length > 0) {
    throw new VerificationError(`${left.length} netops-metadata rule(s) are still there after removal (${executor.where})`, {
      suggestions: ['look: iptables -t nat -S | grep netops-metadata'],
      details: {rules: left.map((r) => r.line)},
    })
  }
  return removed
}

/* ------------------------------------------------------------------ nft */

async function applyNft(plan: RedirectPlan, executor: Executor): Promise<Pick<RedirectResult, 'applied' | 'removed' | 'unchanged'>> {
  const ruleset = await listNft(executor, NFT_LIST_RULESET)
  const foreign = ruleset.rules.filter((r) => !isOurs(r) && isMetadataNatRule(r))
  if (foreign.length > 0) {
    // nft does not show iptables-nft's comments: a rule in `table ip nat` may be netops's own iptables rule.
    const viaIptables = foreign.some((r) => isIptablesNat(r) || usesXt(r) || r.comment === RULE_COMMENT)
    throw conflictError(
      await describeNftConflicts(foreign, ruleset, executor),
      'nft',
      viaIptables
        ? ["if it is netops's own iptables rule: remove it with netops metadata redirect --remove (no --nft), or keep using iptables"]
        : [],
    )
  }
  const want = ourRuleExpr(plan.mode, plan.target, plan.bridge)
  if (ourTableIsUpToDate(ruleset, want)) return {applied: [], removed: [], unchanged: plan.rules}
  const removed: string[][] = []
  if (hasOurTable(ruleset)) {
    await runChecked(executor, NFT_DELETE_TABLE)
    removed.push(NFT_DELETE_TABLE)
  }
  const applied: string[][] = []
  for (const argv of plan.rules) {
    await runChecked(executor, argv)
    applied.push(argv)
  }
  const after = await listNft(executor, ['nft', '-j', 'list', 'table', NFT_FAMILY, NFT_TABLE])
  if (!hasOurRule(after, want)) {
    throw new VerificationError(`the nft rule was added but reads back differently (${executor.where})`, {
      suggestions: [`look: nft list table ${NFT_FAMILY} ${NFT_TABLE}`],
      details: {expected: describeNftRule({expr: want, comment: RULE_COMMENT}), found: after.rules.map(describeNftRule)},
    })
  }
  return {applied, removed, unchanged: []}
}

async function removeNft(executor: Executor): Promise<string[][]> {
  const exists = async () => hasOurTable(await listNft(executor, NFT_LIST_TABLES))
  if (!(await exists())) return []
  await runChecked(executor, NFT_DELETE_TABLE)
  if (await exists()) {
    throw new VerificationError(`table ${NFT_FAMILY} ${NFT_TABLE} is still there after nft delete (${executor.where})`, {
      suggestions: [`look: nft list table ${NFT_FAMILY} ${NFT_TABLE}`],
    })
  }
  return [NFT_DELETE_TABLE]
}

/* ------------------------------------------------------------------ entry points */

function base(action: RedirectAction, plan: RedirectPlan): RedirectResult {
  return {
    action,
    backend: plan.backend,
    to: plan.to,
    bridge: plan.bridge,
    mode: plan.mode,
    rules: plan.rules,
    undo: plan.undo,
    applied: [],
    removed: [],
    unchanged: [],
    changed: false,
    warnings: plan.warnings,
    notes: plan.notes,
  }
}

/** Print only: the plan as a result, nothing run. */
export function describeRedirect(plan: RedirectPlan): RedirectResult {
  return base('print', plan)
}

/** `--apply`: conflicts refused; stale rules of ours replaced; the wanted rule added unless present. */
export async function applyRedirect(plan: RedirectPlan, executor: Executor): Promise<RedirectResult> {
  const done = plan.backend === 'iptables' ? await applyIptables(plan, executor) : await applyNft(plan, executor)
  return {...base('apply', plan), ...done, changed: done.applied.length > 0 || done.removed.length > 0}
}

/** `--remove`: every rule of ours goes (a plan, when given, only fills in the description fields). */
export async function removeRedirect(backend: RedirectBackend, executor: Executor, plan?: RedirectPlan): Promise<RedirectResult> {
  const removed = backend === 'iptables' ? await removeIptables(executor) : await removeNft(executor)
  const desc: RedirectResult = plan
    ? base('remove', plan)
    : {
        action: 'remove',
        backend,
        to: null,
        bridge: null,
        mode: null,
        rules: [],
        undo: [],
        applied: [],
        removed: [],
        unchanged: [],
        changed: false,
        warnings: [],
        notes: [],
      }
  return {...desc, removed, changed: removed.length > 0}
}
