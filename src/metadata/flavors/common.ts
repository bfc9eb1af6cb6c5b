import type {FlavorResponse, Instance} from '../types.js'

/** Every document one flavour serves to one VM: request path → response. Absent = 404. */
export type Documents = Map<string, FlavorResponse>

const TEXT = 'text/plain; charset=utf-8'
export const JSON_TYPE = 'application/json'
export const OCTETS = 'application/octet-stream'
export const YAML_TYPE = 'text/yaml; charset=utf-8'

const NOT_FOUND: FlavorResponse = Object.freeze({status: 404, contentType: TEXT, body: 'Not Found\n'})

export function ok(body: string | Buffer, contentType = TEXT): FlavorResponse {
  return {status: 200, contentType, body}
}

/** A VM's user-data as served: its text, or its bytes exactly when it came as binary user_data_base64. */
export function userDataBody(instance: Pick<Instance, 'userDataBinary'>, userData: string): string | Buffer {
  return instance.userDataBinary ? Buffer.from(userData, 'latin1') : userData
}

/** Look a path up in a document set; a miss is a 404, never a 5xx. */
export function lookup(docs: Documents, path: string): FlavorResponse {
  return docs.get(path) ?? NOT_FOUND
}

/**
 * An EC2-style directory. `entries` are served under `<dir>/<name>`; `listing` overrides the
 * lines the directory lists (public-keys lists `0=name` while serving `0/openssh-key`).
 */
export interface Dir {
  entries: Map<string, TreeNode>
  listing?: string[]
}
/** A node of an EC2-style metadata tree: a leaf (its text) or a directory. */
export type TreeNode = string | Dir

export function dir(entries: Array<[string, TreeNode | undefined]>, listing?: string[]): Dir {
  const map = new Map<string, TreeNode>()
  for (const [k, v] of entries) if (v !== undefined) map.set(k, v)
  return listing === undefined ? {entries: map} : {entries: map, listing}
}

function isDir(node: TreeNode): node is Dir {
  return typeof node !== 'string'
}

/** A directory's listing: children that are directories end in `/`; every line names something served. */
function listingOf(d: Dir): string {
  const lines = d.listing ?? [...d.entries].map(([name, node]) => (isDir(node) ? `${name}/` : name))
  return lines.join('\n')
}

/**
 * Serve a tree at `base` (no trailing slash): each directory with and without its slash,
 * each leaf without a slash.
 */
export function addTree(docs: Documents, base: string, node: TreeNode, leafType = TEXT): void {
  if (!isDir(node)) {
    docs.set(base, ok(node, leafType))
    return
  }
  const listing = ok(listingOf(node))
  docs.set(base, listing)
  docs.set(base + '/', listing)
  for (const [name, child] of node.entries) addTree(docs, `${base}/${name}`, child, leafType)
}

export function json(value: unknown): FlavorResponse {
  return ok(JSON.stringify(value), JSON_TYPE)
}
