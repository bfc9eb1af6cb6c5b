import {readFileSync} from 'node:fs'

/** Real `nft -j` / `iptables -S` output captured in a network namespace (see test/fixtures/nft/README.md). */
export function nftFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/nft/${name}`, import.meta.url), 'utf8')
}

/** An `nft -j` listing cut down to the given tables (`"inet other"`): the metainfo and their tables, chains and rules. */
export function onlyTables(json: string, ...tables: string[]): string {
  const doc = JSON.parse(json) as {nftables: Array<Record<string, {family?: string; name?: string; table?: string}>>}
  const keep = (item: Record<string, {family?: string; name?: string; table?: string}>): boolean => {
    const [kind, v] = Object.entries(item)[0] ?? ['', {}]
    if (kind === 'metainfo') return true
    return tables.includes(`${v.family} ${kind === 'table' ? v.name : v.table}`)
  }
  return JSON.stringify({nftables: doc.nftables.filter(keep)})
}
