import {statSync, watch, type FSWatcher} from 'node:fs'
import {basename, dirname} from 'node:path'
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

/** What one reload did (logged as a JSON line by `metadata serve`). */
export interface ReloadResult {
  ok: boolean
  trigger: 'watch' | 'SIGHUP' | 'api'
  source: string
  /** Instances now served (the new count when ok, the kept count when refused). */
  instances: number
  ms: number
  /** When refused: the message (file:line:column per problem). The old inventory keeps serving. */
  error?: string
  issues?: InventoryIssue[]
  warnings?: InventoryIssue[]
}

/**
 * Watch an inventory file or directory and call `onChange` (debounced) when it may have changed.
 * The directory is watched, not the file: editors and `mv` replace the file (a new inode), which a
 * watch on the file itself would miss after the first save.
 */
export class InventoryWatcher {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly source: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
  ) {}

  start(): void {
    const isDir = statSync(this.source).isDirectory()
    const dir = isDir ? this.source : dirname(this.source)
    const name = basename(this.source)
    this.watcher = watch(dir, {persistent: false}, (_event, file) => {
      const f = file?.toString()
      if (!isDir && f !== undefined && f !== name) return
      if (isDir && f !== undefined && !/\.ya?ml$/i.test(f)) return
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => this.onChange(), this.debounceMs)
      this.timer.unref()
    })
    this.watcher.on('error', () => undefined)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.watcher?.close()
    this.watcher = undefined
  }
}
