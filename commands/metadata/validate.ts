import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderValidate, type ValidateResult} from '../../src/cli/render/metadata.js'
import {formatIssue, loadInventory} from '../../src/metadata/index.js'

export default class MetadataValidate extends BaseCommand {
  static override summary = 'check an inventory: every problem with file:line:column, what is wrong and what would be right'
  static override description = `Loads the inventory (a YAML file or a directory of them) exactly as \`netops metadata serve\` does: layering of profiles and instances, unique ids, addresses and MACs, CIDR addresses, interfaces, and templates in user_data/vendor_data (an unknown variable is an error). Exit code 2 when it is invalid.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml',
    '<%= config.bin %> <%= command.id %> --inventory inventory.d/ --json',
  ]

  static override flags = {
    inventory: Flags.string({required: true, description: 'inventory YAML file or directory of *.yaml files'}),
  }

  async run(): Promise<ValidateResult> {
    const {flags} = await this.parse(MetadataValidate)
    const inv = await loadInventory(flags.inventory)
    for (const w of inv.warnings) this.warnLine(formatIssue(w))
    const result: ValidateResult = {
      valid: true,
      files: inv.files,
      instances: inv.instances.map((i) => ({
        id: i.id,
        ip: i.ip,
        hostname: i.hostname,
        profile: i.profile ?? null,
        interfaces: i.interfaces.length,
        userData: i.userData !== undefined,
        vendorData: i.vendorData !== undefined,
        publicKeys: i.publicKeys.length,
      })),
      warnings: inv.warnings.map((w) => ({file: w.file, line: w.line, column: w.column, message: w.message})),
    }
    this.render(renderValidate, result)
    return result
  }
}
