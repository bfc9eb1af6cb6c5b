/**
 * The CloudStack password acknowledgement as one writer (a replica, in store mode) last set it, kept in its
 * progress record: `saved` when the VM said it stored its password, `rearmed` when it was handed out again.
 * A VM's state is the merge over writers: the latest mark wins; at the same ms, `saved` wins (never hand a
 * password out on a tie). File mode journals the same as entries of its own (journal-entry.ts).
 */
export interface PasswordMark {
  state: 'saved' | 'rearmed'
  /** Epoch ms of the writer's clock. */
  at: number
}

/** A stored mark, or why it is none. Pure. */
export function checkPasswordMark(v: unknown): {ok: true; mark: PasswordMark} | {ok: false; reason: string} {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {ok: false, reason: 'password: expected an object'}
  const {state, at} = v as Record<string, unknown>
  if (state !== 'saved' && state !== 'rearmed') return {ok: false, reason: 'password.state: expected saved or rearmed'}
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) return {ok: false, reason: 'password.at: expected a time (ms)'}
  return {ok: true, mark: {state, at}}
}

/** The marks of every writer merged: the latest wins, `saved` on a tie; undefined when there is none. Pure. */
export function mergePasswordMarks(marks: Iterable<PasswordMark | undefined>): PasswordMark | undefined {
  let out: PasswordMark | undefined
  for (const m of marks) {
    if (m === undefined) continue
    if (out === undefined || m.at > out.at || (m.at === out.at && m.state === 'saved')) out = m
  }
  return out
}
