import {Flags, type Interfaces} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {serveStoreFlags, storeConnection} from '../../src/cli/store-flags.js'
import {UsageError} from '../../src/errors.js'
import {openReplica, replicaName, type ReplicaSetup} from '../../src/metadata/replica.js'
import {renderReloadLogLine, renderServeStartup} from '../../src/cli/render/metadata.js'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {
  adminListenFlag,
  checkAdminListen,
  isAddress,
  listenFlag,
  namespaceFlag,
  passwordPortFlag,
  trustProxyFlag,
} from '../../src/cli/metadata-flags.js'
import {
  DEFAULT_ADMIN_LISTEN,
  DEFAULT_CALLBACK_BASE,
  DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
  DEFAULT_SEND_TIMEOUT_MS,
  defaultMaxConnections,
  exampleInventoryPath,
  readSoftFdLimit,
  formatIssue,
  loadInventoryIsolated,
  queueEarlySignals,
  rejectedJournalNote,
  runUntilSignal,
  serveStartup,
  startWithFallbacks,
  type EarlySignals,
  type ReloadResult,
  type StartMetadataServerOptions,
} from '../../src/metadata/index.js'

/** ${XDG_STATE_HOME:-~/.local/state}/netops/metadata: where provisioning progress is kept. */
function defaultDataDir(): string {
  return join(process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'netops', 'metadata')
}

/** How long in-flight requests may take to finish after Ctrl-C / SIGTERM. */
const DRAIN_MS = 5000

/** The SIGHUP bin/run.js kept while the CLI was loading (see there): whether one came; it stops listening. */
function takeLoadingSighup(): boolean {
  const key = Symbol.for('netops.loading-sighup')
  const kept = (globalThis as Record<symbol, {hup: boolean; onHup: () => void} | undefined>)[key]
  if (kept === undefined) return false
  process.off('SIGHUP', kept.onHup)
  delete (globalThis as Record<symbol, unknown>)[key]
  return kept.hup
}

export default class MetadataServe extends BaseCommand {
  static override summary = 'serve cloud-init metadata (EC2, OpenStack, NoCloud, CloudStack) to every VM at once, by source address'
  static override description = `Loads and validates the inventory, pre-renders every VM's documents (a request is an
in-memory lookup) and serves all flavours on one port: EC2 (/, /2009-04-04 … /latest, IMDSv2 tokens),
OpenStack (/openstack/…), NoCloud (/nocloud/), CloudStack (/latest/ + the password server) and an optional
custom namespace. A VM is known by the address it asks from; an unknown address gets 404 and is logged as
an unknown requester. One JSON log line per request goes to stderr (never user-data, keys, passwords or
tokens). The inventory is reloaded when its file changes (--no-watch to turn off) and on SIGHUP: the swap is
atomic, a VM mid-crawl finishes on the data it started with, an invalid inventory is refused with
file:line:column and the previous one keeps serving; each reload is logged as a JSON line. Ctrl-C /
SIGTERM drain.

Provisioning progress (first request, meta-data, user-data, vendor-data, done) is kept per VM in
--data-dir and served with /healthz and Prometheus /metrics on the admin listener (--admin-listen,
loopback only); see \`netops metadata status\`. --phone-home makes cloud-init report "done" (phone_home)
and its progress events (reporting webhook) to POST /phone-home/$INSTANCE_ID and /report, accepted
only from the VM's own address.

Without --inventory the built-in example inventory is served (and it says so). With --json, a startup
document is printed on stdout once listening.

With --store (or NETOPS_METADATA_STORE) the server is a replica: it serves the inventory published in etcd
with \`netops metadata inventory push\` and follows it (an etcd watch; each new generation is swapped in as a
whole, logged as a reload with trigger "store"). When etcd is unreachable it keeps serving its last
generation, /healthz says degraded, and it reconnects on its own. --store-cache DIR lets it start while etcd
is down.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --listen 0.0.0.0:8807',
    '<%= config.bin %> <%= command.id %> --inventory inventory.d/ --namespace nsfocus --cloudstack-password-port off',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --trust-proxy 10.0.0.0/24 --imdsv2 required --json',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --phone-home --admin-listen 127.0.0.1:8808 --data-dir /var/lib/netops/metadata',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --workers 2',
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --store-cache /var/cache/netops --listen 169.254.169.254:80',
  ]

  static override flags = {
    inventory: Flags.string({description: 'inventory YAML file or directory (default: the built-in example inventory)'}),
    listen: listenFlag({default: '0.0.0.0:8807', description: 'HOST:PORT to listen on (PORT 0 = any free port)'}),
    namespace: namespaceFlag({description: 'also serve /NAME/latest/meta_data.json and /NAME/latest/user_data'}),
    'trust-proxy': trustProxyFlag({description: 'CIDR of a proxy whose X-Forwarded-For is honoured (repeatable)'}),
    'trust-proxy-overlap-ok': Flags.boolean({
      default: false,
      description:
        "allow a --trust-proxy CIDR that covers a VM's own address (refused otherwise, at start and at reload: that VM's X-Forwarded-For would be believed)",
    }),
    'proxy-shared-secret': Flags.string({
      env: 'NETOPS_METADATA_PROXY_SECRET',
      noCacheDefault: true,
      description: 'honour neutron-style X-Instance-ID + X-Instance-ID-Signature (HMAC-SHA256) signed with this secret',
    }),
    imdsv2: Flags.option({
      options: ['optional', 'required'] as const,
      default: 'optional' as const,
      description: 'IMDSv2 tokens: optional (default) or required on EC2 paths',
    })(),
    'cloudstack-password-port': passwordPortFlag({default: '8080', description: 'port of the CloudStack password server, or off'}),
    quiet: Flags.boolean({default: false, description: 'no per-request log lines'}),
    watch: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'reload the inventory when the file (or a file in the directory) changes; SIGHUP always reloads',
    }),
    'admin-listen': adminListenFlag({
      default: DEFAULT_ADMIN_LISTEN,
      description: 'HOST:PORT of the admin API (progress JSON, /healthz, /metrics), loopback only; off to disable',
    }),
    'admin-listen-public': Flags.boolean({
      default: false,
      description: 'allow a non-loopback --admin-listen (a management network the VMs cannot reach)',
    }),
    'data-dir': Flags.string({
      description: 'where provisioning progress is kept across restarts (default ~/.local/state/netops/metadata; none = memory only)',
    }),
    'reset-progress': Flags.boolean({default: false, description: 'forget the progress kept in --data-dir (a new rollout)'}),
    'phone-home': Flags.boolean({
      default: false,
      description:
        "add cloud-init phone_home and a reporting webhook to every VM's vendor-data (OpenStack, NoCloud) and to cloud-init user-data on the EC2 / CloudStack paths, so the server learns when each VM is done",
    }),
    workers: Flags.integer({
      default: 1,
      min: 1,
      max: 64,
      description:
        'processes answering metadata requests (node:cluster, one shared listening socket). 1 serves from this process; use more only when one core is not enough for the server (a boot storm of thousands of VMs on a host with spare cores): the inventory, reloads, progress journal, admin API and password server stay in the main process',
    }),
    'callback-url': Flags.string({
      default: DEFAULT_CALLBACK_BASE,
      description: 'base URL the VMs use for phone-home / reporting (the metadata address they already reach)',
    }),
    'max-connections': Flags.integer({
      min: 1,
      description:
        'connections held at once; beyond it a new one is closed at accept (default: the soft ulimit -n less 64, at least 16; per worker with --workers)',
    }),
    'max-connections-per-client': Flags.integer({
      min: 1,
      default: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
      description: 'connections one client address holds at once (a --trust-proxy address is not limited)',
    }),
    'send-timeout': Flags.integer({
      min: 1,
      default: DEFAULT_SEND_TIMEOUT_MS / 1000,
      description: 'seconds a client may leave an answer unread (takes none of its bytes) before its connection is cut',
    }),
    ...serveStoreFlags,
  }

  async run(): Promise<void> {
    // a SIGHUP while starting (or while the CLI was loading: bin/run.js kept it) reloads once serving, instead of ending the process
    const early = queueEarlySignals(process, takeLoadingSighup)
    try {
      await this.startServing(early)
    } finally {
      early.release()
    }
  }

  private async startServing(early: EarlySignals): Promise<void> {
    const {flags, raw} = await this.parse(MetadataServe)
    const given = (name: string) => raw.some((t) => t.type === 'flag' && t.flag === name)
    if (flags.store) {
      const refuse = (flag: string) =>
        new UsageError(`${flag} cannot be used with --store: a replica serves the inventory published in etcd`, {
          suggestions: ['publish with netops metadata inventory push --store URL --inventory FILE'],
        })
      if (flags.inventory !== undefined) throw refuse('--inventory')
      if (given('watch')) throw refuse('--watch / --no-watch')
    }
    const where = flags.listen
    if (flags['admin-listen']) checkAdminListen(flags['admin-listen'], flags['admin-listen-public'])
    const note = (text: string) => process.stderr.write(text + '\n')
    const replica: ReplicaSetup | undefined = flags.store
      ? await openReplica({
          connection: storeConnection({...flags, store: flags.store}),
          replica: replicaName(flags['replica-name']),
          cacheDir: flags['store-cache'],
          listen: `${where.host}:${where.port}`,
          note,
        })
      : undefined
    try {
      await this.serve(flags, replica, note, early)
    } finally {
      await replica?.close()
    }
  }

  private async serve(
    flags: Interfaces.InferredFlags<typeof MetadataServe.flags>,
    replica: ReplicaSetup | undefined,
    note: (text: string) => void,
    early: EarlySignals,
  ) {
    const where = flags.listen
    const admin = flags['admin-listen'] || undefined
    const trustProxy = flags['trust-proxy'] ?? []
    const ns = flags.namespace
    const pwPort = flags['cloudstack-password-port'] === false ? undefined : flags['cloudstack-password-port']
    const builtIn = flags.inventory === undefined && !replica
    const source = replica ? `${flags.store?.text ?? ''} ${flags['store-prefix']}` : (flags.inventory ?? exampleInventoryPath())
    if (builtIn)
      this.warnLine(
        `no --inventory: serving the built-in example inventory (${source}); try: curl --interface 127.0.0.11 http://127.0.0.1:${where.port}/latest/meta-data/`,
      )
    const inv = replica ? undefined : await loadInventoryIsolated(source) // parsed in a child: the YAML peak is not the server's
    for (const w of inv?.warnings ?? []) this.warnLine(formatIssue(w))
    if (replica) note(replica.progress.note)

    // the default admin listener, when busy, is dropped (anything asked for fails as usual)
    const adminDefault = isAddress(admin, DEFAULT_ADMIN_LISTEN)
    // progress store: one server per data dir; the default dir, when busy, falls back to memory
    const dataDirDefault = flags['data-dir'] === undefined
    // store mode: progress is the replica's (replicaProgress), not a journal in --data-dir
    const dataDir = replica || flags['data-dir'] === 'none' ? undefined : (flags['data-dir'] ?? defaultDataDir())
    const secret = flags['proxy-shared-secret']
    const log = flags.quiet ? undefined : (entry: object) => process.stderr.write(JSON.stringify(entry) + '\n')
    const onReload = (r: ReloadResult) => {
      process.stderr.write(renderReloadLogLine(r, new Date()) + '\n')
      if (r.ok && r.generation !== undefined) replica?.announce({generation: r.generation})
      if (!r.ok) this.warnLine(`${r.trigger}: inventory refused, still serving the previous ${r.instances} instances:\n${r.error ?? ''}`)
    }
    const options: StartMetadataServerOptions = {
      ...(replica ? {store: replica.store, ...replica.progress.options} : {inventory: source, ...(inv ? {loaded: inv} : {})}),
      isolatedLoad: true,
      host: where.host,
      port: where.port,
      trustProxy,
      ...(flags['trust-proxy-overlap-ok'] ? {trustProxyOverlapOk: true} : {}),
      ...(secret ? {proxySharedSecret: secret} : {}),
      imdsv2: flags.imdsv2,
      ...(ns ? {namespace: ns} : {}),
      ...(pwPort === undefined ? {} : {passwordPort: pwPort}),
      ...(log ? {logger: log, passwordLogger: log} : {}),
      watch: flags.watch && !replica,
      onReload,
      ...(dataDir === undefined ? {} : {dataDir, resetProgress: flags['reset-progress']}),
      ...(flags['phone-home'] ? {phoneHome: flags['callback-url']} : {}),
      ...(admin ? {admin} : {}),
      ...(flags.workers > 1 ? {workers: flags.workers} : {}),
      maxConnections: flags['max-connections'] ?? defaultMaxConnections(readSoftFdLimit()),
      maxConnectionsPerClient: flags['max-connections-per-client'],
      sendTimeoutMs: flags['send-timeout'] * 1000,
      note,
    }
    const run = await startWithFallbacks(options, {
      dataDirIsDefault: dataDirDefault,
      adminIsDefault: adminDefault,
      warn: (line) => this.warnLine(line),
    })
    const restored = run.started.progress.recovered.records
    if (restored > 0) note(`progress: ${restored} VMs' progress restored from ${replica ? 'the store' : (run.dataDir ?? '')}`)
    const {rejectedLines, rejectedFile} = run.started.progress.recovered
    if (rejectedFile !== undefined) note(rejectedJournalNote(rejectedLines, rejectedFile))
    replica?.announce({listen: `${where.host}:${run.started.port}`, generation: run.started.store?.start.generation ?? null})
    const startup = serveStartup(run, {...options, source, builtIn, pid: process.pid})
    if (this.jsonEnabled()) this.logJson(startup)
    else this.render(renderServeStartup, startup)

    // lifecycle notes go to stderr in human and --json mode alike (stdout carries only the startup document)
    await runUntilSignal(run.started, {drainMs: DRAIN_MS, note, early})
  }
}
