import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderStatus, renderStatusChanges, renderStatusFrame, renderWatchSummary} from '../../src/cli/render/metadata.js'
import {fetchStatus, type StatusView} from '../../src/metadata/admin/client.js'
import {EXIT_CODES, ProvisioningTimeoutError} from '../../src/errors.js'

export default class MetadataStatus extends BaseCommand {
  static override summary = 'show which VMs asked for their metadata, got their user-data and finished provisioning'
  static override description = `Reads the admin API of a running \`netops metadata serve\` (--admin-listen, default
127.0.0.1:8808) and prints one row per VM that asked: address, state (booting, done, failed), its last step
(first request, meta-data, user-data, vendor-data, a cloud-init reporting event, phone-home), when, and how
long it has taken since its first request. VMs of the inventory that never asked, and addresses that asked
but are in no record, are listed apart. "done" needs cloud-init's phone_home or its reporting webhook:
start the server with --phone-home.

--watch redraws the page every --interval seconds until every VM is done or failed (exit 0, or 10 when
any failed) or --timeout passes (exit 8); when stdout is not a terminal it prints one line per change instead. --json prints the list.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --admin http://127.0.0.1:8808 --json',
    '<%= config.bin %> <%= command.id %> --watch --timeout 900',
  ]

  static override flags = {
    admin: Flags.string({
      default: 'http://127.0.0.1:8808',
      env: 'NETOPS_METADATA_ADMIN',
      description: 'URL of the admin API of netops metadata serve',
    }),
    watch: Flags.boolean({default: false, description: 'keep redrawing until every VM is done or --timeout'}),
    timeout: Flags.integer({min: 1, default: 600, description: 'with --watch: give up after this many seconds (exit 8)'}),
    interval: Flags.integer({min: 1, default: 2, description: 'with --watch: seconds between refreshes'}),
  }

  async run(): Promise<StatusView> {
    const {flags} = await this.parse(MetadataStatus)
    const get = () => fetchStatus(flags.admin, {timeoutMs: 5000})
    let view = await get()
    if (!flags.watch) {
      this.render(renderStatus, view)
      return view
    }
    const deadline = Date.now() + flags.timeout * 1000
    const tty = Boolean(process.stdout.isTTY)
    let prev: StatusView | undefined
    const draw = () => {
      this.render((v) => (tty ? renderStatusFrame(v) : renderStatusChanges(prev, v)), view)
      prev = view
    }
    draw()
    const finished = (v: StatusView) => v.total > 0 && v.provisioned + v.summary.failed === v.total
    while (!finished(view) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(flags.interval * 1000, Math.max(0, deadline - Date.now()))))
      view = await get()
      draw()
    }
    if (!finished(view)) {
      throw new ProvisioningTimeoutError(`${view.provisioned}/${view.total} provisioned after ${flags.timeout} s`, {
        suggestions: [
          'VMs still booting or never asked are listed by: netops metadata status',
          'raise --timeout, or check the consoles of the VMs that never asked',
        ],
        details: {status: view},
      })
    }
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
