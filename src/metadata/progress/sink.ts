import type {PasswordMark} from './password-mark.js'
import type {ProgressRecord} from './tracker.js'

/**
 * Where a ProgressTracker keeps its progress instead of the local Journal (store mode: etcd, see
 * store/progress-store.ts). The tracker owns the records and mutates them in place; `append(record)`
 * says "this VM's record changed" and the sink writes the record as it is when its batch goes out
 * (later changes to the same record are coalesced into that write or the next one).
 *
 * The sink is opened and closed by whoever creates it (close it after the server stopped: `close()`
 * writes what is still pending).
 */
export interface ProgressSink {
  /** This VM's record changed. Cheap: called on the request path. */
  append(record: ProgressRecord): void
  /** Resolves when everything appended so far is durable; rejects when it could not be written. */
  commit(): Promise<void>
  /** Write what is pending and release the sink's resources. */
  close(): Promise<void>
  /** This writer's records from before a restart (the tracker starts from them). */
  readonly restored?: readonly ProgressRecord[]
  /**
   * The CloudStack password marks the other writers (replicas) hold for this VM, read now: every acknowledgement
   * committed before the call is in the answer. Rejects when the store cannot be read.
   */
  passwordMarks?(id: string): Promise<PasswordMark[]>
}
