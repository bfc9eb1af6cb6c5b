import {Flags} from '@oclif/core'
import {InventoryPushCommand} from '../../../src/cli/inventory-command.js'
import {storeFlags} from '../../../src/cli/store-flags.js'
import type {PushResult} from '../../../src/metadata/store/inventory-store.js'

export default class MetadataInventoryDiff extends InventoryPushCommand {
  static override summary = 'show what a push of this inventory would change in the etcd store (push --dry-run)'
  static override description = `Validates the inventory as \`netops metadata validate\` does and lists the instances a push would add (+), change (~) and remove (-), by id, with their counts. Writes nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --inventory inventory.d/',
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379 --inventory vms.yaml --json',
  ]

  static override flags = {
    ...storeFlags,
    inventory: Flags.string({required: true, description: 'inventory YAML file or directory of *.yaml files'}),
  }

  async run(): Promise<PushResult> {
    const {flags} = await this.parse(MetadataInventoryDiff)
    return this.push(flags, true)
  }
}
