import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderStatus, renderStatusChanges, renderStatusFrame, renderWatchSummary} from '../../src/cli/render/metadata.js'
import {storeConnection, storeFlags} from '../../src/cli/store-flags.js'
import {fetchStatus, watchStatus, type AnyStatusView} from '../../src/metadata/admin/client.js'
import {StoreConnection} from '../../src/metadata/store/connection.js'
import {FleetStatusFollower, readFleetStatus} from '../../src/metadata/store/fleet-status.js'
import {parseStoreUrl, type StoreUrl} from '../../src/metadata/store/url.js'
import {EXIT_CODES} from '../../src/errors.js'

export default class MetadataStatus extends BaseCommand {
  static override summary = 'show which VMs asked for their metadata, got their user-data and finished provisioning'
  static override description = `Reads the admin API of a running \`netops metadata serve\` (--admin-listen, default
127.0.0.1:8808) and prints one row per VM that asked: address, state (booting, done, failed), its last step
(first request, meta-data, user-data, vendor-data, a cloud-init reporting event, phone-home), when, and how
long it has taken since its first request. VMs of the inventory that never asked, and addresses that asked
but are in no record, are listed apart. "done" needs cloud-init's phone_home or its reporting webhook:
start the server with --phone-home.

With --store (or NETOPS_METADATA_STORE) it reads the etcd store instead: the published inventory and the
progress every replica wrote, merged per VM (a VM whose requests reached several replicas is one VM), with
the REPLICA(s) that served each VM and the live replicas. --watch then follows the etcd watch.

--watch redraws the page every --interval seconds until every VM is done or failed (exit 0, or 10 when
any failed) or --timeout passes (exit 8); when stdout is not a terminal it prints one line per change instead. --json prints the list.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --admin http://127.0.0.1:8808 --json',
    '<%= config.bin %> <%= command.id %> --watch --timeout 900',
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --watch',
  ]

  static override flags = {
    admin: Flags.string({
      default: 'http://127.0.0.1:8808',
      env: 'NETOPS_METADATA_ADMIN',
      description: 'URL of the admin API of netops metadata serve',
    }),
    ...storeFlags,
    store: Flags.custom<StoreUrl>({
      parse: (input) => new Promise<StoreUrl>((resolve) => resolve(parseStoreUrl(input))),
      env: 'NETOPS_METADATA_STORE',
      description: 'read the fleet from this etcd cluster instead of one server: etcd://HOST:PORT[,HOST:PORT...]',
    })(),
    watch: Flags.boolean({default: false, description: 'keep redrawing until every VM is done or --timeout'}),
    timeout: Flags.integer({min: 1, default: 600, description: 'with --watch: give up after this many seconds (exit 8)'}),
    interval: Flags.integer({min: 1, default: 2, description: 'with --watch: seconds between refreshes'}),
  }

  async run(): Promise<AnyStatusView> {
    const {flags} = await this.parse(MetadataStatus)
    const store = flags.store
    if (store === undefined) {
      const get = () => fetchStatus(flags.admin, {timeoutMs: 5000})
      const first = await get()
      if (!flags.watch) return this.shown(first)
      return this.watched(flags, first, async (ms) => {
        await new Promise((r) => setTimeout(r, ms))
        return get()
      })
    }
    const conn = new StoreConnection(storeConnection({...flags, store}))
    try {
      const warn = (line: string) => this.warn(line)
      if (!flags.watch) return this.shown(await readFleetStatus(conn, store.text, Date.now, warn))
      const follower = await FleetStatusFollower.open(conn, store.text, Date.now, warn)
      try {
        return await this.watched(flags, follower.view(), async (ms) => {
          await follower.next(ms)
          return follower.view()
        })
      } finally {
        await follower.close()
      }
    } finally {
      conn.close()
    }
  }

  private shown(view: AnyStatusView): AnyStatusView {
    this.render(renderStatus, view)
    return view
  }

  private async watched(
    flags: {timeout: number; interval: number},
    first: AnyStatusView,
    next: (waitMs: number) => Promise<AnyStatusView>,
  ): Promise<AnyStatusView> {
    const tty = Boolean(process.stdout.isTTY)
    let prev: AnyStatusView | undefined
    const view = await watchStatus({
      first,
      next,
      draw: (v) => {
        this.render((x) => (tty ? renderStatusFrame(x) : renderStatusChanges(prev, x)), v)
        prev = v
      },
      timeoutMs: flags.timeout * 1000,
      intervalMs: flags.interval * 1000,
    })
    if (!tty) this.render(renderWatchSummary, view)
    if (view.summary.failed > 0) {
      process.exitCode = EXIT_CODES.partial
      this.warnLine(
        `${view.summary.failed} VM${view.summary.failed === 1 ? '' : 's'} reported a cloud-init failure (exit ${EXIT_CODES.partial})`,
      )
    }
    return view
  }
}
