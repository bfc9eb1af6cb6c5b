import {writeFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../../src/cli/base-command.js'
import {UsageError} from '../../../src/errors.js'
import {renderPull} from '../../../src/cli/render/store.js'
import {storeConnection, storeFlags} from '../../../src/cli/store-flags.js'
import {EtcdInventoryStore} from '../../../src/metadata/store/etcd.js'
import {pullInventory, type PullResult} from '../../../src/metadata/store/inventory-store.js'

export default class MetadataInventoryPull extends BaseCommand {
  static override summary = 'write the inventory published in the etcd store back as YAML'
  static override description = `Reads the current generation (one consistent snapshot) and prints it as inventory YAML, or writes it to --output. Pushing that YAML again publishes no change. Comments and the split over several files are not kept: profiles and instances come back in one document, as written, in inventory order.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --output vms.yaml',
    'NETOPS_METADATA_STORE=etcd://10.0.0.5:2379 <%= config.bin %> <%= command.id %> > vms.yaml',
    '<%= config.bin %> <%= command.id %> --store etcd://10.0.0.5:2379 --output vms.yaml --json',
  ]

  static override flags = {
    ...storeFlags,
    output: Flags.string({
      char: 'o',
      description: 'write the YAML to this file (mode 0600) instead of stdout; stdout must then not be a terminal',
    }),
  }

  async run(): Promise<PullResult> {
    const {flags} = await this.parse(MetadataInventoryPull)
    if (flags.output === undefined && process.stdout.isTTY) {
      throw new UsageError('inventory pull prints the whole inventory, user-data and passwords included: not onto a terminal', {
        suggestions: ['write it to a file: --output vms.yaml (created readable by you only)', 'or redirect stdout: > vms.yaml'],
      })
    }
    const store = new EtcdInventoryStore(storeConnection(flags))
    try {
      const {yaml, result} = await this.step(`Reading ${flags.store.text}`, () => pullInventory(store, flags.store.text))
      if (flags.output !== undefined) await writeFile(flags.output, yaml, {mode: 0o600})
      const out: PullResult = {...result, yaml: flags.output === undefined ? yaml : null, output: flags.output ?? null}
      this.render(renderPull, out)
      return out
    } finally {
      store.close()
    }
  }
}
