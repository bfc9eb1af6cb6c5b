import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderServeStartup, type ServeStartup} from '../../src/cli/render/metadata.js'
import {UsageError} from '../../src/errors.js'
import {NAMESPACE_PATTERN, RESERVED_NAMESPACES} from '../../src/metadata/flavors/custom.js'
import {
  closeServer,
  createMetadataServer,
  createPasswordServer,
  createResolver,
  exampleInventoryPath,
  formatIssue,
  listen,
  loadInventory,
  MemoryStore,
  type PasswordServer,
} from '../../src/metadata/index.js'
import {CidrSet, parseListen} from '../../src/metadata/net.js'

/** How long in-flight requests may take to finish after Ctrl-C / SIGTERM. */
const DRAIN_MS = 5000

export default class MetadataServe extends BaseCommand {
  static override summary = 'serve cloud-init metadata (EC2, OpenStack, NoCloud, CloudStack) to every VM at once, by source address'
  static override description = `Loads and validates the inventory, pre-renders every VM's documents (a request is an
in-memory lookup) and serves all flavours on one port: EC2 (/, /2009-04-04 … /latest, IMDSv2 tokens),
OpenStack (/openstack/…), NoCloud (/nocloud/), CloudStack (/latest/ + the password server) and an optional
custom namespace. A VM is known by the address it asks from; an unknown address gets 404 and is logged as
an unknown requester. One JSON log line per request goes to stderr (never user-data, keys, passwords or
tokens). SIGHUP reloads the inventory (an invalid file keeps the old one); Ctrl-C / SIGTERM drain.

Without --inventory the built-in example inventory is served (and it says so). With --json, a startup
document is printed on stdout once listening.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --listen 0.0.0.0:8807',
    '<%= config.bin %> <%= command.id %> --inventory inventory.d/ --namespace nsfocus --cloudstack-password-port off',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --trust-proxy 10.0.0.0/24 --imdsv2 required --json',
  ]

  static override flags = {
    inventory: Flags.string({description: 'inventory YAML file or directory (default: the built-in example inventory)'}),
    listen: Flags.string({default: '0.0.0.0:8807', description: 'HOST:PORT to listen on (PORT 0 = any free port)'}),
    namespace: Flags.string({description: 'also serve /NAME/latest/meta_data.json and /NAME/latest/user_data'}),
    'trust-proxy': Flags.string({multiple: true, description: 'CIDR of a proxy whose X-Forwarded-For is honoured (repeatable)'}),
    'proxy-shared-secret': Flags.string({
      env: 'NETOPS_METADATA_PROXY_SECRET',
      noCacheDefault: true,
      description: 'honour neutron-style X-Instance-ID + X-Instance-ID-Signature (HMAC-SHA256) signed with this secret',
    }),
    imdsv2: Flags.option({options: ['optional', 'required'] as const, default: 'optional' as const, description: 'IMDSv2 tokens: optional (default) or required on EC2 paths'})(),
    'cloudstack-password-port': Flags.string({default: '8080', description: 'port of the CloudStack password server, or off'}),
    quiet: Flags.boolean({default: false, description: 'no per-request log lines'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(MetadataServe)
    const where = parseListen(flags.listen)
    if (!where) throw new UsageError(`--listen ${flags.listen} is not HOST:PORT`, {suggestions: ['e.g. --listen 0.0.0.0:8807, --listen 127.0.0.1:0 or --listen [::]:8807']})
    const ns = flags.namespace
    if (ns !== undefined && (!NAMESPACE_PATTERN.test(ns) || RESERVED_NAMESPACES.includes(ns))) {
      throw new UsageError(`--namespace ${ns} cannot be used`, {suggestions: ['lower-case letters, digits, - and _, starting with a letter; not openstack, nocloud, latest or an EC2 version']})
    }
    let pwPort: number | undefined
    if (flags['cloudstack-password-port'] !== 'off') {
      pwPort = Number(flags['cloudstack-password-port'])
      if (!Number.isInteger(pwPort) || pwPort < 0 || pwPort > 65535) {
        throw new UsageError(`--cloudstack-password-port ${flags['cloudstack-password-port']} is not a port`, {suggestions: ['a port number (8080) or off']})
      }
    }
    const trustProxy = flags['trust-proxy'] ?? []
    try {
      new CidrSet(trustProxy)
    } catch (err) {
      throw new UsageError(`--trust-proxy: ${(err as Error).message}`, {suggestions: ['e.g. --trust-proxy 10.0.0.0/24 --trust-proxy 127.0.0.1']})
    }

    const builtIn = flags.inventory === undefined
    const source = flags.inventory ?? exampleInventoryPath()
    if (builtIn) this.warnLine(`no --inventory: serving the built-in example inventory (${source}); try: curl --interface 127.0.0.11 http://127.0.0.1:${where.port}/latest/meta-data/`)
    const inv = await loadInventory(source)
    for (const w of inv.warnings) this.warnLine(formatIssue(w))
    const store = new MemoryStore(inv.instances)
    const secret = flags['proxy-shared-secret']
    const resolver = createResolver({trustProxy, ...(secret ? {proxySharedSecret: secret} : {})})
    const log = flags.quiet ? undefined : (entry: object) => process.stderr.write(JSON.stringify(entry) + '\n')
    const server = createMetadataServer({store, resolver, imdsv2: flags.imdsv2, ...(ns ? {namespace: ns} : {}), ...(log ? {logger: log} : {})})
    const addr = await listen(server, where.host, where.port)
    let pw: PasswordServer | undefined
    let pwAddr: {port: number} | undefined
    if (pwPort !== undefined) {
      pw = createPasswordServer({store, resolver, ...(log ? {logger: log} : {})})
      try {
        pwAddr = await listen(pw, where.host, pwPort)
      } catch (err) {
        await closeServer(server)
        throw err
      }
    }
    const hp = (port: number) => `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`
    const url = hp(addr.port)
    const startup: ServeStartup = {
      listening: {metadata: url, password: pwAddr ? hp(pwAddr.port) : null},
      inventory: {source, builtIn, files: inv.files, instances: inv.instances.length},
      namespace: ns ?? null,
      imdsv2: flags.imdsv2,
      trustProxy,
      signedProxyHeaders: Boolean(secret),
      paths: {
        ec2: `${url}/latest/meta-data/ (and /2009-04-04, /2016-09-02, /2018-09-24, /2021-03-23)`,
        openstack: `${url}/openstack/latest/meta_data.json`,
        nocloud: `${url}/nocloud/`,
        cloudstack: `${url}/latest/meta-data/availability-zone`,
        ...(ns ? {custom: `${url}/${ns}/latest/meta_data.json`} : {}),
      },
      pid: process.pid,
    }
    if (this.jsonEnabled()) this.logJson(startup)
    else this.render(renderServeStartup, startup)

    // lifecycle notes go to stderr in human and --json mode alike (stdout carries only the startup document)
    const note = (text: string) => process.stderr.write(text + '\n')
    await new Promise<void>((resolve) => {
      const stop = async (signal: string) => {
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        process.off('SIGHUP', onHup)
        note(`${signal}: draining in-flight requests (up to ${DRAIN_MS / 1000} s)…`)
        const force = setTimeout(() => {
          server.closeAllConnections()
          pw?.closeAllConnections()
        }, DRAIN_MS)
        force.unref()
        await Promise.all([closeServer(server), pw ? closeServer(pw) : Promise.resolve()])
        clearTimeout(force)
        const stats = server.metadata.stats()
        const unknown = Object.entries(stats.unknownRequesters)
        note(`served ${stats.requests} requests; ${unknown.length} unknown requester${unknown.length === 1 ? '' : 's'}${unknown.length ? `: ${unknown.slice(0, 10).map(([ip, n]) => `${ip} (${n})`).join(', ')}` : ''}`)
        resolve()
      }
      const onInt = () => void stop('SIGINT')
      const onTerm = () => void stop('SIGTERM')
      const onHup = () => {
        loadInventory(source).then(
          (next) => {
            store.replace(next.instances)
            note(`SIGHUP: reloaded ${next.instances.length} instances from ${source}`)
          },
          (err: Error) => this.warnLine(`SIGHUP: reload failed, still serving the previous inventory: ${err.message}`),
        )
      }
      process.on('SIGINT', onInt)
      process.on('SIGTERM', onTerm)
      process.on('SIGHUP', onHup)
    })
  }
}
