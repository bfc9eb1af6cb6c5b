import {readFile, readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, visit, type Document, type Node as YamlNode, type Scalar} from 'yaml'
import {InventoryError} from '../errors.js'
import {assembleUserData} from './mime.js'
import {ipFamily, normalizeIp, parseCidr} from './ip.js'
import {normalizeMac} from '../util/mac.js'
import {renderTemplate, TemplateError} from './template.js'
import {nearest} from '../util/edit-distance.js'
import {nodeAtPath, positionAt} from '../util/yaml-position.js'
import {checkInventoryShape} from './inventory-schema.js'
import type {Instance, InstanceInterface, UserDataPart} from './types.js'

/**
 * Inventory: a YAML file (or a directory of *.yaml / *.yml files, read in name order) with
 * `profiles:` (device types) and `instances:` (one record per VM). Layering: an instance's
 * fields beat its profile's; `meta_data` is merged (instance keys win); `user_data` and
 * `vendor_data` are replaced; `interfaces` are merged by `name` (profile gives the NIC layout,
 * the instance its MACs and addresses). Every problem is reported with file:line:column, what is
 * wrong and what would be right; all problems at once, not just the first.
 */

export interface InventoryIssue {
  file: string
  line: number
  column: number
  message: string
  hint?: string
}

export interface LoadedInventory {
  instances: Instance[]
  files: string[]
  warnings: InventoryIssue[]
}

const DEFAULT_AVAILABILITY_ZONE = 'nova'

/**
 * Bounds on what an inventory may hold (each stated in the error or warning that enforces it):
 * - alias expansion: yaml's `maxAliasCount` (an alias bomb — nested `*a` of `*a` — is an inventory error,
 *   not an out-of-memory or an internal error);
 * - an inventory file's size;
 * - a VM's user-data / vendor-data (error), and user-data over the EC2 limit (warning: EC2 and many
 *   images refuse more than 16 KiB; OpenStack and NoCloud take it).
 */
export const INVENTORY_LIMITS = {
  maxAliasCount: 100,
  maxFileBytes: 64 * 1024 * 1024,
  maxUserDataBytes: 1024 * 1024,
  warnUserDataBytes: 16 * 1024,
} as const

const KIB = (n: number) => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`)

export function formatIssue(i: InventoryIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`
}

/** A YAML node with where it came from. */
interface Located {
  node: YamlNode | null
  file: string
  lc: LineCounter
  text: string
  doc: Document
}

class Collector {
  issues: InventoryIssue[] = []
  warnings: InventoryIssue[] = []
  at(loc: Located, offset?: number): {file: string; line: number; column: number} {
    const start = offset ?? (loc.node as {range?: [number, number, number]} | null)?.range?.[0] ?? 0
    return {file: loc.file, ...positionAt(loc.lc, start)}
  }
  error(loc: Located, message: string, hint?: string, offset?: number): void {
    this.issues.push({...this.at(loc, offset), message, ...(hint === undefined ? {} : {hint})})
  }
  warn(loc: Located, message: string, hint?: string): void {
    this.warnings.push({...this.at(loc), message, ...(hint === undefined ? {} : {hint})})
  }
}

function child(loc: Located, node: unknown): Located {
  return {...loc, node: (node ?? null) as YamlNode | null}
}

/** [key, keyLoc, valueLoc] for a YAML map. */
function entries(loc: Located): Array<[string, Located, Located]> {
  if (!isMap(loc.node)) return []
  return loc.node.items.map((pair) => {
    const k = pair.key as YamlNode | null
    const key = isScalar(k) ? String(k.value) : String(k)
    const valueLoc = child(loc, pair.value)
    // a key with no value (`user_data:`) has no node: point at the key
    return [key, child(loc, k), pair.value == null ? child(loc, k) : valueLoc]
  })
}

function js(loc: Located): unknown {
  const n = loc.node as {toJSON?: () => unknown} | null
  if (n === null) return null
  return isScalar(n)
    ? n.value
    : (n as unknown as {toJS(doc: Document, o: {maxAliasCount: number}): unknown}).toJS(loc.doc, {
        maxAliasCount: INVENTORY_LIMITS.maxAliasCount,
      })
}

/** A YAML value in a message: scalars as written, a list or a map as JSON (never [object Object]), nothing as ''. */
function shownValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** A string field's value, trimmed (a number as text); undefined when it is not one (the schema reported it). */
function str(loc: Located): string | undefined {
  const v = js(loc)
  if (typeof v === 'string' && v.trim() !== '') return v.trim()
  if (typeof v === 'number') return String(v)
  return undefined
}

/** Raw (unvalidated) fields of a profile or instance, each with its location. */
type Fields = Map<string, Located>

function fieldsOf(loc: Located): Fields {
  const m: Fields = new Map()
  for (const [k, , v] of entries(loc)) m.set(k, v)
  return m
}

interface Part {
  content: string
  type?: string
  filename?: string
  loc: Located
}

/** user_data / vendor_data as parts: a string is one part; null is none; undefined when it is neither (the schema reported it). */
function parts(loc: Located): Part[] | null | undefined {
  const v = js(loc)
  if (v === null) return null // explicitly none
  if (typeof v === 'string') return [{content: v, loc}]
  if (!isSeq(loc.node)) return undefined
  const out: Part[] = []
  for (const item of loc.node.items) {
    const il = child(loc, item)
    const iv = js(il)
    if (typeof iv === 'string') out.push({content: iv, loc: il})
    else if (isMap(item)) {
      const f = fieldsOf(il)
      const content = f.get('content')
      const cv = content ? js(content) : undefined
      if (typeof cv !== 'string') continue
      const type = f.get('type') ? js(f.get('type')!) : undefined
      const filename = f.get('filename') ? js(f.get('filename')!) : undefined
      out.push({
        content: cv,
        loc: content!,
        ...(typeof type === 'string' ? {type} : {}),
        ...(typeof filename === 'string' ? {filename} : {}),
      })
    }
  }
  return out
}

/** Offset in the source of character `index` of a scalar's value (block and flow styles). */
function scalarOffset(loc: Located, index: number): number {
  const node = loc.node as Scalar | null
  const start = node?.range?.[0] ?? 0
  if (!node) return start
  const type = node.type
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const before = String(node.value).slice(0, index)
    const lineNo = before.split('\n').length - 1
    const col = before.length - (before.lastIndexOf('\n') + 1)
    // skip the header line, then lineNo lines
    let off = loc.text.indexOf('\n', start) + 1
    for (let i = 0; i < lineNo && off > 0; i++) off = loc.text.indexOf('\n', off) + 1
    const indent = /^[ ]*/.exec(loc.text.slice(off))?.[0].length ?? 0
    return off + indent + col
  }
  const quoted = type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? 1 : 0
  return String(node.value).includes('\n') ? start : start + quoted + index
}

export interface RawDoc {
  file: string
  text: string
  /** The file was not UTF-8: where (an offset in `text`) its first invalid byte is. */
  notUtf8At?: number
  /** The file is over maxFileBytes: its size (`text` is then empty). */
  oversizeBytes?: number
}

/** A profile or an instance as written: its fields, each with its location, and where it is. */
interface Record_ {
  fields: Fields
  loc: Located
}

/** What every file contributes, before any instance is built. */
interface Collected {
  profiles: Map<string, Record_>
  instances: Record_[]
}

/** Parse and validate inventory documents (already read). Throws InventoryError listing every issue. */
export function parseInventory(docs: readonly RawDoc[]): LoadedInventory {
  const c = new Collector()
  const collected: Collected = {profiles: new Map(), instances: []}
  for (const doc of docs) {
    const root = parseYaml(c, doc)
    if (root !== undefined) collectDocument(c, root, collected)
  }
  const builder = new InstanceBuilder(c, collected.profiles)
  const out: Instance[] = []
  for (const raw of collected.instances) {
    const instance = builder.build(raw)
    if (instance !== undefined) out.push(instance)
  }
  if (collected.instances.length === 0 && c.issues.length === 0) {
    c.warnings.push({
      file: docs[0]?.file ?? '<inventory>',
      line: 1,
      column: 1,
      message: 'the inventory has no instances: every request will get 404',
    })
  }
  throwIfInvalid(c, docs)
  shareStrings(out)
  return {instances: out, files: docs.map((d) => d.file), warnings: c.warnings}
}

/** One file's YAML, its root a mapping; undefined (with the issue or warning recorded) otherwise. */
function parseYaml(c: Collector, {file, text, notUtf8At, oversizeBytes}: RawDoc): Located | undefined {
  if (oversizeBytes !== undefined) {
    c.issues.push({
      file,
      line: 1,
      column: 1,
      message: `the file is ${oversizeBytes} bytes: an inventory file may be at most ${KIB(INVENTORY_LIMITS.maxFileBytes)}`,
      hint: 'split it: --inventory takes a directory of *.yaml files',
    })
    return undefined
  }
  const lc = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lc, keepSourceTokens: true, uniqueKeys: true, prettyErrors: false})
  const root: Located = {node: doc.contents, file, lc, text, doc}
  if (notUtf8At !== undefined) {
    c.error(
      root,
      'bytes that are not UTF-8: an inventory is UTF-8 text',
      'give binary user-data as user_data_base64: (e.g. base64 -w0 user-data.gz), or convert the file with iconv -t UTF-8',
      notUtf8At,
    )
    return undefined
  }
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const p = e.linePos?.[0] ? {line: e.linePos[0].line, column: e.linePos[0].col} : positionAt(lc, e.pos[0])
      c.issues.push({file, ...p, message: `YAML: ${e.message.split('\n')[0] ?? e.message}`})
    }
    return undefined
  }
  const value = valueWithinBounds(c, root)
  if (value === undefined) return undefined
  if (root.node === null) {
    c.warnings.push({file, line: 1, column: 1, message: 'empty inventory file'})
    return undefined
  }
  if (!isMap(root.node)) {
    c.error(root, 'an inventory file must be a mapping with `profiles:` and/or `instances:`')
    return undefined
  }
  checkShape(c, root, value.value)
  return root
}

/** The file's shape and plain types (inventory-schema.ts), each issue at its key or value. */
function checkShape(c: Collector, root: Located, value: unknown): void {
  for (const issue of checkInventoryShape(value)) {
    const node = nodeAtPath(root.doc, issue.path, {key: issue.key, emptyIsKey: false})
    c.error(child(root, node), issue.message, issue.hint)
  }
}

/** The file's value; an alias bomb (aliases expanding to more than maxAliasCount nodes) is an issue at its first alias, not a crash. */
function valueWithinBounds(c: Collector, root: Located): {value: unknown} | undefined {
  try {
    return {value: root.doc.toJS({maxAliasCount: INVENTORY_LIMITS.maxAliasCount}) as unknown}
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err // yaml's "excessive alias count"
    let first: YamlNode | undefined
    visit(root.doc, {
      Alias(_key, node) {
        first = node
        return visit.BREAK
      },
    })
    c.error(
      child(root, first),
      `YAML: aliases expand to too many nodes (an alias bomb?): at most ${INVENTORY_LIMITS.maxAliasCount} alias expansions per file`,
      'use fewer nested aliases, or a profile (profiles: + profile:) for what VMs share',
    )
    return undefined
  }
}

/** The top-level keys of one file: its profiles and instances join the ones already collected. */
function collectDocument(c: Collector, root: Located, into: Collected): void {
  for (const [key, , value] of entries(root)) {
    if (key === 'profiles') collectProfiles(c, value, into.profiles)
    else if (key === 'instances') collectInstances(value, into.instances)
  }
}

function collectProfiles(c: Collector, value: Located, profiles: Map<string, Record_>): void {
  if (value.node !== null && !isMap(value.node)) return
  for (const [name, nameLoc, body] of entries(value)) {
    const first = profiles.get(name)
    if (first) {
      const prev = c.at(first.loc)
      c.error(nameLoc, `profile \`${name}\` is defined twice`, `first at ${prev.file}:${prev.line}:${prev.column}`)
      continue
    }
    if (body.node !== null && !isMap(body.node)) continue
    profiles.set(name, {fields: fieldsOf(body), loc: nameLoc})
  }
}

function collectInstances(value: Located, instances: Record_[]): void {
  if (!isSeq(value.node)) return
  for (const item of value.node.items) {
    if (isMap(item)) instances.push({fields: fieldsOf(child(value, item)), loc: child(value, item)})
  }
}

/** Every issue at once, in file order then by position; the first 20 in the message, all in details. */
function throwIfInvalid(c: Collector, docs: readonly RawDoc[]): void {
  if (c.issues.length === 0) return
  const order = new Map(docs.map((d, i) => [d.file, i]))
  c.issues.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column)
  const shown = c.issues.slice(0, 20).map(formatIssue)
  const more = c.issues.length > 20 ? [`… and ${c.issues.length - 20} more`] : []
  throw new InventoryError(
    `invalid inventory (${c.issues.length} problem${c.issues.length === 1 ? '' : 's'}):\n${[...shown, ...more].join('\n')}`,
    {
      suggestions: ['fix the lines above, then check with: netops metadata validate --inventory <file>'],
      details: {issues: c.issues},
    },
  )
}

/** One instance being built: its own fields, its profile's, and what the steps found so far. */
interface Draft {
  fields: Fields
  loc: Located
  id: string
  idLoc: Located
  profile: Record_ | undefined
  profileName: string | undefined
  /** instance value beats profile value */
  pick: (k: string) => Located | undefined
}

/**
 * Builds instances one by one, in inventory order: the steps below, each recording its issues.
 * Holds what must be unique across instances (ids, ips, MACs) and the template errors already
 * reported (a profile's template error is reported once, not once per instance).
 */
class InstanceBuilder {
  private readonly seenIds = new Map<string, Located>()
  private readonly seenIps = new Map<string, Located>()
  private readonly seenMacs = new Map<string, {loc: Located; id: string}>()
  private readonly templateErrorsSeen = new Set<string>()

  constructor(
    private readonly c: Collector,
    private readonly profiles: Map<string, Record_>,
  ) {}

  build({fields, loc}: Record_): Instance | undefined {
    const idLoc = fields.get('id')
    if (!idLoc) {
      this.c.error(loc, 'instance has no `id:`', 'every VM needs a unique id, e.g. id: waf-01')
      return undefined
    }
    const id = this.id(idLoc)
    if (id === undefined) return undefined
    const {profile, profileName} = this.profileOf(fields)
    const d: Draft = {fields, loc, id, idLoc, profile, profileName, pick: (k) => fields.get(k) ?? profile?.fields.get(k)}
    const ip = this.ip(d)
    const hostname = this.hostname(d)
    const uuid = fields.get('uuid') ? str(fields.get('uuid')!) : id
    const azLoc = d.pick('availability_zone')
    const az = azLoc ? str(azLoc) : DEFAULT_AVAILABILITY_ZONE
    const password = this.password(d)
    const keys = this.publicKeys(d)
    const meta = this.meta(d)
    const interfaces = this.interfaces(d)
    const mac = this.primaryMac(d, interfaces)
    const vars: Record<string, unknown> = {
      ...meta,
      meta,
      hostname,
      id,
      uuid,
      ip,
      mac: mac ?? '',
      profile: profileName ?? '',
      availability_zone: az,
    }
    const {userData, binary} = this.userData(d, vars)
    const vendorData = this.bounded(d, 'vendor_data', this.render(d, 'vendor_data', vars))
    const where = this.c.at(loc)
    return {
      id,
      uuid: uuid ?? id,
      hostname: hostname ?? id,
      ip,
      ...(mac === undefined ? {} : {mac}),
      ...(profileName === undefined ? {} : {profile: profileName}),
      availabilityZone: az ?? DEFAULT_AVAILABILITY_ZONE,
      publicKeys: keys,
      ...(userData === undefined ? {} : {userData}),
      ...(binary ? {userDataBinary: true as const} : {}),
      ...(vendorData === undefined ? {} : {vendorData}),
      meta,
      interfaces,
      ...(password === undefined ? {} : {password}),
      source: `${where.file}:${where.line}:${where.column}`,
    }
  }

  /** The id: a string an instance-id can carry, unique. Undefined when it is not a string at all. */
  private id(idLoc: Located): string | undefined {
    const id = str(idLoc)
    if (id === undefined) return undefined
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id)) {
      this.c.error(
        idLoc,
        `id \`${id}\` has characters an instance-id cannot carry`,
        'letters, digits and . _ : - (no spaces or slashes), e.g. waf-01',
      )
    }
    const first = this.seenIds.get(id)
    if (first) {
      const p = this.c.at(first)
      this.c.error(idLoc, `duplicate id \`${id}\``, `first used at ${p.file}:${p.line}:${p.column}; ids must be unique`)
    } else this.seenIds.set(id, idLoc)
    return id
  }

  private profileOf(fields: Fields): {profile: Record_ | undefined; profileName: string | undefined} {
    const pLoc = fields.get('profile')
    if (!pLoc) return {profile: undefined, profileName: undefined}
    const profileName = str(pLoc)
    if (profileName === undefined) return {profile: undefined, profileName}
    const profile = this.profiles.get(profileName)
    if (!profile) {
      const guess = nearest(profileName, [...this.profiles.keys()])
      this.c.error(
        pLoc,
        `unknown profile \`${profileName}\``,
        guess ? `did you mean \`${guess}\`?` : `defined profiles: ${[...this.profiles.keys()].join(', ') || 'none'}`,
      )
    }
    return {profile, profileName}
  }

  /** The address the VM asks from (its identity): a bare address, unique. '' when missing or wrong. */
  private ip({fields, id, idLoc}: Draft): string {
    const ipLoc = fields.get('ip')
    if (!ipLoc) {
      this.c.error(idLoc, `instance \`${id}\` has no \`ip:\``, 'the address the VM asks from is its identity, e.g. ip: 10.0.0.2')
      return ''
    }
    const raw = str(ipLoc)
    if (raw === undefined) return ''
    if (ipFamily(normalizeIp(raw)) === 0 || raw.includes('/')) {
      this.c.error(
        ipLoc,
        `ip \`${raw}\` is not an IPv4 or IPv6 address`,
        raw.includes('/') ? `write the bare address: ip: ${raw.split('/')[0]}` : 'e.g. 10.0.0.2 or fd00::2',
      )
      return ''
    }
    const ip = normalizeIp(raw)
    const first = this.seenIps.get(ip)
    if (first) {
      const p = this.c.at(first)
      this.c.error(
        ipLoc,
        `ip ${ip} is already used by another instance`,
        `first at ${p.file}:${p.line}:${p.column}; two VMs on one address would get each other's data`,
      )
    } else this.seenIps.set(ip, ipLoc)
    return ip
  }

  private hostname({fields, id, idLoc}: Draft): string | undefined {
    const hostname = fields.get('hostname') ? str(fields.get('hostname')!) : id
    if (
      hostname !== undefined &&
      !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(hostname)
    ) {
      this.c.error(
        fields.get('hostname') ?? idLoc,
        `hostname \`${hostname}\` is not a valid host name`,
        'letters, digits and -, labels of 1-63 characters, e.g. waf-01',
      )
    }
    return hostname
  }

  private password({pick}: Draft): string | undefined {
    const pwLoc = pick('password')
    if (!pwLoc) return undefined
    const v = js(pwLoc)
    return typeof v === 'string' && v !== '' ? v : undefined
  }

  /** A key, a list of keys or a map name → key; a key's name is its map key, else its comment. */
  private publicKeys({pick}: Draft): Array<{name: string; key: string}> {
    const keys: Array<{name: string; key: string}> = []
    const kLoc = pick('public_keys')
    if (!kLoc || js(kLoc) === null) return keys
    const v = js(kLoc)
    const add = (name: string | undefined, key: unknown, at: Located, i: number) => {
      if (typeof key !== 'string' || !/^(ssh-|ecdsa-|sk-)[\w@.-]+ [A-Za-z0-9+/=]+/.test(key.trim())) {
        this.c.error(at, 'a public key must be an OpenSSH public key line', 'e.g. "ssh-ed25519 AAAAC3Nz… ops@bastion"')
        return
      }
      const comment = key.trim().split(/\s+/)[2]
      keys.push({name: name ?? comment ?? `key-${i}`, key: key.trim()})
    }
    if (typeof v === 'string') add(undefined, v, kLoc, 0)
    else if (isSeq(kLoc.node)) kLoc.node.items.forEach((it, i) => add(undefined, js(child(kLoc, it)), child(kLoc, it), i))
    else if (isMap(kLoc.node)) entries(kLoc).forEach(([name, , vl], i) => add(name, js(vl), vl, i))
    else this.c.error(kLoc, 'public_keys must be a key, a list of keys, or a map name → key')
    return keys
  }

  /** meta_data: the profile's, then the instance's keys over it. */
  private meta({fields, profile}: Draft): Record<string, unknown> {
    const meta: Record<string, unknown> = {}
    for (const mLoc of [profile?.fields.get('meta_data'), fields.get('meta_data')]) {
      if (!mLoc || !isMap(mLoc.node)) continue
      Object.assign(meta, js(mLoc) as Record<string, unknown>)
    }
    return meta
  }

  /** interfaces: merged by name, each validated; MACs unique across instances, device names within one. */
  private interfaces({fields, loc, id, idLoc, profile, profileName}: Draft): InstanceInterface[] {
    const pIfaces = profile?.fields.get('interfaces')
    const nics = mergeInterfaces(this.c, pIfaces, fields.get('interfaces'))
    const interfaces: InstanceInterface[] = []
    nics.forEach(({f, loc: nl}, index) => {
      const inherited = pIfaces !== undefined && isFromLoc({loc: nl}, pIfaces)
      const nic = validateInterface(this.c, f, nl, index, {
        id,
        ...(inherited ? {at: fields.get('interfaces') ?? idLoc, profile: profileName ?? ''} : {}),
      })
      if (!nic) return
      const macAt = f.get('mac') ?? nl
      const prev = this.seenMacs.get(nic.mac)
      if (prev && prev.id !== id) {
        const p = this.c.at(prev.loc)
        this.c.error(
          macAt,
          `mac ${nic.mac} is already used by instance \`${prev.id}\``,
          `first at ${p.file}:${p.line}:${p.column}; MACs must be unique`,
        )
      } else if (prev) this.c.error(macAt, `mac ${nic.mac} is used twice in instance \`${id}\``)
      else this.seenMacs.set(nic.mac, {loc: macAt, id})
      interfaces.push(nic)
    })
    const devices = new Set<string>()
    for (const n of interfaces) {
      if (devices.has(n.device))
        this.c.error(loc, `two interfaces of \`${id}\` use device name ${n.device}`, 'give each a distinct `device:`')
      devices.add(n.device)
    }
    return interfaces
  }

  /** `mac:` (one of the interfaces' MACs), else the first interface's. */
  private primaryMac({fields, id}: Draft, interfaces: InstanceInterface[]): string | undefined {
    const macLoc = fields.get('mac')
    if (!macLoc) return interfaces[0]?.mac
    const raw = shownValue(js(macLoc))
    const m = normalizeMac(raw)
    if (!m) {
      this.c.error(macLoc, `mac \`${raw}\` is not a MAC address`, 'e.g. 52:54:00:00:00:01')
      return interfaces[0]?.mac
    }
    if (interfaces.length > 0 && !interfaces.some((n) => n.mac === m)) {
      this.c.error(
        macLoc,
        `mac ${m} is not the MAC of any of \`${id}\`'s interfaces`,
        `the primary MAC must be one of: ${interfaces.map((n) => n.mac).join(', ')}`,
      )
    }
    return m
  }

  /**
   * user_data (a template) or user_data_base64 (bytes, served exactly): the instance's beats its profile's;
   * both on one record is an error. Bounded: over maxUserDataBytes an error, over warnUserDataBytes a warning.
   */
  private userData(d: Draft, vars: Record<string, unknown>): {userData?: string; binary?: true} {
    const source = (f: Fields | undefined): {text?: Located; base64?: Located} | undefined => {
      const text = f?.get('user_data')
      const base64 = f?.get('user_data_base64')
      if (text && base64)
        this.once(
          base64,
          'give either user_data or user_data_base64, not both',
          'user_data_base64 is for bytes that are not UTF-8 text (a gzip, …)',
        )
      return text || base64 ? {...(text ? {text} : {}), ...(base64 ? {base64} : {})} : undefined
    }
    const own = source(d.fields)
    const chosen = own ?? source(d.profile?.fields)
    if (chosen?.base64 && !chosen.text) return this.base64UserData(d, chosen.base64)
    const text = this.bounded(d, 'user_data', chosen?.text ? this.render(d, 'user_data', vars, chosen.text) : undefined)
    return text === undefined ? {} : {userData: text}
  }

  /** user_data_base64: base64 of the exact bytes; text when they are UTF-8, else kept as bytes (binary). */
  private base64UserData(d: Draft, l: Located): {userData?: string; binary?: true} {
    const v = js(l)
    const clean = typeof v === 'string' ? v.replace(/\s+/g, '') : undefined
    if (clean === undefined || clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
      this.once(
        l,
        'user_data_base64 must be base64 (RFC 4648, whitespace and line breaks allowed)',
        'e.g. user_data_base64: H4sIAAAAAAAAA…  (base64 -w0 user-data.gz)',
      )
      return {}
    }
    const bytes = Buffer.from(clean, 'base64')
    this.checkSize(d, 'user_data_base64', l, bytes.length)
    try {
      return {userData: new TextDecoder('utf-8', {fatal: true}).decode(bytes)}
    } catch {
      return {userData: bytes.toString('latin1'), binary: true}
    }
  }

  /** A rendered user_data / vendor_data checked against the size bounds (at the field's location). */
  private bounded(d: Draft, what: 'user_data' | 'vendor_data', value: string | undefined): string | undefined {
    const l = d.pick(what)
    if (value !== undefined && l) this.checkSize(d, what, l, Buffer.byteLength(value))
    return value
  }

  private checkSize(d: Draft, what: string, l: Located, bytes: number): void {
    const {maxUserDataBytes: max, warnUserDataBytes: warn} = INVENTORY_LIMITS
    if (bytes > max)
      this.once(
        l,
        `${what} of \`${d.id}\` is ${bytes} bytes: at most ${KIB(max)} is served`,
        'fetch a larger payload from the user-data (#include URL, a script that downloads it)',
      )
    else if (bytes > warn && what !== 'vendor_data') {
      const key = `warn|${JSON.stringify(this.c.at(l))}`
      if (this.templateErrorsSeen.has(key)) return
      this.templateErrorsSeen.add(key)
      this.c.warn(
        l,
        `${what} of \`${d.id}\` is ${bytes} bytes: over ${KIB(warn)}, the EC2 limit (EC2 images may refuse it; OpenStack and NoCloud take it)`,
      )
    }
  }

  /** An error reported once per location (a profile's field is checked for each of its instances). */
  private once(l: Located, message: string, hint?: string): void {
    const key = `err|${JSON.stringify(this.c.at(l))}|${message}`
    if (this.templateErrorsSeen.has(key)) return
    this.templateErrorsSeen.add(key)
    this.c.error(l, message, hint)
  }

  /** user_data / vendor_data: each part rendered as a template with the instance's values, then assembled. */
  private render(
    {fields, id, profileName, pick}: Draft,
    what: 'user_data' | 'vendor_data',
    vars: Record<string, unknown>,
    l = pick(what),
  ): string | undefined {
    if (!l) return undefined
    const ps = parts(l)
    if (!ps) return undefined
    const rendered: UserDataPart[] = []
    for (const p of ps) {
      try {
        rendered.push({
          content: renderTemplate(p.content, vars),
          ...(p.type === undefined ? {} : {type: p.type}),
          ...(p.filename === undefined ? {} : {filename: p.filename}),
        })
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err
        const offset = scalarOffset(p.loc, err.offset)
        const key = `${p.loc.file}:${offset}:${err.message}`
        if (this.templateErrorsSeen.has(key)) continue
        this.templateErrorsSeen.add(key)
        const from = fields.get(what) ? `instance \`${id}\`` : `profile \`${profileName}\` (rendering instance \`${id}\`)`
        this.c.error(p.loc, `${what} of ${from}: ${err.message}`, err.hint, offset)
      }
    }
    return assembleUserData(rendered)
  }
}

/**
 * Let instances share equal strings (profile, zone, keys, a profile's user-data, NIC names…): every
 * record parsed or received over IPC carries its own copy, 10,000 copies of the same key for one
 * profile. Only strings are replaced (by an equal one), so no record is tied to another. In place;
 * `seen` carries the strings kept across calls (records received in batches).
 */
export function shareStrings(instances: readonly Instance[], seen = new Map<string, string>()): void {
  const one = (s: string): string => {
    const kept = seen.get(s)
    if (kept !== undefined) return kept
    seen.set(s, s)
    return s
  }
  const deep = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return one(v)
    if (v === null || typeof v !== 'object' || depth > 8) return v
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = deep(v[i], depth + 1)
    else for (const [k, x] of Object.entries(v)) (v as Record<string, unknown>)[k] = deep(x, depth + 1)
    return v
  }
  for (const i of instances) {
    // per-VM values (id, ip, mac, source) are not looked up: each is unique, only shared within the record
    if (i.uuid === i.id) i.uuid = i.id
    if (i.hostname === i.id) i.hostname = i.id
    if (i.profile !== undefined) i.profile = one(i.profile)
    i.availabilityZone = one(i.availabilityZone)
    for (const k of i.publicKeys) {
      k.name = one(k.name)
      k.key = one(k.key)
    }
    if (i.userData !== undefined) i.userData = one(i.userData)
    if (i.vendorData !== undefined) i.vendorData = one(i.vendorData)
    deep(i.meta, 0)
    for (const n of i.interfaces) {
      if (n.mac === i.mac) n.mac = i.mac!
      n.name = one(n.name)
      n.device = one(n.device)
      n.mode = one(n.mode) as InstanceInterface['mode']
      for (let a = 0; a < n.addresses.length; a++) n.addresses[a] = one(n.addresses[a]!)
      for (let d = 0; d < n.dns.length; d++) n.dns[d] = one(n.dns[d]!)
      if (n.gateway !== undefined) n.gateway = one(n.gateway)
      if (n.gateway6 !== undefined) n.gateway6 = one(n.gateway6)
      for (const r of n.routes) {
        r.to = one(r.to)
        r.via = one(r.via)
      }
    }
  }
}

function mergeInterfaces(
  c: Collector,
  profileLoc: Located | undefined,
  instanceLoc: Located | undefined,
): Array<{f: Fields; loc: Located}> {
  const order: string[] = []
  const byName = new Map<string, {f: Fields; loc: Located}>()
  for (const l of [profileLoc, instanceLoc]) {
    if (!l || js(l) === null) continue
    if (!isSeq(l.node)) continue
    for (const item of l.node.items) {
      const il = child(l, item)
      if (!isMap(item)) continue
      const f = fieldsOf(il)
      const nameV = f.get('name') ? js(f.get('name')!) : undefined
      if (typeof nameV !== 'string' || nameV === '') continue
      const prev = byName.get(nameV)
      if (prev && l === instanceLoc && prev.loc.file !== '' && profileLoc && isFromLoc(prev, profileLoc)) {
        byName.set(nameV, {f: new Map([...prev.f, ...f]), loc: il})
      } else if (prev) {
        c.error(il, `interface \`${nameV}\` is listed twice`, 'names must be unique within a list')
      } else {
        order.push(nameV)
        byName.set(nameV, {f, loc: il})
      }
    }
  }
  return order.map((n) => byName.get(n)!)
}

function isFromLoc(entry: {loc: Located}, parent: Located): boolean {
  const r = (parent.node as {range?: [number, number, number]} | null)?.range
  const e = (entry.loc.node as {range?: [number, number, number]} | null)?.range
  return r !== undefined && e !== undefined && entry.loc.file === parent.file && e[0] >= r[0] && e[0] <= r[2]
}

/** One interface's fields, its location and name: what each validation step below reads. */
interface IfaceFields {
  c: Collector
  f: Fields
  loc: Located
  name: string
}

function validateInterface(
  c: Collector,
  f: Fields,
  loc: Located,
  index: number,
  owner: {id: string; at?: Located; profile?: string},
): InstanceInterface | undefined {
  const i: IfaceFields = {c, f, loc, name: String(js(f.get('name')!))}
  const mac = ifaceMac(i, owner)
  const addresses = ifaceAddresses(i)
  const gateway = ifaceAddress(i, 'gateway', 4)
  const gateway6 = ifaceAddress(i, 'gateway6', 6)
  const dns = ifaceDns(i)
  const dhcp4 = ifaceBool(i, 'dhcp4') ?? ifaceBool(i, 'dhcp') ?? false
  const dhcp6 = ifaceBool(i, 'dhcp6') ?? false
  const mode = ifaceMode(i)
  if (mode === 'inline' && (addresses.length > 0 || dhcp4 || dhcp6)) {
    c.error(
      f.get('mode') ?? loc,
      `interface \`${i.name}\` is inline but has an address`,
      'an inline port carries no address: drop address/dhcp or the mode',
    )
  }
  if (gateway !== undefined && !addresses.some((a) => !a.includes(':')) && !dhcp4) {
    c.error(f.get('gateway')!, `interface \`${i.name}\` has a gateway but no IPv4 address`, 'add address: x.x.x.x/nn or remove the gateway')
  }
  const mtu = ifaceMtu(i)
  const routes = ifaceRoutes(i)
  const device = ifaceDevice(i, index)
  if (!mac) return undefined
  return {
    name: i.name,
    device,
    mac,
    addresses,
    ...(gateway === undefined ? {} : {gateway}),
    ...(gateway6 === undefined ? {} : {gateway6}),
    dns,
    dhcp4,
    dhcp6,
    mode,
    ...(mtu === undefined ? {} : {mtu}),
    routes,
  }
}

/** Every NIC needs its MAC (network config matches NICs by MAC); one inherited from a profile is the instance's to give. */
function ifaceMac({c, f, loc, name}: IfaceFields, owner: {id: string; at?: Located; profile?: string}): string | undefined {
  const macLoc = f.get('mac')
  if (!macLoc) {
    const from = owner.profile !== undefined ? ` (from profile \`${owner.profile}\`)` : ''
    c.error(
      owner.at ?? loc,
      `interface \`${name}\`${from} of instance \`${owner.id}\` has no \`mac:\``,
      `network config matches NICs by MAC; add - {name: ${name}, mac: "52:54:00:xx:xx:xx"} to the instance's interfaces`,
    )
    return undefined
  }
  const raw = js(macLoc)
  const mac = typeof raw === 'string' ? normalizeMac(raw) : undefined
  if (!mac) {
    c.error(
      macLoc,
      `mac \`${String(raw)}\` of interface \`${name}\` is not a MAC address`,
      typeof raw === 'number'
        ? 'quote it: YAML read it as a number (sexagesimal); mac: "52:54:00:00:01:01"'
        : 'six hex pairs, e.g. "52:54:00:00:01:01"',
    )
  }
  return mac
}

/** `address:` and `addresses:`, each in CIDR form, normalised. */
function ifaceAddresses({c, f, name}: IfaceFields): string[] {
  const addresses: string[] = []
  for (const key of ['address', 'addresses']) {
    const l = f.get(key)
    if (!l) continue
    const v = js(l)
    const list = Array.isArray(v) ? v : [v]
    list.forEach((a, i) => {
      const at = isSeq(l.node) ? child(l, l.node.items[i]) : l
      const text = typeof a === 'string' ? a : String(a)
      const p = parseCidr(text)
      if (!p) {
        const bare = ipFamily(text) !== 0
        c.error(
          at,
          `address \`${text}\` of interface \`${name}\` is not in CIDR form`,
          bare ? `add the prefix length, e.g. ${text}/${text.includes(':') ? 64 : 24}` : 'e.g. 10.1.0.5/24 or fd00:1::5/64',
        )
      } else addresses.push(`${p.address}/${p.prefix}`)
    })
  }
  return addresses
}

/** `gateway` (IPv4) or `gateway6` (IPv6): one address of that family. */
function ifaceAddress({c, f, name}: IfaceFields, key: string, family: 4 | 6): string | undefined {
  const l = f.get(key)
  if (!l) return undefined
  const v = String(js(l))
  const fam = ipFamily(normalizeIp(v))
  if (fam !== family) {
    c.error(
      l,
      `${key} \`${v}\` of interface \`${name}\` is not an IPv${family} address`,
      family === 4 ? 'e.g. gateway: 10.1.0.1 (use gateway6 for IPv6)' : 'e.g. gateway6: fd00:1::1',
    )
    return undefined
  }
  return normalizeIp(v)
}

function ifaceDns({c, f}: IfaceFields): string[] {
  const dns: string[] = []
  const dnsLoc = f.get('dns')
  if (!dnsLoc) return dns
  const v = js(dnsLoc)
  for (const d of Array.isArray(v) ? v : [v]) {
    if (typeof d !== 'string' || ipFamily(normalizeIp(d)) === 0)
      c.error(dnsLoc, `dns entry \`${String(d)}\` is not an IP address`, 'e.g. dns: [10.0.0.1, 1.1.1.1]')
    else dns.push(normalizeIp(d))
  }
  return dns
}

function ifaceBool({f}: IfaceFields, key: string): boolean | undefined {
  const l = f.get(key)
  const v = l ? js(l) : undefined
  return typeof v === 'boolean' ? v : undefined
}

function ifaceMode({f}: IfaceFields): 'routed' | 'inline' {
  const modeLoc = f.get('mode')
  const v = modeLoc ? js(modeLoc) : undefined
  return v === 'inline' ? 'inline' : 'routed'
}

function ifaceMtu({f}: IfaceFields): number | undefined {
  const mtuLoc = f.get('mtu')
  const v = mtuLoc ? js(mtuLoc) : undefined
  return typeof v === 'number' && Number.isInteger(v) && v >= 68 && v <= 65535 ? v : undefined
}

/** `routes:` a list of {to: CIDR, via: address of the same family}. */
function ifaceRoutes({c, f}: IfaceFields): Array<{to: string; via: string}> {
  const routes: Array<{to: string; via: string}> = []
  const rLoc = f.get('routes')
  if (rLoc && isSeq(rLoc.node)) {
    for (const item of rLoc.node.items) {
      const il = child(rLoc, item)
      const v = js(il) as {to?: unknown; via?: unknown} | null
      const to = typeof v?.to === 'string' ? parseCidr(v.to) : undefined
      const via = typeof v?.via === 'string' ? normalizeIp(v.via) : ''
      if (!to || ipFamily(via) !== to.family) {
        c.error(il, 'a route needs `to:` (CIDR) and `via:` (an address of the same family)', 'e.g. - {to: 10.2.0.0/16, via: 10.1.0.1}')
      } else routes.push({to: `${to.address}/${to.prefix}`, via})
    }
  }
  return routes
}

/** `device:` a Linux interface name; eth<index> when not given. */
function ifaceDevice({c, f}: IfaceFields, index: number): string {
  const devLoc = f.get('device')
  const device = devLoc ? String(js(devLoc)) : `eth${index}`
  if (devLoc && !/^[A-Za-z0-9_.-]{1,15}$/.test(device))
    c.error(devLoc, `device \`${device}\` is not a Linux interface name`, '1-15 characters, e.g. eth1 or ens4')
  return device
}

/** Read a YAML file, or every *.yaml / *.yml of a directory (name order). */
export async function readInventorySource(path: string): Promise<RawDoc[]> {
  let st
  try {
    st = await stat(path)
  } catch (err) {
    throw new InventoryError(`cannot read inventory ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      suggestions: ['check the --inventory path', 'run `netops metadata serve` without --inventory to try the built-in example'],
      cause: err,
    })
  }
  const files = st.isDirectory()
    ? (await readdir(path))
        .filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.'))
        .sort()
        .map((n) => join(path, n))
    : [path]
  if (files.length === 0)
    throw new InventoryError(`no *.yaml or *.yml files in ${path}`, {
      suggestions: ['put one file per device type or per rack in that directory'],
    })
  return Promise.all(files.map(async (file) => rawDoc(file, await readFile(file))))
}

/** A file's bytes as a RawDoc: its text, and where it stops being UTF-8 or that it is too large. */
export function rawDoc(file: string, bytes: Buffer): RawDoc {
  if (bytes.length > INVENTORY_LIMITS.maxFileBytes) return {file, text: '', oversizeBytes: bytes.length}
  const text = bytes.toString('utf8')
  const at = firstInvalidUtf8(text, bytes)
  return at === undefined ? {file, text} : {file, text, notUtf8At: at}
}

/** The offset in `text` (bytes decoded, bad sequences as U+FFFD) of the first byte that was not UTF-8. */
function firstInvalidUtf8(text: string, bytes: Buffer): number | undefined {
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    // before the first bad byte, text and bytes agree: a U+FFFD written as such is EF BF BD there
    const at = Buffer.byteLength(text.slice(0, i))
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return i
  }
  return undefined
}

/** An inventory given as an object (tests, the client harness): validated the same way. */
export function inventoryFromObject(value: unknown, name = '<inline inventory>'): LoadedInventory {
  return parseInventory([{file: name, text: stringify(value)}])
}

export async function loadInventory(source: string | Record<string, unknown>): Promise<LoadedInventory> {
  if (typeof source !== 'string') return inventoryFromObject(source)
  return parseInventory(await readInventorySource(source))
}
