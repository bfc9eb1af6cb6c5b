import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {
  describeNftRule,
  hasOurRule,
  hasOurTable,
  isMetadataNat,
  ourRuleExpr,
  ourTableIsUpToDate,
  parseNftJson,
  usesXt,
  type NftRuleset,
} from '../../../../src/metadata/redirect/nft.js'
import {nftFixture} from '../../../helpers/nft-fixtures.js'

const where = (rs: NftRuleset) => rs.rules.map((r) => `${r.family} ${r.table} ${r.chain}: ${describeNftRule(r)}`)

describe('nft -j listings (real nft 1.0.6 output)', () => {
  test('an empty ruleset has only metainfo: no tables, chains or rules', () => {
    assert.deepEqual(parseNftJson(nftFixture('empty.ruleset.json')), {tables: [], chains: [], rules: []})
    assert.equal(hasOurTable(parseNftJson(nftFixture('empty.tables.json'))), false)
  })
  test("netops's own table: chain priority dstnat - 10 is prio -110, the rule's comment is a field", () => {
    const rs = parseNftJson(nftFixture('ours-redirect-and-sets.ruleset.json'))
    assert.deepEqual(rs.tables, [
      {family: 'ip', name: 'netops_metadata'},
      {family: 'inet', name: 'sets'},
    ])
    assert.deepEqual(rs.chains[0], {
      family: 'ip',
      table: 'netops_metadata',
      name: 'prerouting',
      type: 'nat',
      hook: 'prerouting',
      prio: -110,
      policy: 'accept',
    })
    assert.equal(rs.rules[0]!.comment, 'netops-metadata')
    assert.equal(hasOurTable(parseNftJson(nftFixture('ours-redirect-and-sets.tables.json'))), true)
  })
  test('rules are described in nft words: the text `nft list ruleset` prints, counters left out', () => {
    assert.deepEqual(where(parseNftJson(nftFixture('ours-redirect-and-sets.ruleset.json'))), [
      'ip netops_metadata prerouting: iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 redirect to :8807 comment "netops-metadata"',
      'inet sets pre: ip daddr { 10.0.0.1, 169.254.169.254 } tcp dport { 80, 443 } redirect to :1',
      'inet sets pre: ip daddr 169.254.0.0/16 tcp dport 80-90 dnat ip to 10.0.0.7',
    ])
    assert.deepEqual(where(parseNftJson(nftFixture('iptables-nft-and-inet-other.ruleset.json'))), [
      'ip nat PREROUTING: iifname "br-md" ip daddr 169.254.169.254 tcp dport 80 xt match "comment" xt target "REDIRECT"',
      'ip nat PREROUTING: tcp dport 2222 xt target "REDIRECT"',
      'ip nat PREROUTING: ip daddr 169.254.169.254 tcp dport 80 xt target "DNAT"',
      'inet other pre: ip daddr 169.254.169.254 tcp dport 80 dnat ip to 10.0.0.9:8775',
      'inet other in: tcp dport 9998 accept',
    ])
  })
  test('a NAT of 169.254.169.254:80 is found through plain values, sets, prefixes, ranges and xt targets', () => {
    const sets = parseNftJson(nftFixture('ours-redirect-and-sets.ruleset.json'))
    assert.deepEqual(sets.rules.map(isMetadataNat), [true, true, true])
    const mixed = parseNftJson(nftFixture('iptables-nft-and-inet-other.ruleset.json'))
    assert.deepEqual(mixed.rules.map(isMetadataNat), [true, false, true, true, false])
    assert.deepEqual(mixed.rules.map(usesXt), [true, true, true, false, false])
  })
  test('a daddr outside the prefix, another port or a negated match is not a NAT of the metadata address', () => {
    const rule = (expr: unknown[]) => ({family: 'ip', table: 't', chain: 'c', handle: 1, expr: expr as Array<Record<string, unknown>>})
    const daddr = (right: unknown, op = '==') => ({match: {op, left: {payload: {protocol: 'ip', field: 'daddr'}}, right}})
    const dport = (right: unknown) => ({match: {op: '==', left: {payload: {protocol: 'tcp', field: 'dport'}}, right}})
    const dnat = {dnat: {addr: '10.0.0.7', port: 80}}
    assert.equal(isMetadataNat(rule([daddr({prefix: {addr: '169.254.169.0', len: 25}}), dnat])), false)
    assert.equal(isMetadataNat(rule([daddr('169.254.169.254'), dport({range: [81, 90]}), dnat])), false)
    assert.equal(isMetadataNat(rule([daddr('169.254.169.254', '!='), dnat])), false)
    assert.equal(isMetadataNat(rule([daddr('169.254.169.254'), {accept: null}])), false)
    assert.equal(isMetadataNat(rule([daddr('169.254.169.254'), dnat])), true, 'no dport match: every port, 80 too')
  })
  test("netops's rule reads back as the expressions ourRuleExpr builds (REDIRECT with --bridge, DNAT without)", () => {
    const redirect = parseNftJson(nftFixture('ours-redirect-and-sets.ruleset.json'))
    const wantRedirect = ourRuleExpr('redirect', {host: '127.0.0.1', port: 8807}, 'br-md')
    assert.equal(hasOurRule(redirect, wantRedirect), true)
    assert.equal(ourTableIsUpToDate(redirect, wantRedirect), true, 'other tables do not matter')
    assert.equal(ourTableIsUpToDate(redirect, ourRuleExpr('redirect', {host: '127.0.0.1', port: 9000}, 'br-md')), false)
    assert.equal(ourTableIsUpToDate(redirect, ourRuleExpr('redirect', {host: '127.0.0.1', port: 8807}, null)), false)
    const dnat = parseNftJson(nftFixture('ours-dnat.table.json'))
    const wantDnat = ourRuleExpr('dnat', {host: '10.9.0.5', port: 8807}, null)
    assert.equal(ourTableIsUpToDate(dnat, wantDnat), true)
    assert.equal(
      describeNftRule({expr: wantDnat, comment: 'netops-metadata'}),
      'ip daddr 169.254.169.254 tcp dport 80 dnat to 10.9.0.5:8807 comment "netops-metadata"',
    )
  })
  test('a second rule or a changed chain in our table is not up to date', () => {
    const rs = parseNftJson(nftFixture('ours-redirect-and-sets.ruleset.json'))
    const want = ourRuleExpr('redirect', {host: '127.0.0.1', port: 8807}, 'br-md')
    const ours = rs.rules[0]!
    assert.equal(ourTableIsUpToDate({...rs, rules: [ours, {...ours, handle: 9}]}, want), false)
    assert.equal(ourTableIsUpToDate({...rs, chains: rs.chains.map((c) => ({...c, prio: -100}))}, want), false)
    assert.equal(ourTableIsUpToDate({...rs, rules: [{...ours, comment: 'other'}]}, want), false)
    assert.equal(ourTableIsUpToDate({...rs, tables: []}, want), false)
  })
  test('output that is not nft JSON is refused with the reason', () => {
    assert.throws(() => parseNftJson('table ip nat {\n}'), /not JSON/)
    assert.throws(() => parseNftJson('{"tables": []}'), /no "nftables" array/)
    assert.throws(() => parseNftJson('{"nftables": [{"rule": {"family": "ip", "table": "t", "chain": "c"}}]}'), /a rule without/)
  })
})
