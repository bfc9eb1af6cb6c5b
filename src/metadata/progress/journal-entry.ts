/**
 * The lines of the progress journal (progress.jsonl) and their check on load: the file is outside
 * input (an operator's editor, a full disk, a crash mid-write), so every line is validated where it
 * enters and only a well-formed entry reaches the tracker; anything else is rejected with a reason.
 */

export const STEPS = ['firstRequest', 'metaData', 'userData', 'vendorData', 'done'] as const
export type Step = (typeof STEPS)[number]

/** A VM's progress as the journal's compacted snapshot holds it (requests/events are this process's only: not kept). */
interface JournalRecord {
  id: string
  /** Epoch ms of each step, once reached. */
  steps: Partial<Record<Step, number>>
  failedAt?: number
  lastStep: string
  lastStepAt: number
}

export type JournalEntry =
  | {t: number; id: string; step: Step}
  | {t: number; id: string; event: string; type: string; result?: string}
  | {rec: JournalRecord & {requests?: number; events?: number}}
  /** The CloudStack password server: the VM said it saved its password (`saved`), or it was re-armed (`rearmed`). */
  | {t: number; id: string; password: 'saved' | 'rearmed'}

/** An entry, or why the line is not one. */
export type Checked = {ok: true; entry: JournalEntry} | {ok: false; reason: string}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isId = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 256
const isStep = (v: unknown): v is Step => typeof v === 'string' && (STEPS as readonly string[]).includes(v)
const bad = (reason: string): Checked => ({ok: false, reason})

/** A progress record's common fields (journal snapshot line, store value), or why not. Pure. */
export function checkProgressRecord(rec: unknown): {ok: true; record: JournalRecord} | {ok: false; reason: string} {
  const c = checkRecord(rec)
  return c.ok ? {ok: true, record: (c.entry as {rec: JournalRecord}).rec} : c
}

function checkRecord(rec: unknown): Checked {
  if (!isObject(rec)) return bad('rec: expected an object')
  if (!isId(rec['id'])) return bad('rec.id: expected a non-empty string')
  const steps = rec['steps']
  if (!isObject(steps)) return bad('rec.steps: expected an object')
  const out: Partial<Record<Step, number>> = {}
  for (const [k, v] of Object.entries(steps)) {
    if (!isStep(k)) return bad(`rec.steps.${k.slice(0, 40)}: not a step`)
    if (!isTime(v)) return bad(`rec.steps.${k}: expected a time (ms)`)
    out[k] = v
  }
  const failedAt = rec['failedAt']
  if (failedAt !== undefined && !isTime(failedAt)) return bad('rec.failedAt: expected a time (ms)')
  if (typeof rec['lastStep'] !== 'string') return bad('rec.lastStep: expected a string')
  if (!isTime(rec['lastStepAt'])) return bad('rec.lastStepAt: expected a time (ms)')
  return {
    ok: true,
    entry: {
      rec: {
        id: rec['id'],
        steps: out,
        ...(failedAt === undefined ? {} : {failedAt}),
        lastStep: rec['lastStep'],
        lastStepAt: rec['lastStepAt'],
      },
    },
  }
}

/** Check one parsed journal line. Pure. */
export function checkJournalEntry(v: unknown): Checked {
  if (!isObject(v)) return bad('expected a JSON object')
  if ('rec' in v) return checkRecord(v['rec'])
  const {t, id} = v
  if (!isTime(t)) return bad('t: expected a time (ms)')
  if (!isId(id)) return bad('id: expected a non-empty string')
  if ('step' in v) return isStep(v['step']) ? {ok: true, entry: {t, id, step: v['step']}} : bad('step: not a step')
  if ('event' in v) {
    const {event, type, result} = v
    if (typeof event !== 'string') return bad('event: expected a string')
    if (typeof type !== 'string') return bad('type: expected a string')
    if (result !== undefined && typeof result !== 'string') return bad('result: expected a string')
    return {ok: true, entry: {t, id, event, type, ...(result === undefined ? {} : {result})}}
  }
  if ('password' in v) {
    const {password} = v
    return password === 'saved' || password === 'rearmed'
      ? {ok: true, entry: {t, id, password}}
      : bad('password: expected saved or rearmed')
  }
  return bad('not a progress entry (rec, step, event or password)')
}
