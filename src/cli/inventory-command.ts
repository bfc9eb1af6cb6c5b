import {BaseCommand} from './base-command.js'
import {renderPush} from './render/store.js'
import {storeConnection, type StoreFlagValues} from './store-flags.js'
import {formatIssue} from '../metadata/index.js'
import {EtcdInventoryStore} from '../metadata/store/etcd.js'
import {prepareInventory} from '../metadata/store/generation.js'
import {pushInventory, type PushResult} from '../metadata/store/inventory-store.js'

/** What `metadata inventory push` and `metadata inventory diff` share: validate, connect, diff (and publish), render. */
export abstract class InventoryPushCommand extends BaseCommand {
  protected async push(flags: StoreFlagValues & {inventory: string}, dryRun: boolean): Promise<PushResult> {
    const prepared = await prepareInventory(flags.inventory)
    for (const w of prepared.loaded.warnings) this.warnLine(formatIssue(w))
    const store = new EtcdInventoryStore(storeConnection(flags))
    try {
      const result = await this.step(`${dryRun ? 'Comparing with' : 'Publishing to'} ${flags.store.text}`, () =>
        pushInventory(store, prepared, {dryRun, storeText: flags.store.text}),
      )
      this.render(renderPush, result)
      return result
    } finally {
      store.close()
    }
  }
}
