import type {Instance} from './types.js'
import {normalizeIp} from './ip.js'

/**
 * Where instance records come from. A file now; a shared store (several server replicas) later.
 * `version` changes whenever the content changes, so a server can rebuild its pre-rendered
 * documents without comparing records.
 */
export interface Store {
  /** The instance that asks from this (normalised) address. */
  get(ip: string): Instance | undefined
  byId(id: string): Instance | undefined
  all(): readonly Instance[]
  readonly version: number
}

/** An immutable in-memory store over validated instances (what a loaded inventory becomes). */
export class MemoryStore implements Store {
  private byIp = new Map<string, Instance>()
  private ids = new Map<string, Instance>()
  private list: Instance[] = []
  private _version = 0

  constructor(instances: readonly Instance[] = []) {
    this.replace(instances)
  }

  /** Swap the whole record set at once (a reload): a request sees the old set or the new one. */
  replace(instances: readonly Instance[]): void {
    const byIp = new Map<string, Instance>()
    const ids = new Map<string, Instance>()
    for (const i of instances) {
      byIp.set(normalizeIp(i.ip), i)
      ids.set(i.id, i)
    }
    this.byIp = byIp
    this.ids = ids
    this.list = [...instances]
    this._version++
  }

  get(ip: string): Instance | undefined {
    return this.byIp.get(ip)
  }

  byId(id: string): Instance | undefined {
    return this.ids.get(id)
  }

  all(): readonly Instance[] {
    return this.list
  }

  get version(): number {
    return this._version
  }
}
