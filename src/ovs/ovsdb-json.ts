/**
 * Decoding `ovs-vsctl --format=json` output: `{"headings": [...], "data": [[...], ...]}` per
 * command, one document per line when several commands run in one invocation.
 * OVSDB encodes maps as ["map", [[k, v], ...]], sets as ["set", [...]] (a set of ONE element is
 * written as the bare element), UUIDs as ["uuid", "..."]; an empty set is ["set", []].
 */

export type OvsdbAtom = string | number | boolean

export interface OvsdbTable {
  headings: string[]
  rows: Array<Record<string, unknown>>
}

class OvsdbParseError extends Error {}

/** Parse one `--format=json` document into rows keyed by heading. */
function parseTable(text: string): OvsdbTable {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new OvsdbParseError(`ovs-vsctl printed something that is not JSON: ${text.slice(0, 120)}`, {cause: err})
  }
  const d = doc as {headings?: unknown; data?: unknown}
  if (!Array.isArray(d.headings) || !Array.isArray(d.data)) {
    throw new OvsdbParseError('ovs-vsctl JSON has no "headings"/"data"')
  }
  const headings = d.headings.map(String)
  const rows = d.data.map((row: unknown) => {
    const cells = Array.isArray(row) ? row : []
    const rec: Record<string, unknown> = {}
    headings.forEach((h, i) => {
      rec[h] = cells[i]
    })
    return rec
  })
  return {headings, rows}
}

/** Split the output of an ovs-vsctl run with several `list`/`find` commands: one JSON document per line. */
export function parseTables(text: string): OvsdbTable[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map(parseTable)
}

function atom(value: unknown): OvsdbAtom | null {
  if (Array.isArray(value)) {
    if (value[0] === 'uuid' || value[0] === 'named-uuid') return String(value[1])
    if (value[0] === 'set' && Array.isArray(value[1]) && value[1].length === 0) return null
    return null
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return null
}

/** A set column as an array (a one-element set is encoded as the bare atom). */
export function set(value: unknown): OvsdbAtom[] {
  if (Array.isArray(value) && value[0] === 'set') {
    const items = Array.isArray(value[1]) ? value[1] : []
    return items.map(atom).filter((a): a is OvsdbAtom => a !== null)
  }
  const a = atom(value)
  return a === null ? [] : [a]
}

/** A map column as a plain object (values keep their JSON type: status strings, statistics integers). */
export function map(value: unknown): Record<string, OvsdbAtom> {
  const out: Record<string, OvsdbAtom> = {}
  if (Array.isArray(value) && value[0] === 'map' && Array.isArray(value[1])) {
    for (const pair of value[1] as unknown[]) {
      if (!Array.isArray(pair)) continue
      const k = atom(pair[0])
      const v = atom(pair[1])
      if (k !== null && v !== null) out[String(k)] = v
    }
  }
  return out
}

export function str(value: unknown): string {
  const a = atom(value)
  return a === null ? '' : String(a)
}

export function bool(value: unknown): boolean {
  return atom(value) === true
}
