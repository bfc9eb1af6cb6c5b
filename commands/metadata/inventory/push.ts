import {Flags} from '@oclif/core'
import {InventoryPushCommand} from '../../../src/cli/inventory-command.js'
import {storeFlags} from '../../../src/cli/store-flags.js'
import type {PushResult} from '../../../src/metadata/store/inventory-store.js'

export default class MetadataInventoryPush extends InventoryPushCommand {
  static override summary = 'validate an inventory, show what changes by instance id, and publish it to the etcd store'
  static override description = `Validates the inventory exactly as \`netops metadata validate\` does, compares it with the generation published in etcd (instances added / changed / removed, by id) and publishes it as a new generation: its keys are written first, then one compare-and-swap transaction makes it current, so every replica switches to the whole new inventory at once. If another push published in between, nothing is published and the exit code is 12 ("changed since you read it"). Pushing what is already published changes nothing (changed: false).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --inventory inventory.d/',
    'NETOPS_METADATA_STORE=etcd://10.0.0.5:2379 <%= config.bin %> <%= command.id %> --inventory vms.yaml --dry-run',
    '<%= config.bin %> <%= command.id %> --store etcd://etcd1:2379 --store-ca ca.pem --store-cert me.pem --store-key me-key.pem --inventory vms.yaml --json',
  ]

  static override flags = {
    ...storeFlags,
    inventory: Flags.string({required: true, description: 'inventory YAML file or directory of *.yaml files'}),
    'dry-run': Flags.boolean({default: false, description: 'show the diff only; write nothing'}),
  }

  async run(): Promise<PushResult> {
    const {flags} = await this.parse(MetadataInventoryPush)
    return this.push(flags, flags['dry-run'])
  }
}
