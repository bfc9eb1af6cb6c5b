/**
 * The switch inventory (`--inventory switches.yaml`, `netops switch inventory validate`): a zod schema
 * over the parsed YAML, every error mapped back to FILE:LINE:COLUMN and its key path, all errors of a
 * file at once.
 *
 *   defaults: {username: admin, port: 19}          # every switch
 *   groups:
 *     nexus: {platform: NX-OS, port: Eth1/19}      # the switches that name it
 *   switches:
 *     - host: 10.0.0.2
 *     - {host: tor-7, groups: [nexus], ssh_port: 2222}
 *     - 10.0.0.3                                   # a bare name or address
 *
 * Precedence (as Nornir): the switch's own value > its groups' (in the order listed: the first group
 * that sets a field wins) > defaults. Platforms are written as operators do (`IOS-XE`, `nx-os`, ...)
 * and normalised to PLATFORM_NAMES.
 */
import {readFileSync} from 'node:fs'
import {LineCounter, parseDocument, type Document} from 'yaml'
import * as z from 'zod'
import {InputError} from '../errors.js'
import {normalizePlatform, PLATFORM_SPELLINGS, type PlatformName} from '../platforms/types.js'
import {nearest} from '../util/edit-distance.js'
import {nodeAtPath, nodePosition, positionAt} from '../util/yaml-position.js'

/** One problem of an inventory file. `path` is the key path (`switches[2].ssh_port`), '' for the file itself. */
export interface InventoryProblem {
  file: string
  line: number
  column: number
  path: string
  message: string
  suggestion?: string
}

/** Where a resolved value came from. */
type ValueOrigin = 'host' | 'defaults' | `group ${string}`

/** One switch with defaults and groups applied. */
export interface InventorySwitch {
  host: string
  port?: string
  sshPort?: number
  username?: string
  platform?: 'auto' | PlatformName
  groups: string[]
  /** Where the entry is: `file:line:column`. */
  source: string
  line: number
  column: number
  /** For each value set: the switch itself, a group, or defaults. */
  from: Partial<Record<'port' | 'sshPort' | 'username' | 'platform', ValueOrigin>>
}

export interface SwitchInventory {
  file: string
  valid: boolean
  switches: InventorySwitch[]
  groups: string[]
  errors: InventoryProblem[]
}

/** A value in a message: strings quoted, lists and mappings named, nothing as `nothing`. */
function got(v: unknown): string {
  if (v === undefined || v === null) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return JSON.stringify(v)
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v
}

/** Suggestion params ride on custom issues; every other issue gets its field's example (EXAMPLES). */
const issue = (message: string, suggestion?: string) => ({message, ...(suggestion === undefined ? {} : {params: {suggestion}})})

const EXAMPLES: Record<string, string> = {
  host: 'e.g. host: 10.0.0.2, or an ~/.ssh/config alias: host: tor-7',
  port: 'one switch port per entry, e.g. port: 19 or port: Gi1/0/19',
  ssh_port: 'e.g. ssh_port: 22',
  username: 'e.g. username: admin',
  platform: 'one of: ios, iosxe (ios-xe), nxos (nx-os), auto; any case, Netmiko names (cisco_xe, cisco_nxos) too',
  groups: 'e.g. groups: [nexus, dc1]',
  switches: 'write `switches:` then one `- host: NAME` line per switch',
  defaults: 'e.g. defaults: {username: admin, port: 19}',
}

const sshPort = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
    .int({error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
    .min(1, {error: (i) => `expected a port number (1-65535), got ${got(i.input)}`})
    .max(65535, {error: (i) => `expected a port number (1-65535), got ${got(i.input)}`}),
)

const switchPort = z
  .custom<string | number>((v) => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isInteger(v) && v >= 0), {
    error: (i) => `expected one switch port name or number, got ${got(i.input)}`,
  })
  .transform((v) => String(v).trim())

const nonEmptyString = (what: string) =>
  z.string({error: (i) => `expected ${what}, got ${got(i.input)}`}).refine((s) => s.trim() !== '', {error: `expected ${what}, got ""`})

const platform = z.string({error: (i) => `expected a platform name, got ${got(i.input)}`}).transform((s, ctx) => {
  const p = normalizePlatform(s)
  if (p !== undefined) return p
  const guess = nearest(s.toLowerCase(), [...PLATFORM_SPELLINGS.keys()])
  ctx.addIssue({code: 'custom', ...issue(`unknown platform ${got(s)}`, guess ? `did you mean \`${guess}\`?` : EXAMPLES.platform)})
  return z.NEVER
})

/** A host name or address exactly as written: surrounding or inner whitespace is an error, never trimmed away. */
const host = z
  .string({
    error: (i) => (i.input === undefined ? 'required: the switch name or address' : `expected a name or address, got ${got(i.input)}`),
  })
  .superRefine((s, ctx) => {
    if (s.trim() === '') ctx.addIssue({code: 'custom', ...issue('expected a name or address, got ""', EXAMPLES.host)})
    else if (s !== s.trim()) {
      const where = /^\s/.test(s) ? (/\s$/.test(s) ? 'leading and trailing' : 'a leading') : 'a trailing'
      ctx.addIssue({code: 'custom', ...issue(`${got(s)} has ${where} space`, `remove the space: host: ${s.trim()}`)})
    } else if (/\s/.test(s)) ctx.addIssue({code: 'custom', ...issue(`${got(s)} contains a space`, EXAMPLES.host)})
  })

/** The fields a switch, a group and defaults may set. */
const fieldShape = {
  port: switchPort.optional(),
  ssh_port: sshPort.optional(),
  username: nonEmptyString('a user name').optional(),
  platform: platform.optional(),
}

const fields = z.strictObject(fieldShape)

const switchEntry = z.preprocess(
  (v) => (typeof v === 'string' ? {host: v} : v),
  z.strictObject(
    {
      host,
      ...fieldShape,
      groups: z.array(nonEmptyString('a group name'), {error: (i) => `expected a list of group names, got ${got(i.input)}`}).optional(),
    },
    {error: (i) => `expected a switch (\`- host: NAME\` or a mapping), got ${got(i.input)}`},
  ),
)

/** An empty `defaults:` / `groups:` / group (YAML null) is no value. */
const orEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional())

const inventorySchema = z.strictObject(
  {
    switches: z.array(switchEntry, {
      error: (i) => (i.input === undefined ? 'required: the list of switches' : `\`switches:\` must be a list, got ${got(i.input)}`),
    }),
    defaults: orEmpty(fields),
    groups: orEmpty(
      z.record(z.string(), orEmpty(fields), {error: (i) => `\`groups:\` must map a group name to its fields, got ${got(i.input)}`}),
    ),
  },
  {error: (i) => `an inventory is a mapping with \`switches:\` (and \`defaults:\`, \`groups:\`), got ${got(i.input)}`},
)

type Parsed = z.infer<typeof inventorySchema>
type Fields = z.infer<typeof fields>

const KEYS_OF: Record<string, readonly string[]> = {
  root: Object.keys(inventorySchema.shape),
  fields: Object.keys(fieldShape),
  switch: ['host', ...Object.keys(fieldShape), 'groups'],
}

/** `['switches', 2, 'ssh_port']` → `switches[2].ssh_port`. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}

/** Which keys the mapping at `path` allows (for did-you-mean). */
function allowedKeys(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return KEYS_OF.root!
  if (path[0] === 'switches') return KEYS_OF.switch!
  return KEYS_OF.fields!
}

/** Parse and check one inventory file's text. Never throws for bad input: every problem is in `errors`. */
export function parseSwitchInventory(text: string, file: string): SwitchInventory {
  const lc = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lc, uniqueKeys: true, prettyErrors: false})
  const errors: InventoryProblem[] = []
  const at = (node: unknown) => nodePosition(lc, node)
  const invalid = (): SwitchInventory => ({file, valid: false, switches: [], groups: [], errors: sortProblems(errors)})

  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const p = e.linePos?.[0] ? {line: e.linePos[0].line, column: e.linePos[0].col} : positionAt(lc, e.pos[0])
      errors.push({file, ...p, path: '', message: `YAML: ${e.message.split('\n')[0] ?? e.message}`})
    }
    return invalid()
  }
  let value: unknown
  try {
    value = doc.toJS({maxAliasCount: 100})
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err // yaml's "excessive alias count"
    errors.push({file, line: 1, column: 1, path: '', message: 'YAML: aliases expand to too many nodes (an alias bomb?)'})
    return invalid()
  }

  const result = inventorySchema.safeParse(value ?? null)
  if (!result.success) for (const i of result.error.issues) errors.push(...problemsOf(i, doc, at, file))
  errors.push(...unknownGroups(value, doc, at, file))
  if (result.success && result.data.switches.length === 0) {
    errors.push({
      file,
      ...at(nodeAtPath(doc, ['switches'])),
      path: 'switches',
      message: 'the `switches:` list is empty',
      suggestion: EXAMPLES.switches!,
    })
  }
  if (!result.success || errors.length > 0) return invalid()
  return {
    file,
    valid: true,
    switches: resolveSwitches(result.data, doc, at, file),
    groups: Object.keys(result.data.groups ?? {}),
    errors: [],
  }
}

/** A zod issue as inventory problems: one per unknown key (at the key, with a did-you-mean), else one at the value. */
function problemsOf(
  i: z.core.$ZodIssue,
  doc: Document,
  at: (n: unknown) => {line: number; column: number},
  file: string,
): InventoryProblem[] {
  if (i.code === 'unrecognized_keys') {
    return i.keys.map((key) => {
      const guess = nearest(key, allowedKeys(i.path))
      const path = [...i.path, key]
      return {
        file,
        ...at(nodeAtPath(doc, path, {key: true})),
        path: pathText(path),
        message: `unknown key \`${key}\``,
        suggestion: guess ? `did you mean \`${guess}\`?` : `allowed here: ${allowedKeys(i.path).join(', ')}`,
      }
    })
  }
  const field = [...i.path].reverse().find((p) => typeof p === 'string')
  const params = (i as {params?: {suggestion?: string}}).params
  const suggestion = params?.suggestion ?? (field === undefined ? undefined : EXAMPLES[field])
  return [
    {
      file,
      ...at(nodeAtPath(doc, i.path)),
      path: pathText(i.path),
      message: i.message,
      ...(suggestion === undefined ? {} : {suggestion}),
    },
  ]
}

/** A switch naming a group that `groups:` does not define (read from the raw value: reported with the schema's errors). */
function unknownGroups(
  value: unknown,
  doc: Document,
  at: (n: unknown) => {line: number; column: number},
  file: string,
): InventoryProblem[] {
  const root = isRecord(value) ? value : {}
  const defined = isRecord(root.groups) ? Object.keys(root.groups) : []
  const out: InventoryProblem[] = []
  const switches = Array.isArray(root.switches) ? (root.switches as unknown[]) : []
  switches.forEach((s, n) => {
    const groups = isRecord(s) && Array.isArray(s.groups) ? (s.groups as unknown[]) : []
    groups.forEach((g, k) => {
      if (typeof g !== 'string' || defined.includes(g)) return
      const guess = nearest(g, defined)
      out.push({
        file,
        ...at(nodeAtPath(doc, ['switches', n, 'groups', k])),
        path: pathText(['switches', n, 'groups', k]),
        message: `unknown group \`${g}\``,
        suggestion: guess
          ? `did you mean \`${guess}\`?`
          : defined.length
            ? `defined groups: ${defined.join(', ')}`
            : 'define it under `groups:`',
      })
    })
  })
  return out
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Each switch with its groups' and the defaults' values: host > groups (first listed wins) > defaults. */
function resolveSwitches(data: Parsed, doc: Document, at: (n: unknown) => {line: number; column: number}, file: string): InventorySwitch[] {
  return data.switches.map((s, n) => {
    const layers: Array<[ValueOrigin, Fields | undefined]> = [
      ['host', s],
      ...(s.groups ?? []).map((g): [ValueOrigin, Fields | undefined] => [`group ${g}`, data.groups?.[g]]),
      ['defaults', data.defaults],
    ]
    const pos = at(nodeAtPath(doc, ['switches', n]))
    const pick = <K extends keyof Fields>(key: K): [NonNullable<Fields[K]>, ValueOrigin] | undefined => {
      for (const [origin, f] of layers) {
        const v = f?.[key]
        if (v !== undefined) return [v, origin]
      }
      return undefined
    }
    const [port, sshPort, username, platform] = [pick('port'), pick('ssh_port'), pick('username'), pick('platform')]
    const out: InventorySwitch = {
      host: s.host,
      ...(port ? {port: port[0]} : {}),
      ...(sshPort ? {sshPort: sshPort[0]} : {}),
      ...(username ? {username: username[0]} : {}),
      ...(platform ? {platform: platform[0]} : {}),
      groups: s.groups ?? [],
      source: `${file}:${pos.line}:${pos.column}`,
      ...pos,
      from: {
        ...(port ? {port: port[1]} : {}),
        ...(sshPort ? {sshPort: sshPort[1]} : {}),
        ...(username ? {username: username[1]} : {}),
        ...(platform ? {platform: platform[1]} : {}),
      },
    }
    return out
  })
}

function sortProblems(errors: InventoryProblem[]): InventoryProblem[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** `file:line:column: path: message (suggestion)`. */
export function formatProblem(p: InventoryProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}${p.suggestion ? ` (${p.suggestion})` : ''}`
}

/** Read and check an inventory file; an unreadable file is an InputError (exit 2), a bad one is `valid: false`. */
export function loadSwitchInventory(file: string): SwitchInventory {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read inventory ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      suggestions: ['check the --inventory path'],
      cause: error,
    })
  }
  return parseSwitchInventory(text, file)
}

/** The InputError (exit 2) listing every problem of an invalid inventory. */
export function inventoryError(inv: SwitchInventory): InputError {
  const n = inv.errors.length
  return new InputError(
    `invalid switch inventory ${inv.file} (${n} problem${n === 1 ? '' : 's'}):\n${inv.errors.map(formatProblem).join('\n')}`,
    {
      suggestions: [`fix the lines above, then check with: netops switch inventory validate ${inv.file}`],
      details: {errors: inv.errors},
    },
  )
}

/** The switches of a valid inventory file; throws inventoryError otherwise. */
export function readSwitchInventory(file: string): InventorySwitch[] {
  const inv = loadSwitchInventory(file)
  if (!inv.valid) throw inventoryError(inv)
  return inv.switches
}
