import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {DependencyError, PermissionError, RedirectCommandError, RedirectConflictError} from '../../../../src/errors.js'
import type {ExecResult, Executor} from '../../../../src/ovs/executor.js'
import {
  applyRedirect,
  parseIptablesRules,
  parseNftRuleset,
  planRedirect,
  removeRedirect,
  splitRuleLine,
  sameRuleSpec,
} from '../../../../src/metadata/redirect/index.js'
import {renderRedirect} from '../../../../src/cli/render/redirect.js'

/** A stateful stand-in for iptables (nat table, -S/-C/-I/-D) and `nft list tables`. */
class FakeIptables implements Executor {
  readonly where = 'local'
  readonly calls: string[][] = []
  rules: string[]
  nftTables: string[] = []
  nftRules: string[] = []
  constructor(rules: string[] = []) {
    this.rules = [...rules]
  }
  async run(argv: string[]): Promise<ExecResult> {
    this.calls.push(argv)
    const ok = (stdout = ''): ExecResult => ({command: argv, exitCode: 0, stdout, stderr: '', signal: null})
    const fail = (exitCode: number, stderr: string): ExecResult => ({command: argv, exitCode, stdout: '', stderr, signal: null})
    if (argv[0] === 'nft')
      return ok(this.nftTables.map((t) => `table ${t} {\n\tchain c {\n${this.nftRules.map((r) => `\t\t${r}\n`).join('')}\t}\n}\n`).join(''))
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
  async close(): Promise<void> {}
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
    ex.nftTables = ['ip netops_metadata']
    await assert.rejects(
      applyRedirect(plan(), ex),
      (e: unknown) => e instanceof RedirectConflictError && e.suggestions.some((s) => s.includes('--remove --nft')),
    )
  })
  test('a native nft rule redirecting 169.254.169.254:80 is a conflict for the iptables backend too', async () => {
    const ex = new FakeIptables([])
    ex.nftTables = ['inet other']
    ex.nftRules = ['ip daddr 169.254.169.254 tcp dport 80 dnat ip to 10.0.0.9:8775']
    await assert.rejects(applyRedirect(plan(), ex), (e: unknown) => e instanceof RedirectConflictError && /inet other/.test(e.message))
    ex.nftTables = ['ip nat']
    ex.nftRules = ['iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 counter packets 0 bytes 0 redirect to :8807']
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
    run: async (argv) => ({command: argv, exitCode, stdout: '', stderr, signal: null}),
    close: async () => {},
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
  test('nft list ruleset: rules carry their table and chain, counters dropped', () => {
    const lines = parseNftRuleset(`table ip nat {
\tchain PREROUTING {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tip daddr 169.254.169.254 tcp dport 80 counter packets 3 bytes 180 redirect to :8807
\t}
}
table ip netops_metadata {
\tchain prerouting {
\t\tiifname "br-md" ip daddr 169.254.169.254 tcp dport 80 redirect to :8807 comment "netops-metadata"
\t}
}
`)
    assert.deepEqual(
      lines.map((l) => [l.table, l.chain, l.text]),
      [
        ['nat', 'PREROUTING', 'type nat hook prerouting priority dstnat; policy accept;'],
        ['nat', 'PREROUTING', 'ip daddr 169.254.169.254 tcp dport 80 redirect to :8807'],
        [
          'netops_metadata',
          'prerouting',
          'iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 redirect to :8807 comment "netops-metadata"',
        ],
      ],
    )
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
