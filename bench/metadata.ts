/**
 * npm run bench:metadata — the metadata server under a boot storm and under wrk, beside nginx.
 *
 * Every `metadata serve` here keeps its progress journal in a --data-dir of its own (as by default): a
 * callback is answered 200 only after the journal's group-committed fdatasync (durable acknowledgements).
 *
 * 1. Boot storm: BENCH_STORM_VMS (default 1,000) simulated VMs, each from its own 127.10.x.y address,
 *    doing cloud-init 22.4's Ec2 crawl (version discovery, user-data, the recursive meta-data crawl;
 *    a new TCP connection per request) against `netops metadata serve --phone-home` running as its own
 *    process: requests/s, p50/p99 latency, time until every VM is served, server CPU and peak memory
 *    (/proc/<pid>/stat utime+stime, /proc/<pid>/status VmHWM).
 * 1b. Provisioning storm: the same VMs, each crawling then POSTing what Debian 12's cloud-init 22.4 sends
 *    with --phone-home's config — every reporting webhook event of the config and final stages (76) and
 *    cc_phone_home's POST (BENCH_STORM_CALLBACKS=phone-home: that one alone), one at a time per VM — against
 *    a server with durable acknowledgements and one with `--data-dir none` (acknowledged from memory),
 *    beside part 1's crawl alone (nginx has no callbacks: the crawl alone is the comparison). Acks/s,
 *    ack latency (client, and the server's callback histogram) and fdatasyncs per ack
 *    (netops_metadata_journal_fsyncs_total) are counted from the server's /metrics.
 * 2. Throughput: wrk (256 connections) against a BENCH_WRK_VMS (default 10,000) instance inventory,
 *    identity through X-Forwarded-For (--trust-proxy 127.0.0.0/8, rotated per request by
 *    bench/metadata.lua), side by side with nginx (one worker, its own prefix in a temp dir) serving
 *    the same per-VM documents as static files (root per X-Forwarded-For). Both servers are pinned
 *    to core 1 (taskset -c 1), wrk and the storm clients to core 0.
 * 3. New connections (cloud-init's pattern: a new TCP connection per request): the same wrk load with
 *    `Connection: close` on every request (wrk -c64 reconnects each time), one server process beside
 *    one nginx worker (both on core 1), then `metadata serve --workers 2` beside nginx with 2 workers
 *    (both servers free to use every core).
 *
 * 4. Fleet (bench/fleet.ts): two `metadata serve --store` replicas over a private 3-member etcd:
 *    push-to-served propagation over 20 pushes, and a 1,000-VM storm with one replica SIGKILLed half-way.
 *
 * Targets (issue 5): ≥ 50 % of nginx's requests/s, p99 < 10 ms, peak RSS < 200 MB with 10,000 instances.
 * Targets (issue 12): on new connections ≥ 0.8x one nginx worker, and --workers 2 ≥ 0.8x nginx with 2 workers;
 * fleet propagation p99 < 1 s, 0 failed VMs in the fleet storm.
 * Part 1's p99 < 10 ms holds for 1b too (the crawl; every request, callbacks too, is reported beside it: an ack
 * is answered one event-loop turn after the one that read it, see README).
 * BENCH_WRK_SECONDS (default 10) sets each wrk run's length; BENCH_ONLY=storm, provision, wrk, conn or fleet runs
 * one part (provision: 1 and 1b; conn1: part 3 without its --workers 2 rows).
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir, cpus} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {renderAllDocuments} from '../src/metadata/documents.js'
import {inventoryFromObject} from '../src/metadata/inventory.js'
import {fleetBench} from './fleet.js'
import {f2, ok, table} from './report.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const STORM_VMS = Number(process.env['BENCH_STORM_VMS'] ?? 1000)
const WRK_VMS = Number(process.env['BENCH_WRK_VMS'] ?? 10_000)
const WRK_SECONDS = Number(process.env['BENCH_WRK_SECONDS'] ?? 10)
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOk0netopsBENCHKEYxxxxxxxxxxxxxxxxxxxxxxxxxx ops@bastion'
const WRK_PATHS = [
  '/latest/meta-data/instance-id',
  '/latest/meta-data/hostname',
  '/latest/meta-data/local-ipv4',
  '/latest/meta-data/public-keys/0/openssh-key',
  '/latest/user-data',
  '/openstack/latest/meta_data.json',
  '/latest/meta-data/placement/availability-zone',
]
const ONLY = process.env['BENCH_ONLY'] ?? ''
const CORES = cpus().length
/** Run on these cores (`1`, `0-1`); on one core nothing is pinned. */
const pin = (core: number | string, argv: string[]) => (CORES > 1 ? ['taskset', '-c', String(core), ...argv] : argv)
/** Every core of the machine (the --workers 2 and nginx 2-worker rows). */
const ALL_CORES = `0-${CORES - 1}`

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    throw new Error(`${cmd} not found: apt-get install ${pkg} (scripts/install-test-deps.sh)`)
}

const stormIp = (i: number) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`
const wrkIp = (i: number) => `10.${Math.floor(i / 62500) % 256}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`

function inventory(count: number, ip: (i: number) => string): Record<string, unknown> {
  return {
    profiles: {
      appliance: {
        user_data: '#cloud-config\nhostname: {{ hostname }}\nruncmd:\n  - [sh, -c, "echo {{ hostname }} up > /etc/motd"]\n',
        meta_data: {role: 'waf'},
        interfaces: [{name: 'mgmt'}],
      },
    },
    instances: Array.from({length: count}, (_, i) => {
      const mac = `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
      return {
        id: `vm-${String(i).padStart(5, '0')}`,
        hostname: `vm-${String(i).padStart(5, '0')}`,
        ip: ip(i),
        mac,
        profile: 'appliance',
        public_keys: [KEY],
        interfaces: [{name: 'mgmt', mac, dhcp: true}],
      }
    }),
  }
}

// ---------------------------------------------------------------------------------------------
interface Served {
  proc: ChildProcess
  pid: number
  url: string
  port: number
  admin: string
}

/**
 * `metadata serve` on `cores`, with a fresh --data-dir of its own beside the inventory file (the progress
 * journal on, as by default: callbacks are answered after its group-committed fdatasync), or `dataDir: 'none'`.
 */
function startServe(inventoryFile: string, extra: string[], cores: number | string = 1, dataDir?: 'none'): Promise<Served> {
  const argv = pin(cores, [
    process.execPath,
    join(REPO, 'bin/run.js'),
    'metadata',
    'serve',
    '--inventory',
    inventoryFile,
    '--listen',
    '127.0.0.1:0',
    '--admin-listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir ?? mkdtempSync(join(dirname(inventoryFile), 'data-')),
    '--cloudstack-password-port',
    'off',
    '--no-watch',
    '--quiet',
    '--json',
    ...extra,
  ])
  const proc = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  let out = ''
  let err = ''
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`metadata serve exited ${code}: ${err}`)))
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try {
        const doc = JSON.parse(out) as {listening: {metadata: string}; pid: number; admin: string}
        proc.removeAllListeners('exit')
        resolve({proc, pid: doc.pid, url: doc.listening.metadata, port: Number(new URL(doc.listening.metadata).port), admin: doc.admin})
      } catch {
        // not complete yet
      }
    })
  })
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, {agent: false}, (res) => {
      let b = ''
      res.on('data', (d: Buffer) => (b += d.toString()))
      res.on('end', () => resolve(b))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Wait until every VM's documents are rendered (the server prewarms in the background); seconds waited. */
async function waitWarm(s: Served): Promise<number> {
  const t0 = performance.now()
  for (;;) {
    const h = JSON.parse(await fetchText(`${s.admin}/healthz`)) as {documents: {rendered: number; total: number}}
    if (h.documents.rendered >= h.documents.total) return (performance.now() - t0) / 1000
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A latency histogram from /metrics: cumulative bucket counts by upper bound (seconds). */
type Histogram = Map<number, number>

/** What the bench reads from the server's /metrics. */
interface Scrape {
  /** Every request: request parsed → answer written. */
  requests: Histogram
  /** The callbacks alone: request → answer written, after their progress is durable. */
  callbacks: Histogram
  /** Group commits of the progress journal (0 without one). */
  fsyncs: number
  /** Callbacks accepted (phone-home and report). */
  accepted: number
  /** Callbacks answered 503: not durable in time, or not written. */
  unavailable: number
}

async function scrape(s: Served): Promise<Scrape> {
  const text = await fetchText(`${s.admin}/metrics`)
  const hist = (name: string) => {
    const out: Histogram = new Map()
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm')))
      out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]))
    return out
  }
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0)
  return {
    requests: hist('netops_metadata_request_duration_seconds'),
    callbacks: hist('netops_metadata_callback_duration_seconds'),
    fsyncs: sum(/^netops_metadata_journal_fsyncs_total (\d+)$/gm),
    accepted: sum(/^netops_metadata_callbacks_total\{kind="[^"]+",result="accepted"\} (\d+)$/gm),
    unavailable: sum(/^netops_metadata_callbacks_unavailable_total\{reason="[^"]+"\} (\d+)$/gm),
  }
}

/** The requests of `all` that are not in `some` (same buckets): the GETs, when `some` is the callbacks. */
function minus(all: Histogram, some: Histogram): Histogram {
  return new Map([...all].map(([le, n]) => [le, n - (some.get(le) ?? 0)]))
}

/** The bucket bound under which p % of the requests between two scrapes fell (ms); NaN when none. */
function histQuantile(before: Histogram, after: Histogram, p: number): number {
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0)
  if (total === 0) return NaN
  for (const [le, n] of after) if (n - (before.get(le) ?? 0) >= (p / 100) * total) return le * 1000
  return Infinity
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const done = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  const t = setTimeout(() => proc.kill('SIGKILL'), 8000)
  await done
  clearTimeout(t)
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim() || 100)

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / CLK_TCK
}

/** Peak and current resident memory (MB) from /proc/<pid>/status. */
function memory(pid: number): {hwm: number; rss: number} {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0)
  return {hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024}
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

// ---------------------------------------------------------------------------------------------
/** One request from a VM's address on a new connection (cloud-init's requests.Session per request); its time goes to `lat`. */
function get(
  base: string,
  path: string,
  from: string,
  lat: number[],
  post?: {body: string; type: string},
): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = request(
      base + path,
      {
        agent: false,
        localAddress: from,
        method: post ? 'POST' : 'GET',
        headers: {
          'user-agent': 'python-requests/2.28.1',
          accept: '*/*',
          'accept-encoding': 'gzip, deflate',
          connection: 'keep-alive',
          ...(post ? {'content-type': post.type, 'content-length': String(Buffer.byteLength(post.body))} : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          lat.push(performance.now() - t0)
          res.socket?.destroy() // cloud-init closes its requests.Session after each request
          resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')})
        })
      },
    )
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout ${path}`)))
    req.on('error', reject)
    req.end(post?.body)
  })
}

/**
 * What Debian 12's cloud-init 22.4 runs after the crawl, with `metadata serve --phone-home`'s config
 * (a `reporting:` webhook and `phone_home:`): the modules of its /etc/cloud/cloud.cfg, each wrapped in a
 * start and a finish event (`modules-config/config-ntp`), inside the stage's own start and finish.
 */
const CONFIG_MODULES =
  'snap ssh-import-id keyboard locale set-passwords grub-dpkg apt-pipelining apt-configure ntp timezone disable-ec2-metadata runcmd byobu'
const FINAL_MODULES =
  'package-update-upgrade-install fan landscape lxd write-files-deferred puppet chef mcollective salt-minion reset_rmc refresh_rmc_and_interface rightscale_userdata scripts-vendor scripts-per-once scripts-per-boot scripts-per-instance scripts-user ssh-authkey-fingerprints keys-to-console install-hotplug phone-home final-message power-state-change'

/** `webhook`: every event of the config and final stages and phone_home (77 callbacks a VM); `phone-home`: phone_home alone. */
const STORM_CALLBACKS = process.env['BENCH_STORM_CALLBACKS'] === 'phone-home' ? 'phone-home' : 'webhook'

/**
 * The callbacks of one VM, one at a time as cloud-init's webhook thread posts them: POST /report with
 * each event as cloudinit/reporting/events.py's as_dict(), and cc_phone_home's form POST to
 * /phone-home/$INSTANCE_ID inside its module's events. Resolves with how many were answered 200.
 */
async function provisionCallbacks(base: string, from: string, id: string, lat: number[]): Promise<number> {
  let acked = 0
  const send = async (path: string, body: string, type: string) => {
    const r = await get(base, path, from, lat, {body, type})
    if (r.status === 200) acked++
  }
  const phoneHome = () => send(`/phone-home/${id}`, `instance_id=${id}&hostname=${id}&fqdn=${id}`, 'application/x-www-form-urlencoded')
  if (STORM_CALLBACKS === 'phone-home') {
    await phoneHome()
    return acked
  }
  const event = (name: string, type: 'start' | 'finish', description: string) =>
    send(
      '/report',
      JSON.stringify({
        name,
        description,
        event_type: type,
        origin: 'cloudinit',
        timestamp: Date.now() / 1000,
        ...(type === 'finish' ? {result: 'SUCCESS'} : {}),
      }),
      'application/json',
    )
  for (const [stage, modules] of [
    ['modules-config', CONFIG_MODULES],
    ['modules-final', FINAL_MODULES],
  ] as const) {
    await event(stage, 'start', `running modules for ${stage.slice(8)}`)
    for (const m of modules.split(' ')) {
      const name = `${stage}/config-${m}`
      await event(name, 'start', `running config-${m} with frequency once-per-instance`)
      if (m === 'phone-home') await phoneHome()
      await event(name, 'finish', `config-${m} ran successfully`)
    }
    await event(stage, 'finish', `running modules for ${stage.slice(8)}`)
  }
  return acked
}

/** cloud-init 22.4 DataSourceEc2 on a non-AWS VM: discovery, version probe, user-data, recursive meta-data crawl. */
async function ec2Crawl(base: string, from: string, lat: number[]): Promise<{requests: number; instanceId: string}> {
  let n = 0
  const fetch = async (p: string) => {
    n++
    const r = await get(base, p, from, lat)
    if (r.status !== 200) throw new Error(`${from} ${p} → ${r.status}`)
    return r.body
  }
  await fetch('/2009-04-04/meta-data/instance-id')
  await fetch('/2021-03-23/meta-data/instance-id')
  const ver = '/2021-03-23'
  await fetch(`${ver}/user-data`)
  const leaves = new Map<string, string>()
  const crawl = async (url: string): Promise<void> => {
    const listing = (await fetch(url)).split('\n').filter(Boolean)
    const dirs = listing.filter((l) => l.endsWith('/'))
    const rest = listing.filter((l) => !l.endsWith('/'))
    for (const d of dirs) if (d !== 'security-credentials/') await crawl(url + d)
    for (const l of rest) {
      const key = /^(\d+)=/.exec(l)
      if (key) await crawl(`${url}${key[1]}/`)
      else leaves.set(url + l, await fetch(url + l))
    }
  }
  await crawl(`${ver}/meta-data/`)
  return {requests: n, instanceId: leaves.get(`${ver}/meta-data/instance-id`) ?? ''}
}

/**
 * A storm's server: `crawl`: the crawl alone (journal on); `durable`: crawl + callbacks, each answered
 * after the journal's group-committed fdatasync (the default); `memory`: crawl + callbacks with
 * `--data-dir none` (answered at once: nothing to make durable).
 */
type StormMode = 'crawl' | 'durable' | 'memory'

interface StormResult {
  mode: StormMode
  vms: number
  /** Every request: the crawls' GETs and the callbacks' POSTs. */
  requests: number
  perVm: number
  seconds: number
  rps: number
  /** Client latency of the crawl's GETs (connect → last byte), ms. */
  p50: number
  p99: number
  cpu: number
  hwm: number
  wrong: number
  /** Upper bounds from the server's own histogram (handler time), the crawl's GETs (every request but the callbacks), ms. */
  serverP50: number
  serverP99: number
  /** The same over every request, callbacks too, ms. */
  serverAllP99: number
  /** Callbacks sent, and answered 200 (client); accepted and answered 503 (server's /metrics). */
  callbacks: number
  acked: number
  accepted: number
  unavailable: number
  /** Client latency of the callbacks (connect → 200 read), ms. */
  ackP50: number
  ackP99: number
  /** The server's callback histogram (request → answer written, after the fdatasync), bucket bounds, ms. */
  serverAckP50: number
  serverAckP99: number
  /** Journal fdatasyncs during the storm (server's /metrics). */
  fsyncs: number
  /** VMs `done` in the server's /v1/instances afterwards. */
  done: number
}

/**
 * fdatasync on the data dir's disk, as the journal does it (a ~2 KB append, then fdatasync), `n` times: p50 and
 * p99 in ms. An acknowledgement waits for at most two of them (the one running when it arrives, then its own).
 */
function fdatasyncProbe(dir: string, n = 200): {p50: number; p99: number} {
  const file = join(dir, 'fdatasync-probe')
  const fd = openSync(file, 'a')
  const line = JSON.stringify({t: Date.now(), id: 'vm-00000', event: 'modules-final/config-phone-home', type: 'finish'}) + '\n'
  const t: number[] = []
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, line.repeat(20))
      const t0 = performance.now()
      fdatasyncSync(fd)
      t.push(performance.now() - t0)
    }
  } finally {
    closeSync(fd)
    rmSync(file, {force: true})
  }
  t.sort((a, b) => a - b)
  return {p50: pct(t, 50), p99: pct(t, 99)}
}

async function doneCount(s: Served): Promise<number> {
  return (JSON.parse(await fetchText(`${s.admin}/v1/instances`)) as {summary: {done: number}}).summary.done
}

async function bootStorm(dir: string, mode: StormMode): Promise<StormResult> {
  const file = join(dir, 'storm.yaml')
  writeFileSync(file, stringify(inventory(STORM_VMS, stormIp)))
  // --phone-home on every row: the same user-data bytes (it carries the phone_home and reporting config)
  const s = await startServe(file, ['--phone-home'], 1, mode === 'memory' ? 'none' : undefined)
  try {
    // one warm-up crawl (JIT) that is not counted
    await waitWarm(s)
    await ec2Crawl(s.url, stormIp(0), [])
    const m0 = await scrape(s)
    const cpu0 = cpuSeconds(s.pid)
    const lat: number[] = []
    const ackLat: number[] = []
    const t0 = performance.now()
    const results = await Promise.all(
      Array.from({length: STORM_VMS}, async (_, i) => {
        const crawl = await ec2Crawl(s.url, stormIp(i), lat)
        const acked = mode === 'crawl' ? 0 : await provisionCallbacks(s.url, stormIp(i), crawl.instanceId, ackLat)
        return {...crawl, acked}
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    const cpu = cpuSeconds(s.pid) - cpu0
    const m1 = await scrape(s)
    const wrong = results.filter((r, i) => r.instanceId !== `vm-${String(i).padStart(5, '0')}`).length
    const requests = results.reduce((a, r) => a + r.requests, 0) + ackLat.length
    lat.sort((a, b) => a - b)
    ackLat.sort((a, b) => a - b)
    return {
      mode,
      vms: STORM_VMS,
      requests,
      perVm: requests / STORM_VMS,
      seconds,
      rps: requests / seconds,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      cpu,
      hwm: memory(s.pid).hwm,
      wrong,
      serverP50: histQuantile(minus(m0.requests, m0.callbacks), minus(m1.requests, m1.callbacks), 50),
      serverP99: histQuantile(minus(m0.requests, m0.callbacks), minus(m1.requests, m1.callbacks), 99),
      serverAllP99: histQuantile(m0.requests, m1.requests, 99),
      callbacks: ackLat.length,
      acked: results.reduce((a, r) => a + r.acked, 0),
      accepted: m1.accepted - m0.accepted,
      unavailable: m1.unavailable - m0.unavailable,
      ackP50: pct(ackLat, 50),
      ackP99: pct(ackLat, 99),
      serverAckP50: histQuantile(m0.callbacks, m1.callbacks, 50),
      serverAckP99: histQuantile(m0.callbacks, m1.callbacks, 99),
      fsyncs: m1.fsyncs - m0.fsyncs,
      done: await doneCount(s),
    }
  } finally {
    await stop(s.proc)
  }
}

// ---------------------------------------------------------------------------------------------
interface WrkResult {
  rps: number
  p50: number
  p99: number
  requests: number
  non2xx: number
  errors: string
}

function ms(v: string, unit: string): number {
  const n = Number(v)
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n
}

/** wrk with bench/metadata.lua; `close`: every request on a new connection (Connection: close, -c64). */
async function runWrk(url: string, seconds: number, close = false): Promise<WrkResult> {
  const argv = pin(0, [
    'wrk',
    '-t1',
    close ? '-c64' : '-c256',
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    join(REPO, 'bench', 'metadata.lua'),
    url,
  ])
  const out = await new Promise<string>((resolve, reject) => {
    const env = {...process.env, NETOPS_BENCH_VMS: String(WRK_VMS), ...(close ? {NETOPS_BENCH_CLOSE: '1'} : {})}
    const p = spawn(argv[0]!, argv.slice(1), {env})
    let o = ''
    p.stdout.on('data', (d: Buffer) => (o += d.toString()))
    p.stderr.on('data', (d: Buffer) => (o += d.toString()))
    p.on('error', reject)
    p.on('close', () => resolve(o))
  })
  const lat = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out)
    return m ? ms(m[1]!, m[2]!) : NaN
  }
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
  const errors = /Socket errors:[^\n]*/.exec(out)?.[0] ?? ''
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk output:\n${out}`)
  return {rps, p50: lat('50'), p99: lat('99'), requests, non2xx, errors}
}

interface Nginx {
  proc: ChildProcess
  port: number
  pids: () => number[]
}

async function freePort(): Promise<number> {
  const {createServer} = await import('node:net')
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as {port: number}).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/** nginx (one worker on core 1 by default), its own prefix: www/<X-Forwarded-For>/<path> are the VM's documents. */
async function startNginx(dir: string, workers = 1, cores: number | string = 1): Promise<Nginx> {
  const prefix = join(dir, 'nginx')
  mkdirSync(join(prefix, 'logs'), {recursive: true})
  const port = await freePort()
  const conf = `
worker_processes ${workers};
daemon off;
user root;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${prefix}/www/$http_x_forwarded_for;
    location / { try_files $uri =404; }
  }
}
`
  writeFileSync(join(prefix, 'nginx.conf'), conf)
  const argv = pin(cores, ['nginx', '-p', prefix, '-c', join(prefix, 'nginx.conf')])
  const proc = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'inherit', 'inherit']})
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50))
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(`http://127.0.0.1:${port}/`, {agent: false}, (res) => {
        res.resume()
        resolve(true)
      })
      req.on('error', () => resolve(false))
      req.end()
    })
    if (ok) break
    if (proc.exitCode !== null) throw new Error(`nginx exited ${proc.exitCode}: ${readFileSync(join(prefix, 'logs/error.log'), 'utf8')}`)
  }
  const pids = () => {
    const master = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim())
    const kids = spawnSync('pgrep', ['-P', String(master)], {encoding: 'utf8'})
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .map(Number)
    return [master, ...kids]
  }
  return {proc, port, pids}
}

/**
 * The floor of any Node server on this core: node:net answering every request with one constant
 * 9-byte response (no parsing, no lookup). Whatever a Node server does costs more than this.
 */
const FLOOR_SERVER = `
const net = require('node:net')
const resp = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: text/plain\\r\\ncontent-length: 9\\r\\n\\r\\nvm-00001\\n')
const s = net.createServer({noDelay: true}, (c) => {
  c.on('data', (d) => { let i = -1; while ((i = d.indexOf('\\r\\n\\r\\n', i + 1)) >= 0) c.write(resp) })
  c.on('error', () => {})
})
s.listen(0, '127.0.0.1', 4096, () => console.log(s.address().port))
`

/**
 * The floor of any node:http server: `createServer((req, res) => res.end('x'))` — llhttp, the request
 * and response objects, nothing of ours. On new connections no node:http server can beat it on this core.
 */
const HTTP_FLOOR_SERVER = `
const http = require('node:http')
const s = http.createServer((req, res) => res.end('x'))
s.listen({host: '127.0.0.1', port: 0, backlog: 4096}, () => console.log(s.address().port))
`

/** Start a one-file node server on core 1 (it prints its port), run `f` against it, stop it. */
async function withNodeServer<T>(source: string, f: (url: string, pid: number) => Promise<T>): Promise<T> {
  const argv = pin(1, [process.execPath, '-e', source])
  const proc = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'inherit']})
  try {
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())))
      proc.once('exit', (code) => reject(new Error(`node server exited ${code}`)))
    })
    return await f(`http://127.0.0.1:${port}`, proc.pid!)
  } finally {
    await stop(proc)
    proc.stdout?.destroy() // a paused pipe would keep the bench alive
  }
}

async function floor(): Promise<WrkResult> {
  return withNodeServer(FLOOR_SERVER, async (url) => {
    await runWrk(url, 2)
    return runWrk(url, WRK_SECONDS)
  })
}

interface ThroughputResult {
  netops: WrkResult & {hwm: number; rssIdle: number; cpu: number; startupSeconds: number; warmSeconds: number}
  nginx: WrkResult & {workers: number; cpu: number}
  floor: WrkResult
  files: number
  sameBytes: boolean
}

/** The wrk inventory file and nginx's tree of the same documents (parts 2 and 3). */
interface WrkData {
  file: string
  files: number
}

function wrkData(dir: string): WrkData {
  const obj = inventory(WRK_VMS, wrkIp)
  const file = join(dir, 'wrk.yaml')
  writeFileSync(file, stringify(obj))
  // nginx's tree: the very bytes our server pre-renders, one file per VM and path
  const instances = inventoryFromObject(obj).instances
  let files = 0
  instances.forEach((inst, launchIndex) => {
    const docs = renderAllDocuments(inst, {launchIndex})
    for (const p of WRK_PATHS) {
      const d = docs.get(p)
      if (!d) throw new Error(`no ${p} for ${inst.id}`)
      const target = join(dir, 'nginx', 'www', inst.ip, p)
      mkdirSync(dirname(target), {recursive: true})
      writeFileSync(target, d.body)
      files++
    }
  })
  return {file, files}
}

async function throughput(dir: string, {file, files}: WrkData): Promise<ThroughputResult> {
  const t0 = performance.now()
  const s = await startServe(file, ['--trust-proxy', '127.0.0.0/8', '--trust-proxy-overlap-ok'])
  const startupSeconds = (performance.now() - t0) / 1000
  const warmSeconds = await waitWarm(s)
  let netops: ThroughputResult['netops']
  let sameBytes = true
  try {
    const rssIdle = memory(s.pid).rss // after loading and rendering every VM, before any request
    await runWrk(s.url, 2) // warm-up
    const c0 = cpuSeconds(s.pid)
    const w = await runWrk(s.url, WRK_SECONDS)
    netops = {...w, hwm: memory(s.pid).hwm, rssIdle, cpu: (cpuSeconds(s.pid) - c0) / WRK_SECONDS, startupSeconds, warmSeconds}
    // spot check: same bytes from both servers (after nginx starts below)
    const ng = await startNginx(dir)
    try {
      for (const i of [0, 1234 % WRK_VMS, WRK_VMS - 1]) {
        for (const p of WRK_PATHS) {
          const a = await getVia(s.port, p, wrkIp(i))
          const b = await getVia(ng.port, p, wrkIp(i))
          if (a !== b) sameBytes = false
        }
      }
      await stop(s.proc)
      await runWrk(`http://127.0.0.1:${ng.port}`, 2)
      const pids = ng.pids()
      const n0 = pids.reduce((a, p) => a + cpuSeconds(p), 0)
      const wn = await runWrk(`http://127.0.0.1:${ng.port}`, WRK_SECONDS)
      const n1 = pids.reduce((a, p) => a + cpuSeconds(p), 0)
      return {netops, nginx: {...wn, workers: pids.length - 1, cpu: (n1 - n0) / WRK_SECONDS}, floor: await floor(), files, sameBytes}
    } finally {
      await stop(ng.proc)
    }
  } finally {
    await stop(s.proc)
  }
}

interface NewConnectionsResult {
  one: {netops: ConnRun; nginx: ConnRun; httpFloor: ConnRun}
  two: {netops: ConnRun; nginx: ConnRun} | undefined
}

/** wrk on new connections against one server (already warm), after a 2 s warm-up. */
/** A new-connection run, with the server's CPU per answered request (µs) when its processes are given. */
type ConnRun = WrkResult & {cpuUs: number}

async function newConnectionRun(url: string, pids: () => number[] = () => []): Promise<ConnRun> {
  await runWrk(url, 2, true)
  const cpu = () => pids().reduce((a, p) => a + cpuSeconds(p), 0)
  const c0 = cpu()
  const w = await runWrk(url, WRK_SECONDS, true)
  return {...w, cpuUs: pids().length > 0 && w.requests > 0 ? ((cpu() - c0) / w.requests) * 1e6 : NaN}
}

/** Part 3: a new connection per request; one process vs one nginx worker, --workers 2 vs 2 nginx workers. */
async function newConnections(dir: string, {file}: WrkData): Promise<NewConnectionsResult> {
  // CPU per request is counted for single processes only (a worker's CPU is not in its primary's /proc stat)
  const pair = async (workers: number, cores: number | string): Promise<{netops: ConnRun; nginx: ConnRun}> => {
    const s = await startServe(
      file,
      ['--trust-proxy', '127.0.0.0/8', '--trust-proxy-overlap-ok', ...(workers > 1 ? ['--workers', String(workers)] : [])],
      cores,
    )
    let netops: ConnRun
    try {
      await waitWarm(s)
      netops = await newConnectionRun(s.url, () => (workers > 1 ? [] : [s.pid]))
    } finally {
      await stop(s.proc)
    }
    const ng = await startNginx(dir, workers, cores)
    try {
      return {netops, nginx: await newConnectionRun(`http://127.0.0.1:${ng.port}`, () => (workers > 1 ? [] : ng.pids()))}
    } finally {
      await stop(ng.proc)
    }
  }
  const one = {...(await pair(1, 1)), httpFloor: await withNodeServer(HTTP_FLOOR_SERVER, (url, pid) => newConnectionRun(url, () => [pid]))}
  return {one, two: ONLY === 'conn1' ? undefined : await pair(2, ALL_CORES)}
}

function getVia(port: number, path: string, xff: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, agent: false, headers: {'x-forwarded-for': xff}}, (res) => {
      const c: Buffer[] = []
      res.on('data', (d: Buffer) => c.push(d))
      res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(c).toString('base64')}`))
    })
    req.on('error', reject)
    req.end()
  })
}

// ---------------------------------------------------------------------------------------------
const f1 = (n: number) => n.toFixed(1)

/** Part 1b: the storm with every VM's callbacks, acked from memory and durably, beside part 1's crawl alone. */
function provisioningStorm(crawl: StormResult, mem: StormResult, durable: StormResult, disk: {p50: number; p99: number}): string[][] {
  const callbacks = STORM_CALLBACKS === 'webhook' ? 'every reporting event of the config and final stages + phone_home' : 'phone_home'
  console.log(
    `1b. provisioning storm: the same ${durable.vms} VMs, each crawling as in 1 then POSTing ${callbacks} (${f1(durable.callbacks / durable.vms)} callbacks a VM, one at a time, a new connection each)`,
  )
  const label: Record<StormMode, string> = {
    crawl: 'crawl only (part 1)',
    memory: 'crawl + callbacks, acked from memory (--data-dir none)',
    durable: 'crawl + callbacks, durable acks (journal, group commit)',
  }
  const runs = [crawl, mem, durable]
  console.log(
    table([
      [
        'server',
        'requests',
        'per VM',
        'all done in',
        'requests/s',
        'crawl p50',
        'crawl p99',
        'server crawl p50',
        'server crawl p99',
        'server all p99',
        'server CPU',
        'peak RSS',
        'wrong',
        'done',
      ],
      ...runs.map((r) => [
        label[r.mode],
        String(r.requests),
        f1(r.perVm),
        `${f2(r.seconds)} s`,
        f1(r.rps),
        `${f2(r.p50)} ms`,
        `${f2(r.p99)} ms`,
        `≤ ${r.serverP50} ms`,
        `≤ ${r.serverP99} ms`,
        `≤ ${r.serverAllP99} ms`,
        `${f2(r.cpu)} s`,
        `${f1(r.hwm)} MB`,
        String(r.wrong),
        r.mode === 'crawl' ? '-' : String(r.done),
      ]),
    ]),
  )
  console.log('')
  console.log(
    table([
      [
        'acknowledgements',
        'callbacks',
        'acked 200',
        'acks/s',
        'ack p50',
        'ack p99',
        'server p50',
        'server p99',
        'fsyncs',
        'fsyncs per ack',
        '503',
      ],
      ...[mem, durable].map((r) => [
        label[r.mode],
        String(r.callbacks),
        String(r.acked),
        f1(r.acked / r.seconds),
        `${f2(r.ackP50)} ms`,
        `${f2(r.ackP99)} ms`,
        `≤ ${r.serverAckP50} ms`,
        `≤ ${r.serverAckP99} ms`,
        r.mode === 'memory' ? '-' : String(r.fsyncs),
        r.mode === 'memory' ? '-' : (r.fsyncs / Math.max(1, r.acked)).toFixed(3),
        String(r.unavailable),
      ]),
    ]),
  )
  console.log(
    '   acks/s: callbacks answered 200 over the whole storm; ack p50/p99: client, connect → 200 read (the client is the bottleneck);',
  )
  console.log("   server crawl: the server's histogram without the callbacks (as part 1); server all: every request, callbacks too;")
  console.log(
    "   server p50/p99 (acks): the server's callback histogram, request → answer written after the journal's fdatasync, bucket bounds;",
  )
  console.log(
    '   fsyncs: netops_metadata_journal_fsyncs_total over the storm (one fdatasync acknowledges every callback that waited for it)',
  )
  console.log(
    `   fdatasync on this disk (right after the storm, 200 appends of 2 KB, one at a time): p50 ${f2(disk.p50)} ms, p99 ${f2(disk.p99)} ms; an ack waits for at most the running one, then its own, started at the end of its event-loop turn`,
  )
  console.log(
    `   durable / memory: ${f2(durable.seconds / mem.seconds)}x the time, ${f2(durable.cpu / mem.cpu)}x the server CPU, ${f2(durable.acked / durable.seconds / (mem.acked / mem.seconds))}x the acks/s — the cost of durability`,
  )
  console.log(
    `   durable / crawl only: ${f2(durable.seconds / crawl.seconds)}x the time for ${f2(durable.requests / crawl.requests)}x the requests, ${f2(durable.cpu / crawl.cpu)}x the server CPU (nginx has no callbacks: this is the comparison)\n`,
  )
  const allDurable = durable.acked === durable.callbacks && durable.accepted === durable.callbacks && durable.unavailable === 0
  return [
    ['p99 < 10 ms (provisioning storm, durable acks, server, the crawl)', `≤ ${durable.serverP99} ms`, ok(durable.serverP99 <= 10)],
    ['provisioning storm: every VM got its own data', `${durable.wrong} wrong`, ok(durable.wrong === 0)],
    [
      'provisioning storm: every callback acked 200, every VM done',
      `${durable.acked}/${durable.callbacks}, ${durable.done}/${durable.vms}`,
      ok(allDurable && durable.done === durable.vms),
    ],
    [
      'group commit: fewer fdatasyncs than acks',
      `${(durable.fsyncs / Math.max(1, durable.acked)).toFixed(3)} per ack`,
      ok(durable.fsyncs < durable.acked),
    ],
  ]
}

async function main(): Promise<void> {
  const wrkParts = ONLY === '' || ONLY === 'wrk' || ONLY === 'conn' || ONLY === 'conn1'
  if (wrkParts) {
    need('wrk', 'wrk')
    need('nginx', 'nginx-light')
  }
  if (CORES > 1) need('taskset', 'util-linux')
  const dir = mkdtempSync(join(tmpdir(), 'netops-bench-md-'))
  const cleanup = () => rmSync(dir, {recursive: true, force: true})
  process.on('SIGINT', () => {
    cleanup()
    process.exit(130)
  })
  const targets: string[][] = [['target', 'measured', '']]
  try {
    console.log(
      `netops metadata bench — node ${process.version}, ${CORES} cores; servers pinned to core 1, clients to core 0${CORES > 1 ? '' : ' (1 core: no pinning)'}\n`,
    )
    if (ONLY === '' || ONLY === 'storm' || ONLY === 'provision') {
      const s = await bootStorm(dir, 'crawl')
      console.log(`1. boot storm: ${s.vms} VMs at once, cloud-init 22.4 Ec2 crawl + user-data, a new connection per request`)
      console.log(
        table([
          [
            'requests',
            'per VM',
            'all served in',
            'requests/s',
            'client p50',
            'client p99',
            'server p50',
            'server p99',
            'server CPU',
            'server peak RSS',
            'wrong data',
          ],
          [
            String(s.requests),
            f1(s.perVm),
            `${f2(s.seconds)} s`,
            f1(s.rps),
            `${f2(s.p50)} ms`,
            `${f2(s.p99)} ms`,
            `≤ ${s.serverP50} ms`,
            `≤ ${s.serverP99} ms`,
            `${f2(s.cpu)} s (${Math.round((s.cpu / s.seconds) * 100)} %)`,
            `${f1(s.hwm)} MB`,
            String(s.wrong),
          ],
        ]),
      )
      console.log(
        `   client latency: connect to last byte, seen by the ${s.vms} simulated VMs (one node process on core 0, itself the bottleneck);`,
      )
      console.log("   server latency: the server's own histogram (request parsed → answer written), bucket bounds.\n")
      targets.push(
        ['p99 < 10 ms (boot storm, server)', `≤ ${s.serverP99} ms`, ok(s.serverP99 <= 10)],
        ['every storm VM got its own data', `${s.wrong} wrong`, ok(s.wrong === 0)],
      )
      if (ONLY !== 'storm') {
        const mem = await bootStorm(dir, 'memory')
        const durable = await bootStorm(dir, 'durable')
        targets.push(...provisioningStorm(s, mem, durable, fdatasyncProbe(dir)))
      }
    }
    const data = wrkParts ? wrkData(dir) : undefined
    if (data && (ONLY === '' || ONLY === 'wrk')) {
      const t = await throughput(dir, data)
      const ratio = t.netops.rps / t.nginx.rps
      console.log(
        `2. throughput: wrk -t1 -c256 -d${WRK_SECONDS}s, ${WRK_VMS} instances, X-Forwarded-For rotated per request over ${WRK_VMS} VMs × ${WRK_PATHS.length} paths (${t.files} files for nginx)`,
      )
      console.log(
        table([
          ['server', 'requests/s', 'p50', 'p99', 'non-2xx', 'CPU (cores)', 'peak RSS'],
          [
            'netops metadata serve',
            f1(t.netops.rps),
            `${f2(t.netops.p50)} ms`,
            `${f2(t.netops.p99)} ms`,
            String(t.netops.non2xx),
            f2(t.netops.cpu),
            `${f1(t.netops.hwm)} MB`,
          ],
          [
            `nginx (${t.nginx.workers} worker)`,
            f1(t.nginx.rps),
            `${f2(t.nginx.p50)} ms`,
            `${f2(t.nginx.p99)} ms`,
            String(t.nginx.non2xx),
            f2(t.nginx.cpu),
            '-',
          ],
          [
            'floor: node:net, constant answer',
            f1(t.floor.rps),
            `${f2(t.floor.p50)} ms`,
            `${f2(t.floor.p99)} ms`,
            String(t.floor.non2xx),
            '-',
            '-',
          ],
        ]),
      )
      console.log(
        '   floor: a Node server that parses nothing and writes one constant 9-byte answer per request — no Node server can beat it on this core',
      )
      console.log(`   netops/nginx requests/s: ${f2(ratio)}; same bytes from both: ${t.sameBytes ? 'yes' : 'NO'}`)
      console.log(
        `   netops with ${WRK_VMS} instances: listening after ${f2(t.netops.startupSeconds)} s, every VM's documents rendered ${f2(t.netops.warmSeconds)} s later; RSS then ${f1(t.netops.rssIdle)} MB`,
      )
      console.log(
        `   (at 256 connections, p99 ≥ 256 / requests/s by Little's law: ${f2((256 / t.netops.rps) * 1000)} ms for netops, ${f2((256 / t.nginx.rps) * 1000)} ms for nginx)`,
      )
      if (t.netops.errors || t.nginx.errors)
        console.log(`   wrk: netops ${t.netops.errors || 'no socket errors'}; nginx ${t.nginx.errors || 'no socket errors'}`)
      targets.push(
        ['requests/s ≥ 50 % of nginx', `${Math.round(ratio * 100)} %`, ok(ratio >= 0.5)],
        ['p99 < 10 ms (wrk, 256 connections)', `${f2(t.netops.p99)} ms`, ok(t.netops.p99 < 10)],
        [`peak RSS < 200 MB (${WRK_VMS} instances)`, `${f1(t.netops.hwm)} MB`, ok(t.netops.hwm < 200)],
        ['wrk: all 2xx, same bytes as nginx', `${t.netops.non2xx} non-2xx`, ok(t.netops.non2xx === 0 && t.sameBytes)],
      )
    }
    if (data && (ONLY === '' || ONLY === 'conn' || ONLY === 'conn1')) {
      const c = await newConnections(dir, data)
      console.log(
        `\n3. new connections: wrk -t1 -c64 -d${WRK_SECONDS}s, Connection: close on every request (cloud-init's pattern), same ${WRK_VMS} instances and paths`,
      )
      const r1 = c.one.netops.rps / c.one.nginx.rps
      const rf = c.one.httpFloor.rps / c.one.nginx.rps
      const row = (name: string, w: ConnRun, ratio: string) => [
        name,
        f1(w.rps),
        `${f2(w.p50)} ms`,
        `${f2(w.p99)} ms`,
        String(w.non2xx),
        Number.isFinite(w.cpuUs) ? `${f1(w.cpuUs)} µs` : '-',
        ratio,
      ]
      const rows = [
        ['server', 'requests/s', 'p50', 'p99', 'non-2xx', 'CPU per request', 'x nginx'],
        row('netops metadata serve (1 process, core 1)', c.one.netops, f2(r1)),
        row('nginx (1 worker, core 1)', c.one.nginx, ''),
        row("floor: node:http, res.end('x') (core 1)", c.one.httpFloor, f2(rf)),
      ]
      const two = c.two
      if (two) {
        rows.push(
          row(`netops metadata serve --workers 2 (cores ${ALL_CORES})`, two.netops, f2(two.netops.rps / two.nginx.rps)),
          row(`nginx (2 workers, cores ${ALL_CORES})`, two.nginx, ''),
        )
      }
      console.log(table(rows))
      console.log(
        "   floor: node:http answering every request with res.end('x') (nothing of ours) — no node:http server can beat it on this core",
      )
      console.log(
        `   netops / floor: ${f2(c.one.netops.rps / c.one.httpFloor.rps)} in requests/s, ${f2(c.one.httpFloor.cpuUs / c.one.netops.cpuUs)} in CPU per request (server utime + stime / answers; steadier than requests/s when the machine is busy)`,
      )
      console.log('   wrk runs on core 0 throughout: with 2 workers the servers share that core with it')
      const runs = [c.one.netops, c.one.nginx, c.one.httpFloor, ...(two ? [two.netops, two.nginx] : [])]
      const errs = runs.map((w) => w.errors).filter(Boolean)
      if (errs.length) console.log(`   wrk: ${errs.join('; ')}`)
      const non2xx = c.one.netops.non2xx + (two?.netops.non2xx ?? 0)
      targets.push(['new connections: ≥ 0.8x one nginx worker', `${f2(r1)}x`, ok(r1 >= 0.8)])
      if (two) {
        const r2 = two.netops.rps / two.nginx.rps
        targets.push(['new connections, --workers 2: ≥ 0.8x nginx with 2 workers', `${f2(r2)}x`, ok(r2 >= 0.8)])
      }
      targets.push(['new connections: all 2xx', `${non2xx} non-2xx`, ok(non2xx === 0)])
    }
    if (ONLY === '' || ONLY === 'fleet') targets.push(...(await fleetBench()))
    console.log('\ntargets')
    console.log(table(targets))
  } finally {
    cleanup()
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
