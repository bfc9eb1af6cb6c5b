/**
 * The shape of one metadata inventory file as a zod schema: which keys each level takes (unknown keys
 * get a did-you-mean), which values are mappings or lists, and the types of the plain fields (strings,
 * booleans, the MTU, the interface mode). It checks each file as written, a profile once however many
 * instances use it. What needs more than one value's type (addresses, MACs, unique ids, templates,
 * layering) stays in inventory.ts. Each issue comes back with its key path; the caller maps it to
 * file:line:column (src/util/yaml-position.ts).
 */
import * as z from 'zod'
import {nearest} from '../util/edit-distance.js'

const TOP_KEYS = ['profiles', 'instances'] as const
const PROFILE_KEYS = [
  'user_data',
  'user_data_base64',
  'vendor_data',
  'meta_data',
  'interfaces',
  'public_keys',
  'availability_zone',
  'password',
  'description',
] as const
const INSTANCE_KEYS = ['id', 'uuid', 'hostname', 'ip', 'mac', 'profile', ...PROFILE_KEYS] as const
const IFACE_KEYS = [
  'name',
  'device',
  'mac',
  'address',
  'addresses',
  'gateway',
  'gateway6',
  'dns',
  'dhcp',
  'dhcp4',
  'dhcp6',
  'mode',
  'mtu',
  'routes',
] as const
const PART_KEYS = ['content', 'type', 'filename'] as const

/** A schema issue: where (key path in the file's value, `key` when it is about the key itself), what, and what would be right. */
export interface SchemaIssue {
  path: PropertyKey[]
  key: boolean
  message: string
  hint?: string
}

/** A value that passes `ok`, else the error `message` (a function of the value when it shows it) with `hint`. */
function valueOf(ok: (v: unknown) => boolean, message: string | ((v: unknown) => string), hint?: string) {
  return z.custom<unknown>(ok, {
    error: (i) => (typeof message === 'string' ? message : message(i.input)),
    ...(hint === undefined ? {} : {params: {hint}}),
  })
}

/** `key:` with nothing after it is no value (skipped, as the loader skips it). */
const orNone = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional())

/** A string (or a number, read as text) with something in it. */
const text = (what: string, example: string) =>
  valueOf(
    (v) => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number',
    `${what} must be a non-empty string`,
    `e.g. ${example}`,
  )

const bool = (key: string) => valueOf((v) => typeof v === 'boolean', `${key} must be true or false`)

const isMapping = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Hints of the structural errors (mapping / list expected), by message. */
const HINTS: Record<string, string> = {
  '`profiles:` must map a profile name to its fields': 'e.g. profiles:\n  waf: {meta_data: {role: waf}}',
  '`instances:` must be a list': 'e.g. instances:\n  - {id: waf-01, ip: 10.0.0.2}',
  'each instance must be a mapping': 'e.g. - {id: waf-01, ip: 10.0.0.2, profile: waf}',
  'interfaces must be a list': 'e.g. interfaces:\n  - {name: mgmt, mac: "52:54:00:00:00:01", address: 10.0.0.2/24}',
  'each interface must be a mapping': 'e.g. - {name: mgmt, mac: "52:54:00:00:00:01", address: 10.0.0.2/24}',
  'interface has no `name:`': 'e.g. name: mgmt (profile and instance interfaces are matched by name)',
  'user_data must be a string (a cloud-config, a script…) or a list of parts': 'e.g. user_data: |\n  #!/bin/sh\n  echo hi',
  'vendor_data must be a string (a cloud-config, a script…) or a list of parts': 'e.g. user_data: |\n  #!/bin/sh\n  echo hi',
}

/** Errors about a field that are reported at its mapping (the interface, the part), as the loader always did. */
const AT_MAPPING = /^(interface has no `name:`|a \w+ part needs `content:`)/

const routes = valueOf((v) => v === null || Array.isArray(v), 'routes must be a list', 'e.g. routes: [{to: 10.2.0.0/16, via: 10.1.0.1}]')

const iface = z.strictObject(
  {
    name: valueOf((v) => typeof v === 'string' && v !== '', 'interface has no `name:`'),
    dhcp: bool('dhcp').optional(),
    dhcp4: bool('dhcp4').optional(),
    dhcp6: bool('dhcp6').optional(),
    mode: valueOf(
      (v) => v === 'inline' || v === 'routed',
      (v) => `mode \`${String(v)}\` is not known`,
      'mode is `routed` (default) or `inline` (an L2 port with no address)',
    ).optional(),
    mtu: valueOf(
      (v) => typeof v === 'number' && Number.isInteger(v) && v >= 68 && v <= 65535,
      'mtu must be an integer 68-65535',
      'e.g. mtu: 9000',
    ).optional(),
    routes: routes.optional(),
    ...Object.fromEntries(
      IFACE_KEYS.filter((k) => !['name', 'dhcp', 'dhcp4', 'dhcp6', 'mode', 'mtu', 'routes'].includes(k)).map((k) => [
        k,
        z.unknown().optional(),
      ]),
    ),
  },
  {error: 'each interface must be a mapping'},
)

/** user_data / vendor_data: a string, or a list of parts (a string or {content, type, filename}). */
const parts = (what: string) => {
  const part = z.union([
    z.string(),
    z.strictObject({
      content: valueOf(
        (v) => typeof v === 'string',
        `a ${what} part needs \`content:\` (a string)`,
        'e.g. - {content: "#!/bin/sh\\necho hi", filename: hello.sh}',
      ),
      type: z.unknown().optional(),
      filename: z.unknown().optional(),
    }),
  ])
  return orNone(
    z.union(
      [
        z.string(),
        z.array(
          valueOf((v) => typeof v === 'string' || isMapping(v), `a ${what} part must be a string or {content, type, filename}`).pipe(part),
        ),
      ],
      {
        error: `${what} must be a string (a cloud-config, a script…) or a list of parts`,
      },
    ),
  )
}

const profileShape = {
  user_data: parts('user_data'),
  user_data_base64: z.unknown().optional(),
  vendor_data: parts('vendor_data'),
  meta_data: valueOf((v) => v === null || isMapping(v), 'meta_data must be a mapping', 'e.g. meta_data: {role: waf, rack: b12}').optional(),
  interfaces: orNone(z.array(z.unknown().optional().pipe(iface), {error: 'interfaces must be a list'})),
  public_keys: z.unknown().optional(),
  availability_zone: text('availability_zone', 'rack-b').optional(),
  password: valueOf(
    (v) => v === null || (typeof v === 'string' && v !== ''),
    'password must be a string',
    'it is served once by the CloudStack password server',
  ).optional(),
  description: z.unknown().optional(),
}

const instance = z.strictObject(
  {
    id: text('id', 'waf-01').optional(),
    uuid: text('uuid', '3f1c…').optional(),
    hostname: text('hostname', 'waf-01').optional(),
    ip: text('ip', '10.0.0.2').optional(),
    mac: z.unknown().optional(),
    profile: text('profile', 'waf').optional(),
    ...profileShape,
  },
  {error: 'each instance must be a mapping'},
)

const fileSchema = z.strictObject({
  profiles: orNone(
    z.record(z.string(), orNone(z.strictObject(profileShape, {error: 'profile `{name}` must be a mapping'})), {
      error: '`profiles:` must map a profile name to its fields',
    }),
  ),
  instances: orNone(z.array(instance, {error: '`instances:` must be a list'})),
})

/** What a mapping at `path` is called in an unknown-key message, and the keys it takes. */
function mappingAt(path: readonly PropertyKey[]): {what: string; allowed: readonly string[]} {
  const [first, second] = path
  const last = path[path.length - 2]
  if (path.length === 0) return {what: 'the inventory', allowed: TOP_KEYS}
  if (last === 'interfaces') return {what: 'an interface', allowed: IFACE_KEYS}
  if (last === 'user_data' || last === 'vendor_data') return {what: `a ${String(last)} part`, allowed: PART_KEYS}
  if (first === 'profiles') return {what: `profile \`${String(second)}\``, allowed: PROFILE_KEYS}
  return {what: 'an instance', allowed: INSTANCE_KEYS}
}

/**
 * Every shape and type problem of one file's value (parsed YAML), in no particular order. A union's
 * issue (a part that is neither a string nor a mapping) is reported once, as the branch that fits.
 */
export function checkInventoryShape(value: unknown): SchemaIssue[] {
  const result = fileSchema.safeParse(value)
  if (result.success) return []
  return result.error.issues.flatMap((i) => issuesOf(i))
}

function issuesOf(i: z.core.$ZodIssue): SchemaIssue[] {
  if (i.code === 'unrecognized_keys') {
    const {what, allowed} = mappingAt(i.path)
    return i.keys.map((key) => {
      const guess = nearest(key, allowed)
      return {
        path: [...i.path, key],
        key: true,
        message: `unknown key \`${key}\` in ${what}`,
        hint: guess ? `did you mean \`${guess}\`?` : `allowed: ${allowed.join(', ')}`,
      }
    })
  }
  if (i.code === 'invalid_union') {
    // the branch the value fits (a list for user_data, a mapping for a part): its own issues
    const fits = i.errors.find((issues) => issues.length > 0 && !issues.some((x) => x.code === 'invalid_type' && x.path.length === 0))
    const mappingBranch = fits?.flatMap((x) => issuesOf({...x, path: [...i.path, ...x.path]}))
    if (mappingBranch) return mappingBranch
  }
  const message = i.message.replace('{name}', String(i.path[1]))
  const hint = (i as {params?: {hint?: string}}).params?.hint ?? HINTS[message]
  const path = AT_MAPPING.test(message) ? i.path.slice(0, -1) : i.path
  return [{path, key: false, message, ...(hint === undefined ? {} : {hint})}]
}
