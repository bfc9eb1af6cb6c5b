/**
 * Prometheus metrics of the metadata server, in the text exposition format (version 0.0.4).
 * Counters are plain numbers updated on the request path (no allocation per request); gauges
 * (VMs per state, unknown requesters) are computed when scraped.
 */
import type {ConnectionCounts} from '../limits.js'

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const

/** A latency histogram: counts per bucket of LATENCY_BUCKETS (not cumulative), sum and count. */
interface Histogram {
  buckets: Float64Array
  sum: number
  count: number
}

const histogram = (): Histogram => ({buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0})

function count(h: Histogram, seconds: number): void {
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
    if (seconds <= LATENCY_BUCKETS[i]!) {
      h.buckets[i]!++
      break
    }
  }
  h.sum += seconds
  h.count++
}

export interface ScrapeGauges {
  vmsByState: Record<string, number>
  unknownRequesters: number
  unknownRequests: number
  instances: number
  callbacks: Record<string, number>
  forgedCallbacks: number
  /** The metadata listener's connections (absent: not rendered). */
  connections?: ConnectionCounts
  /** fdatasyncs of the progress journal so far (absent: no journal, not rendered). */
  journalSyncs?: number
}

export class Metrics {
  /** flavour → status → count (two lookups on interned strings and small ints: no key built per request). */
  private readonly requests = new Map<string, Map<number, number>>()
  private readonly latency = histogram()
  /** The callbacks alone (phone-home, report): request → answer written, which is after their progress is durable. */
  private readonly callbackLatency = histogram()
  reloadsOk = 0
  reloadsFailed = 0
  lastReloadOk: number | undefined
  readonly startedAt = Date.now()
  /** Callbacks answered 503 because their progress was not durable in time (`timeout`) or not written (`error`). */
  readonly callbacksUnavailable = {timeout: 0, error: 0}
  /** `metadata serve --workers N`: requests answered per worker (by its cluster id); empty in one process. */
  readonly workerRequests = new Map<number, number>()

  /** One answered request: flavour (`none` when unknown / refused), HTTP status, seconds spent. */
  observe(flavor: string, status: number, seconds: number): void {
    let byStatus = this.requests.get(flavor)
    if (byStatus === undefined) {
      byStatus = new Map()
      this.requests.set(flavor, byStatus)
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
    count(this.latency, seconds)
    if (flavor === 'callback') count(this.callbackLatency, seconds)
  }

  reload(ok: boolean, at = Date.now()): void {
    if (ok) {
      this.reloadsOk++
      this.lastReloadOk = at
    } else this.reloadsFailed++
  }

  /** The whole exposition text. */
  render(g: ScrapeGauges): string {
    const out: string[] = []
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    const head = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)

    head('netops_metadata_requests_total', 'counter', 'Requests answered, by flavour and HTTP status.')
    const rows: Array<[string, number]> = []
    for (const [flavor, byStatus] of this.requests)
      for (const [status, n] of byStatus) rows.push([`flavor="${esc(flavor)}",status="${status}"`, n])
    for (const [labels, n] of rows.sort((a, b) => (a[0] < b[0] ? -1 : 1))) out.push(`netops_metadata_requests_total{${labels}} ${n}`)
    const histogramLines = (name: string, h: Histogram) => {
      let cum = 0
      LATENCY_BUCKETS.forEach((le, i) => {
        cum += h.buckets[i]!
        out.push(`${name}_bucket{le="${le}"} ${cum}`)
      })
      out.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`)
    }
    head('netops_metadata_request_duration_seconds', 'histogram', 'Time from request to answer written, seconds.')
    histogramLines('netops_metadata_request_duration_seconds', this.latency)
    head(
      'netops_metadata_callback_duration_seconds',
      'histogram',
      'Callbacks (phone-home, report) only: time from request to answer written, which is after their progress is durable, seconds.',
    )
    histogramLines('netops_metadata_callback_duration_seconds', this.callbackLatency)

    if (this.workerRequests.size > 0) {
      head('netops_metadata_worker_requests_total', 'counter', 'Requests answered, by worker process (metadata serve --workers).')
      for (const [w, n] of [...this.workerRequests].sort((a, b) => a[0] - b[0]))
        out.push(`netops_metadata_worker_requests_total{worker="${w}"} ${n}`)
    }

    if (g.connections) {
      head('netops_metadata_connections_open', 'gauge', 'Connections to the metadata listener held now.')
      out.push(`netops_metadata_connections_open ${g.connections.open}`)
      head(
        'netops_metadata_connections_refused_total',
        'counter',
        'Connections closed at accept: over --max-connections (global) or --max-connections-per-client (per-client).',
      )
      for (const [reason, n] of Object.entries(g.connections.refused))
        out.push(`netops_metadata_connections_refused_total{reason="${reason}"} ${n}`)
      head('netops_metadata_send_timeouts_total', 'counter', 'Connections cut because the client did not read its answer (--send-timeout).')
      out.push(`netops_metadata_send_timeouts_total ${g.connections.sendTimeouts}`)
    }

    head('netops_metadata_instances', 'gauge', 'VMs in the inventory being served.')
    out.push(`netops_metadata_instances ${g.instances}`)
    head('netops_metadata_vms', 'gauge', 'VMs of the inventory per provisioning state.')
    for (const [state, n] of Object.entries(g.vmsByState)) out.push(`netops_metadata_vms{state="${esc(state)}"} ${n}`)
    head('netops_metadata_unknown_requesters', 'gauge', 'Distinct addresses that asked and are in no record.')
    out.push(`netops_metadata_unknown_requesters ${g.unknownRequesters}`)
    head('netops_metadata_unknown_requests_total', 'counter', 'Requests from addresses that are in no record.')
    out.push(`netops_metadata_unknown_requests_total ${g.unknownRequests}`)
    head(
      'netops_metadata_callbacks_total',
      'counter',
      'phone-home and reporting callbacks, by kind and result (accepted, forged, invalid).',
    )
    for (const [key, n] of Object.entries(g.callbacks).sort()) {
      const [kind, result] = key.split('|') as [string, string]
      out.push(`netops_metadata_callbacks_total{kind="${esc(kind)}",result="${esc(result)}"} ${n}`)
    }
    head(
      'netops_metadata_forged_callbacks_total',
      'counter',
      'Callbacks refused because they came from another address than the VM they name.',
    )
    out.push(`netops_metadata_forged_callbacks_total ${g.forgedCallbacks}`)
    head(
      'netops_metadata_callbacks_unavailable_total',
      'counter',
      'Callbacks answered 503 because their progress was not durable within 5 s (timeout) or could not be written (error).',
    )
    for (const [reason, n] of Object.entries(this.callbacksUnavailable))
      out.push(`netops_metadata_callbacks_unavailable_total{reason="${reason}"} ${n}`)
    if (g.journalSyncs !== undefined) {
      head(
        'netops_metadata_journal_fsyncs_total',
        'counter',
        'fdatasyncs of the progress journal (group commit: each one acknowledges every callback that waited for it).',
      )
      out.push(`netops_metadata_journal_fsyncs_total ${g.journalSyncs}`)
    }
    head('netops_metadata_reloads_total', 'counter', 'Inventory reloads, by result.')
    out.push(`netops_metadata_reloads_total{result="ok"} ${this.reloadsOk}`)
    out.push(`netops_metadata_reloads_total{result="failed"} ${this.reloadsFailed}`)
    head('netops_metadata_start_time_seconds', 'gauge', 'When the server started, seconds since the epoch.')
    out.push(`netops_metadata_start_time_seconds ${Math.floor(this.startedAt / 1000)}`)
    return out.join('\n') + '\n'
  }
}
