/** Human renderings of `netops metadata ...` results: pure functions returning strings. */
import Table from 'cli-table3'
import {color} from '../colors.js'
import type {GuestConfig} from '../../metadata/guest-config.js'
import type {RenderResult} from '../../metadata/render.js'

const BORDERLESS = {
  chars: {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
    'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
  },
  style: {head: [] as string[], border: [] as string[], 'padding-left': 0, 'padding-right': 0},
}

function table(head: string[], rows: string[][]): string {
  const t = new Table({head, ...BORDERLESS})
  t.push(...rows)
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n')
}

export interface ValidateResult {
  valid: true
  files: string[]
  instances: Array<{id: string; ip: string; hostname: string; profile: string | null; interfaces: number; userData: boolean; vendorData: boolean; publicKeys: number}>
  warnings: Array<{file: string; line: number; column: number; message: string}>
}

export function renderValidate(r: ValidateResult): string {
  const head = `${color.green('valid')}: ${r.instances.length} instance${r.instances.length === 1 ? '' : 's'} in ${r.files.length} file${r.files.length === 1 ? '' : 's'}`
  if (r.instances.length === 0) return head
  const rows = r.instances.map((i) => [i.id, i.ip, i.hostname, i.profile ?? '-', String(i.interfaces), String(i.publicKeys), i.userData ? 'yes' : 'no'])
  return `${head}\n${table(['ID', 'IP', 'HOSTNAME', 'PROFILE', 'NICS', 'KEYS', 'USER-DATA'], rows)}`
}

export function renderDocuments(r: RenderResult): string {
  if (r.documents.length === 1 && r.documents[0]!.status === 200) return r.documents[0]!.body
  const out: string[] = []
  for (const d of r.documents) {
    out.push(color.dim(`=== GET ${d.path} → ${d.status} ${d.contentType} (${d.bytes} bytes)`))
    out.push(d.body.endsWith('\n') ? d.body.slice(0, -1) : d.body)
  }
  if (r.passwordServer) out.push(color.dim(`=== password server (:8080): ${r.passwordServer.hasPassword ? 'a password is set (not shown)' : 'no password'}`))
  return out.join('\n')
}

export function renderGuestConfig(g: GuestConfig): string {
  const out: string[] = []
  out.push(`# ${g.flavor} guest configuration${g.instance ? ` for ${g.instance.id} (${g.instance.ip})` : ''}; metadata at ${g.metadataUrl}`)
  out.push('', '## libvirt domain XML', g.libvirtXml)
  out.push('', '## qemu arguments', g.qemuArgs.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '))
  out.push('', `## or, in the image: ${g.cloudCfg.path}`, g.cloudCfg.content.trimEnd())
  if (g.nics.length > 0) {
    out.push('', '## NICs the VM must have (this order)')
    out.push(table(['DEVICE', 'MAC', 'NAME', 'MODE'], g.nics.map((n) => [n.device, n.mac, n.name, n.mode])))
  }
  out.push('', '## host side', ...g.hostSide.map((h) => `# ${h}`))
  return out.join('\n')
}

export interface ServeStartup {
  listening: {metadata: string; password: string | null}
  inventory: {source: string; builtIn: boolean; files: string[]; instances: number}
  namespace: string | null
  imdsv2: 'optional' | 'required'
  trustProxy: string[]
  signedProxyHeaders: boolean
  paths: Record<string, string>
  pid: number
}

export function renderServeStartup(s: ServeStartup): string {
  const lines = [
    `serving ${s.inventory.instances} instance${s.inventory.instances === 1 ? '' : 's'} on ${color.bold(s.listening.metadata)}${s.inventory.builtIn ? ' (built-in example inventory)' : ''}`,
    ...Object.entries(s.paths).map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
  ]
  if (s.listening.password) lines.push(`  ${'password'.padEnd(10)} ${s.listening.password} (CloudStack password server)`)
  lines.push(`IMDSv2 tokens ${s.imdsv2}; identity by source address${s.trustProxy.length ? `, X-Forwarded-For from ${s.trustProxy.join(', ')}` : ''}${s.signedProxyHeaders ? ', signed X-Instance-ID' : ''}`)
  lines.push('one JSON log line per request on stderr; Ctrl-C drains and stops')
  return lines.join('\n')
}
