import {Args} from '@oclif/core'
import {BaseCommand} from '../../../src/cli/base-command.js'
import {renderSwitchInventory} from '../../../src/cli/render/switch-inventory.js'
import {EXIT_CODES} from '../../../src/errors.js'
import {inventoryError, loadSwitchInventory, type SwitchInventory} from '../../../src/switch/inventory.js'

export default class SwitchInventoryValidate extends BaseCommand {
  static override summary = 'check a switch inventory: every problem with file:line:column, and each switch as it resolves'
  static override description =
    'Reads the switch inventory exactly as `--inventory` does: `switches:` (each a host, or a mapping of host, port, ssh_port, username, platform, groups), `defaults:` and `groups:` (a switch takes its own value, else the first of its groups that sets it, else defaults). Unknown keys (with a did-you-mean), wrong types, unknown platforms and groups, and hosts with spaces are errors, all listed at once. Exit code 0 when valid, 2 when not; with --json the document lists the resolved switches or every error.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> switches.yaml',
    '<%= config.bin %> <%= command.id %> switches.yaml --json',
  ]

  static override args = {
    file: Args.string({required: true, description: 'the switch inventory (YAML)'}),
  }

  async run(): Promise<SwitchInventory> {
    const {args} = await this.parse(SwitchInventoryValidate)
    const inv = loadSwitchInventory(args.file)
    if (!inv.valid) {
      if (!this.jsonEnabled()) throw inventoryError(inv)
      process.exitCode = EXIT_CODES.usage
      return inv
    }
    this.render(renderSwitchInventory, inv)
    return inv
  }
}
