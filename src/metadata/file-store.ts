import {loadInventory, type InventoryIssue} from './inventory.js'
import {MemoryStore} from './store.js'

/**
 * The file-backed Store: an inventory file or directory, loaded and validated as a whole.
 * `reload()` re-reads it; an invalid file leaves the previous records in place (and throws).
 */
export class FileStore extends MemoryStore {
  warnings: InventoryIssue[] = []

  private constructor(readonly path: string) {
    super([])
  }

  static async open(path: string): Promise<FileStore> {
    const s = new FileStore(path)
    await s.reload()
    return s
  }

  async reload(): Promise<void> {
    const loaded = await loadInventory(this.path)
    this.warnings = loaded.warnings
    this.replace(loaded.instances)
  }
}
