/**
 * An injectable clock: the lab device model asks it for the time and for timers, so unit
 * tests run the 300 s recovery timer in microseconds with a FakeClock and stay deterministic.
 */
export interface TimerHandle {
  cancel(): void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Run `fn` once after `ms` milliseconds (of this clock). */
  setTimer(ms: number, fn: () => void): TimerHandle
}

/** Wall-clock time and Node timers. Timers are unref'd: a lab switch never keeps a process alive by itself. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms))
    t.unref?.()
    return {cancel: () => clearTimeout(t)}
  },
}

interface FakeTimer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/** A manual clock for tests: time moves only when `advance()` is called; due timers fire in order. */
export class FakeClock implements Clock {
  private current: number
  private seq = 0
  private timers: FakeTimer[] = []

  constructor(start: number | Date = Date.UTC(2026, 10, 27, 3, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime()
  }

  now(): number {
    return this.current
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = {at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false}
    this.timers.push(timer)
    return {
      cancel: () => {
        timer.cancelled = true
      },
    }
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length
  }

  /** Move time forward by `ms`, firing every timer that falls due (including timers those timers set). */
  advance(ms: number): void {
    const target = this.current + ms
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled)
      let next: FakeTimer | undefined
      for (const t of this.timers) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.current = Math.max(this.current, next.at)
      next.cancelled = true
      next.fn()
    }
    this.current = target
  }
}
