/** Human renderings of `netops metadata ...` results: pure functions returning strings. */
import {color} from '../colors.js'
import {table} from './table.js'
import type {GuestConfig} from '../../metadata/guest-config.js'
import type {RenderResult} from '../../metadata/render.js'
import {isFleetView, statusChanges, type AnyStatusView, type StatusView} from '../../metadata/admin/client.js'
import type {ServeStartup} from '../../metadata/lifecycle.js'
import type {ReloadResult} from '../../metadata/reload.js'

export interface ValidateResult {
  valid: true
  files: string[]
  instances: Array<{
    id: string
    ip: string
    hostname: string
    profile: string | null
    interfaces: number
    userData: boolean
    vendorData: boolean
    publicKeys: number
  }>
  warnings: Array<{file: string; line: number; column: number; message: string}>
}

export function renderValidate(r: ValidateResult): string {
  const head = `${color.green('valid')}: ${r.instances.length} instance${r.instances.length === 1 ? '' : 's'} in ${r.files.length} file${r.files.length === 1 ? '' : 's'}`
  if (r.instances.length === 0) return head
  const rows = r.instances.map((i) => [
    i.id,
    i.ip,
    i.hostname,
    i.profile ?? '-',
    String(i.interfaces),
    String(i.publicKeys),
    i.userData ? 'yes' : 'no',
  ])
  return `${head}\n${table(['ID', 'IP', 'HOSTNAME', 'PROFILE', 'NICS', 'KEYS', 'USER-DATA'], rows)}`
}

export function renderDocuments(r: RenderResult): string {
  if (r.documents.length === 1 && r.documents[0]!.status === 200) return r.documents[0]!.body
  const out: string[] = []
  for (const d of r.documents) {
    out.push(color.dim(`=== GET ${d.path} → ${d.status} ${d.contentType} (${d.bytes} bytes)`))
    out.push(d.body.endsWith('\n') ? d.body.slice(0, -1) : d.body)
  }
  if (r.passwordServer)
    out.push(color.dim(`=== password server (:8080): ${r.passwordServer.hasPassword ? 'a password is set (not shown)' : 'no password'}`))
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
    out.push(
      table(
        ['DEVICE', 'MAC', 'NAME', 'MODE'],
        g.nics.map((n) => [n.device, n.mac, n.name, n.mode]),
      ),
    )
  }
  out.push('', '## host side', ...g.hostSide.map((h) => `# ${h}`))
  return out.join('\n')
}

/** The JSON log line (stderr) of one inventory reload. */
export function renderReloadLogLine(r: ReloadResult, time: Date): string {
  return JSON.stringify({
    time: time.toISOString(),
    event: 'reload',
    trigger: r.trigger,
    ok: r.ok,
    source: r.source,
    ...(r.generation === undefined ? {} : {generation: r.generation}),
    instances: r.instances,
    ms: r.ms,
    ...(r.ok ? {} : {error: r.error}),
  })
}

export function renderServeStartup(s: ServeStartup): string {
  const lines = [
    `serving ${s.inventory.instances} instance${s.inventory.instances === 1 ? '' : 's'} on ${color.bold(s.listening.metadata)}${s.inventory.builtIn ? ' (built-in example inventory)' : ''}`,
    ...Object.entries(s.paths).map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
  ]
  if (s.listening.password) lines.push(`  ${'password'.padEnd(10)} ${s.listening.password} (CloudStack password server)`)
  if (s.store)
    lines.push(
      `inventory from ${s.store.url} under ${s.store.prefix}: ${s.store.generation === null ? 'nothing published yet' : `generation ${s.store.generation}`}${s.store.fromCache ? ' (from the cache: etcd unreachable)' : ''}; replica ${s.store.replica}`,
    )
  lines.push(
    `IMDSv2 tokens ${s.imdsv2}; identity by source address${s.trustProxy.length ? `, X-Forwarded-For from ${s.trustProxy.join(', ')}` : ''}${s.signedProxyHeaders ? ', signed X-Instance-ID' : ''}`,
  )
  if (s.admin)
    lines.push(
      `admin API ${s.admin} (/v1/instances, /v1/unknown, /healthz, /metrics); try: netops metadata status ${s.store ? `--store ${s.store.url} (the whole fleet)` : `--admin ${s.admin}`}`,
    )
  lines.push(
    `progress ${s.store ? `in etcd under ${s.store.prefix}progress/ (this replica's steps tagged ${s.store.replica})` : s.progress.dataDir ? `kept in ${s.progress.dataDir}` : 'in memory only'}${s.progress.phoneHome ? `; phone-home + reporting to ${s.progress.phoneHome}` : ''}; inventory ${s.store ? 'followed from the store (etcd watch; SIGHUP reads it again)' : s.progress.watch ? 'reloaded on change and SIGHUP' : 'reloaded on SIGHUP'}`,
  )
  lines.push('one JSON log line per request on stderr; Ctrl-C drains and stops')
  return lines.join('\n')
}

/**
 * Text for a terminal: every character that is not printable (C0, DEL, C1, line/paragraph separators,
 * bidi overrides) shown as an escape (`\x1b`, `\u202e`), so no value can move the cursor, clear the
 * screen, set the window title or reorder a line.
 */
const NON_PRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
export function printable(s: string): string {
  return s.replace(NON_PRINTABLE, (c) => {
    const n = c.charCodeAt(0)
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`
  })
}

/** "1m05s", "850ms", "2h03m". */
function formatDuration(ms: number | null): string {
  if (ms === null) return '-'
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** `[##########----------] 83/100 provisioned` (width = bar cells). */
function progressBar(done: number, total: number, width = 30): string {
  const cells = total === 0 ? width : Math.round((done / total) * width)
  return `[${'#'.repeat(cells)}${'-'.repeat(width - cells)}] ${done}/${total} provisioned`
}

const STATE_COLOR: Record<StatusView['instances'][number]['state'], (s: string) => string> = {
  done: (s) => color.green(s),
  booting: (s) => color.yellow(s),
  failed: (s) => color.red(s),
  waiting: (s) => color.dim(s),
}

/** The `metadata status` page: progress bar, the VMs that asked, then those that never did and unknown addresses. */
export function renderStatus(v: AnyStatusView, opts: {now?: number; bar?: boolean} = {}): string {
  const now = opts.now ?? Date.parse(v.generatedAt)
  const when = (iso: string | null) => {
    if (iso === null) return '-'
    const ago = Math.max(0, now - Date.parse(iso))
    return `${iso.slice(11, 19)} (${formatDuration(ago)} ago)`
  }
  const out: string[] = []
  const s = v.summary
  out.push(
    `${opts.bar === false ? `${v.provisioned}/${v.total} provisioned` : progressBar(v.provisioned, v.total)}  ${s.booting} booting, ${s.failed} failed, ${s.waiting} never asked`,
  )
  const fleet = isFleetView(v) ? v : undefined
  if (fleet)
    out.push(
      `generation ${fleet.generation} in ${fleet.store}; ${fleet.replicas.length} live replica${fleet.replicas.length === 1 ? '' : 's'}${fleet.replicas.length ? ': ' + fleet.replicas.map((r) => printable(`${r.name} (${r.listen})`)).join(', ') : ''}`,
    )
  if (v.instances.length === 0) out.push('no VM has asked yet')
  else {
    // the fleet view (status --store) adds who served each VM
    const row = (i: (typeof v.instances)[number]) => [
      printable(i.id),
      printable(i.ip),
      STATE_COLOR[i.state](i.state),
      printable(i.lastStep ?? '-'),
      when(i.lastStepAt),
      formatDuration(i.durationMs),
    ]
    out.push(
      fleet
        ? table(
            ['VM', 'ADDRESS', 'STATE', 'LAST STEP', 'WHEN', 'HOW LONG', 'REPLICA'],
            fleet.instances.map((i) => [...row(i), printable(i.replicas.join(','))]),
          )
        : table(['VM', 'ADDRESS', 'STATE', 'LAST STEP', 'WHEN', 'HOW LONG'], v.instances.map(row)),
    )
  }
  if (v.neverAsked.length > 0) {
    const shown = v.neverAsked.slice(0, 50)
    out.push('', `never asked (${v.neverAsked.length}):`)
    out.push(
      table(
        ['VM', 'ADDRESS', 'HOSTNAME'],
        shown.map((i) => [printable(i.id), printable(i.ip), printable(i.hostname)]),
      ),
    )
    if (v.neverAsked.length > shown.length) out.push(`… and ${v.neverAsked.length - shown.length} more (--json lists all)`)
  }
  if (v.unknown.length > 0) {
    out.push('', `unknown addresses that asked (${v.unknown.length}):`)
    out.push(
      table(
        ['ADDRESS', 'REQUESTS', 'FIRST SEEN', 'LAST SEEN'],
        v.unknown.slice(0, 50).map((u) => [printable(u.ip), String(u.requests), printable(u.firstSeen), printable(u.lastSeen)]),
      ),
    )
  }
  if (v.forgedCallbacks > 0)
    out.push(
      '',
      color.red(
        `${v.forgedCallbacks} forged phone-home/report callback${v.forgedCallbacks === 1 ? '' : 's'} refused (from another address than the VM's own)`,
      ),
    )
  return out.join('\n')
}

/** Clear the terminal and move the cursor home: a --watch frame replaces the previous one. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J'

/** One --watch frame on a terminal: the whole status page, drawn over the previous one. */
export function renderStatusFrame(v: AnyStatusView): string {
  return CLEAR_SCREEN + renderStatus(v) + '\n'
}

/** --watch when stdout is not a terminal: one line per change since the previous view (nothing when none). */
export function renderStatusChanges(prev: AnyStatusView | undefined, v: AnyStatusView): string {
  return statusChanges(prev, v)
    .map((line) => printable(line) + '\n')
    .join('')
}

/** --watch when stdout is not a terminal: the closing line. */
export function renderWatchSummary(v: AnyStatusView): string {
  return `${v.provisioned}/${v.total} provisioned${v.summary.failed ? `, ${v.summary.failed} failed` : ''}\n`
}
