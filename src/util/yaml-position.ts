/**
 * Where a YAML node is in its file, as line:column (1-based, the way editors and compilers show it),
 * and the node a value's path (`['switches', 2, 'ssh_port']`) came from: how a schema error on the
 * parsed value is mapped back to the text the operator wrote.
 */
import {isCollection, isMap, isScalar, type Document, type LineCounter, type Node as YamlNode} from 'yaml'

export interface Position {
  line: number
  column: number
}

/** line:column of a character offset. */
export function positionAt(lc: LineCounter, offset: number): Position {
  const p = lc.linePos(offset)
  return {line: p.line, column: p.col}
}

/** line:column where `node` starts (1:1 for no node: an empty document). */
export function nodePosition(lc: LineCounter, node: unknown): Position {
  return positionAt(lc, (node as {range?: [number, number, number]} | null | undefined)?.range?.[0] ?? 0)
}

/**
 * The node of `path` in `doc`: map keys and list indexes. A path that runs past what the file holds
 * (a missing key) gives the deepest node that exists, so an error still points into the right entry.
 * `key: true` gives the last map entry's key node instead of its value (an unknown key is reported at
 * the key). A key with no value (`username:`) is its key node (unless `emptyIsKey: false`: then the empty value, where the
 * text would go).
 */
export function nodeAtPath(
  doc: Document,
  path: readonly PropertyKey[],
  options: {key?: boolean; emptyIsKey?: boolean} = {},
): YamlNode | null {
  let node: unknown = doc.contents
  for (let i = 0; i < path.length; i++) {
    const step = path[i]
    if (!isCollection(node)) break
    const pair = isMap(node) ? node.items.find((p) => keyText(p.key) === String(step)) : undefined
    if (isMap(node)) {
      if (!pair) break
      const last = i === path.length - 1
      const empty = pair.value == null || (options.emptyIsKey !== false && isEmptyScalar(pair.value))
      node = (last && options.key) || empty ? pair.key : pair.value
      if (empty) break
      continue
    }
    const item = typeof step === 'number' || /^\d+$/.test(String(step)) ? node.items[Number(step)] : undefined
    if (item == null) break
    node = item
  }
  return (node ?? null) as YamlNode | null
}

/** `username:` with nothing after it: a null scalar of no width. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1]
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key)
}
