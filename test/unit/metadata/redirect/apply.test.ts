import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {DependencyError, PermissionError, RedirectCommandError, RedirectConflictError, VerificationError} from '../../../../src/errors.js'
import type {ExecResult, Executor} from '../../../../src/ovs/executor.js'
import {
  applyRedirect,
  parseIptablesRules,
  planRedirect,
  removeRedirect,
  splitRuleLine,
  sameRuleSpec,
} from '../../../../src/metadata/redirect/index.js'
import {renderRedirect} from '../../../../src/cli/render/redirect.js'
import {nftFixture, onlyTables} from '../../../helpers/nft-fixtures.js'

const EMPTY_NFT = nftFixture('empty.ruleset.json')

/** A stateful stand-in for iptables (nat table, -S/-C/-I/-D); `nft -j list ruleset` answers `nft` (JSON). */
class FakeIptables implements Executor {
  readonly where = 'local'
  readonly calls: string[][] = []
  rules: string[]
  nft = EMPTY_NFT
  constructor(rules: string[] = []) {
    this.rules = [...rules]
  }
  run(argv: string[]): Promise<ExecResult> {
    return Promise.resolve(this.answer(argv))
  }
  private answer(argv: string[]): ExecResult {
    this.calls.push(argv)
    const ok = (stdout = ''): ExecResult => ({command: argv, exitCode: 0, stdout, stderr: '', signal: null})
    const fail = (exitCode: number, stderr: string): ExecResult => ({command: argv, exitCode, stdout: '', stderr, signal: null})
    if (argv[0] === 'nft') {
      assert.deepEqual(argv, ['nft', '-j', 'list', 'ruleset'])
      return ok(this.nft)
    }
    const [, t, nat, op, chain, ...rest] = argv
    assert.equal(t, '-t')
    assert.equal(nat, 'nat')
    if (op === '-S') return ok(['-P PREROUTING ACCEPT', ...this.rules].join('\n') + '\n')
    let spec = rest
    if (op === '-I') spec = rest.slice(1)
    const line = `-A ${chain} ${spec.join(' ')}`
    // Like iptables: -C/-D match the rule whatever order its options were given in.
    const i = this.rules.findIndex((r) => {
      const [, c, ...s] = splitRuleLine(r)
      return c === chain && sameRuleSpec(s, spec)
    })
    if (op === '-C') return i >= 0 ? ok() : fail(1, 'iptables: Bad rule (does a matching rule exist in that chain?).')
    if (op === '-I') {
      this.rules.unshift(line)
      return ok()
    }
    if (op === '-D') {
      if (i < 0) return fail(1, 'iptables: Bad rule')
      this.rules.splice(i, 1)
      return ok()
    }
    throw new Error(`unexpected ${argv.join(' ')}`)
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

const OURS =
  '-A PREROUTING -d 169.254.169.254/32 -i br-md -p tcp -m tcp --dport 80 -m comment --comment netops-metadata -j REDIRECT --to-ports 8807'
const UNRELATED = '-A PREROUTING -p tcp -m tcp --dport 2222 -j REDIRECT --to-ports 22'
const plan = (to = '127.0.0.1:8807') => planRedirect({to, bridge: 'br-md'})

describe('redirect apply/remove with iptables (fake iptables)', () => {
  test('--apply inserts the rule after -C finds nothing, and reports changed', async () => {
    const ex = new FakeIptables([UNRELATED])
    const r = await applyRedirect(plan(), ex)
    assert.equal(r.changed, true)
    assert.deepEqual(r.applied, plan().rules)
    assert.deepEqual(ex.rules, [OURS, UNRELATED])
    const ops = ex.calls.filter((c) => c[0] === 'iptables').map((c) => c[3])
    assert.deepEqual(ops, ['-S', '-C', '-I', '-C'])
  })
  test('--apply twice adds nothing the second time (changed: false, the rule listed as unchanged)', async () => {
    const ex = new FakeIptables([UNRELATED])
    await applyRedirect(plan(), ex)
    const again = await applyRedirect(plan(), ex)
    assert.equal(again.changed, false)
    assert.deepEqual(again.applied, [])
    assert.deepEqual(again.unchanged, plan().rules)
    assert.deepEqual(ex.rules, [OURS, UNRELATED])
  })
  test('--apply with a new port replaces our stale rule and nothing else', async () => {
    const ex = new FakeIptables([OURS, UNRELATED])
    const r = await applyRedirect(plan('127.0.0.1:9000'), ex)
    assert.equal(r.changed, true)
    assert.equal(r.removed.length, 1)
    assert.deepEqual(ex.rules, [OURS.replace('8807', '9000'), UNRELATED])
  })
  test('our rule listed with its options in another order counts as in place (iptables -S reorders -i and -d)', async () => {
    const reordered =
      '-A PREROUTING -i br-md -p tcp -d 169.254.169.254/32 -m tcp --dport 80 -m comment --comment netops-metadata -j REDIRECT --to-ports 8807'
    const ex = new FakeIptables([reordered])
    const r = await applyRedirect(plan(), ex)
    assert.equal(r.changed, false)
    assert.deepEqual(ex.rules, [reordered])
  })
  test('a duplicate of our own rule is cleaned up', async () => {
    const ex = new FakeIptables([OURS, OURS])
    const r = await applyRedirect(plan(), ex)
    assert.equal(r.removed.length, 1)
    assert.deepEqual(ex.rules, [OURS])
  })
  test("someone else's DNAT for 169.254.169.254:80 is a conflict: exit 12, nothing changed", async () => {
    const foreign = '-A nova-api-PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.9:8775'
    const ex = new FakeIptables([foreign, OURS.replace('8807', '9000')])
    await assert.rejects(applyRedirect(plan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectConflictError)
      assert.equal(e.code, 'NETOPS_METADATA_REDIRECT_CONFLICT')
      assert.equal(e.exitCode, 12)
      assert.match(e.message, /10\.0\.0\.9:8775/)
      return true
    })
    assert.equal(ex.calls.filter((c) => c[3] !== '-S').length, 0, 'no command but the listing ran')
  })
  test("netops's own nft table while asking for iptables is a conflict naming --remove --nft", async () => {
    const ex = new FakeIptables([])
    ex.nft = onlyTables(nftFixture('ours-redirect-and-sets.ruleset.json'), 'ip netops_metadata')
    await assert.rejects(
      applyRedirect(plan(), ex),
      (e: unknown) => e instanceof RedirectConflictError && e.suggestions.some((s) => s.includes('--remove --nft')),
    )
  })
  test('a native nft rule redirecting 169.254.169.254:80 is a conflict for the iptables backend too', async () => {
    const ex = new FakeIptables([])
    const captured = nftFixture('iptables-nft-and-inet-other.ruleset.json')
    ex.nft = onlyTables(captured, 'inet other')
    await assert.rejects(applyRedirect(plan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectConflictError)
      assert.match(e.message, /table inet other chain pre: ip daddr 169\.254\.169\.254 tcp dport 80 dnat ip to 10\.0\.0\.9:8775$/)
      return true
    })
    ex.nft = onlyTables(captured, 'ip nat')
    assert.equal(
      (await applyRedirect(plan(), ex)).changed,
      true,
      "iptables-nft's own table ip nat (our rule, seen through nft) is left to iptables -S",
    )
  })
  test('--remove deletes only rules tagged netops-metadata, in any nat chain', async () => {
    const inOutput =
      '-A OUTPUT -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -m comment --comment netops-metadata -j REDIRECT --to-ports 8807'
    const ex = new FakeIptables([OURS, UNRELATED, inOutput])
    const r = await removeRedirect('iptables', ex)
    assert.equal(r.changed, true)
    assert.equal(r.removed.length, 2)
    assert.deepEqual(ex.rules, [UNRELATED])
    const again = await removeRedirect('iptables', ex)
    assert.equal(again.changed, false)
    assert.deepEqual(again.removed, [])
  })
  test('a comment that merely contains netops-metadata is not ours', async () => {
    const lookalike = '-A PREROUTING -p tcp -m tcp --dport 81 -m comment --comment "not netops-metadata" -j REDIRECT --to-ports 1'
    const ex = new FakeIptables([lookalike])
    await removeRedirect('iptables', ex)
    assert.deepEqual(ex.rules, [lookalike])
  })
})

describe('redirect errors from the programs', () => {
  const replying = (exitCode: number, stderr: string): Executor => ({
    where: 'local',
    run: (argv) => Promise.resolve({command: argv, exitCode, stdout: '', stderr, signal: null}),
    close: () => Promise.resolve(),
  })
  test('iptables not installed (exit 127) is a DependencyError (exit 13) naming the Debian package', async () => {
    await assert.rejects(applyRedirect(plan(), replying(127, 'iptables: command not found')), (e: unknown) => {
      assert.ok(e instanceof DependencyError)
      assert.equal(e.exitCode, 13)
      assert.ok(e.suggestions.some((s) => s.includes('apt-get install iptables')))
      return true
    })
    await assert.rejects(
      removeRedirect('nft', replying(127, 'nft: command not found')),
      (e: unknown) => e instanceof DependencyError && e.suggestions.some((s) => s.includes('nftables')),
    )
  })
  test('not root is a PermissionError (exit 14), for iptables and nft wording alike', async () => {
    await assert.rejects(
      applyRedirect(
        plan(),
        replying(4, 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)'),
      ),
      (e: unknown) => e instanceof PermissionError && e.exitCode === 14,
    )
    await assert.rejects(
      removeRedirect('nft', replying(1, 'netlink: Error: cache initialization failed: Operation not permitted')),
      (e: unknown) => e instanceof PermissionError,
    )
  })
  test('any other failure is NETOPS_METADATA_REDIRECT_FAILED (exit 4) with the command and its message', async () => {
    await assert.rejects(applyRedirect(plan(), replying(2, 'iptables v1.8.9: unknown option "--bogus"')), (e: unknown) => {
      assert.ok(e instanceof RedirectCommandError)
      assert.equal(e.exitCode, 4)
      assert.match(e.message, /unknown option/)
      return true
    })
  })
})

describe('redirect parsers', () => {
  test('iptables -S lines split like the shell, quoted comments kept whole', () => {
    assert.deepEqual(splitRuleLine('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT'), [
      '-A',
      'X',
      '-m',
      'comment',
      '--comment',
      'a "b" c',
      '-j',
      'ACCEPT',
    ])
    const rules = parseIptablesRules(`-P PREROUTING ACCEPT\n-N FOO\n${OURS}\n`)
    assert.equal(rules.length, 1)
    assert.equal(rules[0]!.chain, 'PREROUTING')
  })
})

/** A scripted nft: each argv answers the next of its replies (the last one repeats); changes answer ''. */
class ScriptedNft implements Executor {
  readonly where = 'local'
  readonly calls: string[][] = []
  constructor(private readonly replies: Record<string, Array<string | {exitCode: number; stderr: string}>>) {}
  run(argv: string[]): Promise<ExecResult> {
    this.calls.push(argv)
    const list = this.replies[argv.join(' ')]
    const reply = list === undefined ? '' : list.length > 1 ? list.shift()! : list[0]!
    const res: ExecResult =
      typeof reply === 'string'
        ? {command: argv, exitCode: 0, stdout: reply, stderr: '', signal: null}
        : {command: argv, exitCode: reply.exitCode, stdout: '', stderr: reply.stderr, signal: null}
    return Promise.resolve(res)
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

describe('redirect apply/remove with nft (captured nft -j output)', () => {
  const RULESET = 'nft -j list ruleset'
  const OUR_TABLE = 'nft -j list table ip netops_metadata'
  const TABLES = 'nft -j list tables'
  const redirectOurs = onlyTables(nftFixture('ours-redirect-and-sets.ruleset.json'), 'ip netops_metadata')
  const nftPlan = (to = '127.0.0.1:8807', bridge: string | null = 'br-md') =>
    planRedirect({to, backend: 'nft', ...(bridge === null ? {} : {bridge})})
  const ran = (ex: ScriptedNft) => ex.calls.map((c) => c.slice(0, 4).join(' '))

  test('an up-to-date table is left alone: one listing, nothing else run', async () => {
    const ex = new ScriptedNft({[RULESET]: [redirectOurs]})
    const r = await applyRedirect(nftPlan(), ex)
    assert.equal(r.changed, false)
    assert.deepEqual(r.unchanged, nftPlan().rules)
    assert.deepEqual(ex.calls, [['nft', '-j', 'list', 'ruleset']])
  })
  test('a stale table is deleted and the plan added, then read back', async () => {
    const ex = new ScriptedNft({[RULESET]: [redirectOurs], [OUR_TABLE]: [nftFixture('ours-dnat.table.json')]})
    const r = await applyRedirect(nftPlan('10.9.0.5:8807', null), ex)
    assert.equal(r.changed, true)
    assert.deepEqual(r.removed, [['nft', 'delete', 'table', 'ip', 'netops_metadata']])
    assert.deepEqual(r.applied, nftPlan('10.9.0.5:8807', null).rules)
    assert.deepEqual(ran(ex), [
      RULESET,
      'nft delete table ip',
      'nft add table ip',
      'nft add chain ip',
      'nft add rule ip',
      'nft -j list table',
    ])
  })
  test('on an empty ruleset the plan is added without a delete', async () => {
    const ex = new ScriptedNft({[RULESET]: [nftFixture('empty.ruleset.json')], [OUR_TABLE]: [redirectOurs]})
    const r = await applyRedirect(nftPlan(), ex)
    assert.deepEqual(r.removed, [])
    assert.equal(r.applied.length, 3)
  })
  test('a rule that reads back differently is a VerificationError (exit 6)', async () => {
    const ex = new ScriptedNft({[RULESET]: [nftFixture('empty.ruleset.json')], [OUR_TABLE]: [nftFixture('ours-dnat.table.json')]})
    await assert.rejects(applyRedirect(nftPlan(), ex), (e: unknown) => {
      assert.ok(e instanceof VerificationError)
      assert.equal(e.exitCode, 6)
      assert.equal(
        e.details?.['expected'],
        'iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 redirect to :8807 comment "netops-metadata"',
      )
      return true
    })
  })
  test("iptables-nft's DNAT of the metadata address is a conflict described by its iptables -S line", async () => {
    const ex = new ScriptedNft({
      [RULESET]: [nftFixture('iptables-nft-and-inet-other.ruleset.json')],
      'iptables -t nat -S': [nftFixture('iptables-nft-and-inet-other.iptables-S.txt')],
    })
    await assert.rejects(applyRedirect(nftPlan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectConflictError)
      assert.equal(e.exitCode, 12)
      assert.deepEqual(e.details?.['rules'], [
        'table ip nat chain PREROUTING: -A PREROUTING -d 169.254.169.254/32 -i br-md -p tcp -m tcp --dport 80 -m comment --comment netops-metadata -j REDIRECT --to-ports 8807',
        'table ip nat chain PREROUTING: -A PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.201.0.2:8775',
        'table inet other chain pre: ip daddr 169.254.169.254 tcp dport 80 dnat ip to 10.0.0.9:8775',
      ])
      assert.ok(e.suggestions.some((s) => s.includes('--remove (no --nft)')))
      return true
    })
    assert.ok(!ex.calls.some((c) => c[1] === 'add' || c[1] === 'delete'), 'nothing changed')
  })
  test('when iptables cannot be asked, the xt rule is described from the JSON alone', async () => {
    const ex = new ScriptedNft({
      [RULESET]: [onlyTables(nftFixture('iptables-nft-and-inet-other.ruleset.json'), 'ip nat')],
      'iptables -t nat -S': [{exitCode: 127, stderr: 'iptables: not found'}],
    })
    await assert.rejects(applyRedirect(nftPlan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectConflictError)
      assert.match(e.message, /table ip nat chain PREROUTING: ip daddr 169\.254\.169\.254 tcp dport 80 xt target "DNAT"/)
      return true
    })
  })
  test('a foreign table matching the metadata address through a set or a prefix is a conflict', async () => {
    const ex = new ScriptedNft({[RULESET]: [nftFixture('ours-redirect-and-sets.ruleset.json')]})
    await assert.rejects(applyRedirect(nftPlan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectConflictError)
      assert.deepEqual(e.details?.['rules'], [
        'table inet sets chain pre: ip daddr { 10.0.0.1, 169.254.169.254 } tcp dport { 80, 443 } redirect to :1',
        'table inet sets chain pre: ip daddr 169.254.0.0/16 tcp dport 80-90 dnat ip to 10.0.0.7',
      ])
      assert.ok(!e.suggestions.some((s) => s.includes('--remove (no --nft)')), 'native rules: no iptables hint')
      return true
    })
  })
  test('--remove deletes our table and checks it is gone; without it nothing is run', async () => {
    const ex = new ScriptedNft({[TABLES]: [nftFixture('ours-redirect-and-sets.tables.json'), nftFixture('empty.tables.json')]})
    const r = await removeRedirect('nft', ex)
    assert.equal(r.changed, true)
    assert.deepEqual(ran(ex), [TABLES, 'nft delete table ip', TABLES])
    const none = new ScriptedNft({[TABLES]: [nftFixture('empty.tables.json')]})
    assert.equal((await removeRedirect('nft', none)).changed, false)
    assert.deepEqual(ran(none), [TABLES])
  })
  test('a table still there after the delete is a VerificationError', async () => {
    const ex = new ScriptedNft({[TABLES]: [nftFixture('ours-redirect-and-sets.tables.json')]})
    await assert.rejects(removeRedirect('nft', ex), (e: unknown) => e instanceof VerificationError && /still there/.test(e.message))
  })
  test('nft printing something that is not JSON is NETOPS_METADATA_REDIRECT_FAILED (exit 4)', async () => {
    const ex = new ScriptedNft({[RULESET]: ['table ip nat {\n}\n']})
    await assert.rejects(applyRedirect(nftPlan(), ex), (e: unknown) => {
      assert.ok(e instanceof RedirectCommandError)
      assert.equal(e.exitCode, 4)
      assert.match(e.message, /^nft -j list ruleset printed no nft JSON: not JSON/)
      return true
    })
  })
})

describe('redirect rendering', () => {
  test('print mode is a pasteable script: the rule, the undo commented out, notes as comments', () => {
    const text = renderRedirect({...planToResult()})
    const lines = text.split('\n')
    assert.match(
      lines[0]!,
      /^# netops metadata redirect: 169\.254\.169\.254:80 on br-md → REDIRECT to port 8807 of this host \(iptables\)$/,
    )
    assert.equal(
      lines[1],
      'iptables -t nat -I PREROUTING 1 -d 169.254.169.254/32 -i br-md -p tcp -m tcp --dport 80 -m comment --comment netops-metadata -j REDIRECT --to-ports 8807',
    )
    assert.ok(lines.slice(2).every((l) => l.startsWith('#')))
  })
  test('nft rule arguments with quotes and braces are shell-quoted', () => {
    const p = planRedirect({to: '10.9.0.5:8807', bridge: 'br-md', backend: 'nft'})
    const text = renderRedirect({...planToResult(), rules: p.rules})
    assert.ok(text.includes(`'{ type nat hook prerouting priority dstnat - 10; policy accept; }'`))
    assert.ok(text.includes(`iifname '"br-md"'`))
  })
})

function planToResult() {
  const p = plan()
  return {
    action: 'print' as const,
    backend: p.backend,
    to: p.to,
    bridge: p.bridge,
    mode: p.mode,
    rules: p.rules,
    undo: p.undo,
    applied: [],
    removed: [],
    unchanged: [],
    changed: false,
    warnings: p.warnings,
    notes: p.notes,
  }
}
