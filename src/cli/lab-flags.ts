/**
 * Flags of `netops lab switch` whose values need checking or reading: parsed by oclif (Flags.custom),
 * so run() receives a number and file contents. Errors are usage errors (exit 2).
 */
import {readFileSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {InputError} from '../errors.js'

/** `--time-scale`: a number > 0. */
export function parseTimeScale(input: string): number {
  const timeScale = Number(input)
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new InputError(`--time-scale must be a number > 0, got ${input}`, {suggestions: ['e.g. --time-scale 0.01']})
  }
  return timeScale
}

/** The keys of an authorized_keys file: one per non-blank line, `#` comments skipped. */
export function authorizedKeyLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
}

/** A file's text; a missing or unreadable file is an input error naming what it was for. */
export function readInputFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {cause: error})
  }
}

// oclif awaits parse() inside its own try, so a synchronous throw is reported the same way as a rejection.
export const timeScaleFlag = Flags.custom<number>({
  parse: (input) => Promise.resolve(parseTimeScale(input)),
  default: 1,
  description: 'multiply device timers: 0.01 makes the 300 s recovery timer 3 s',
})

export const hostKeyFileFlag = Flags.custom<string>({
  parse: (file) => Promise.resolve(readInputFile(file, 'host key')),
  description: 'private host key file to use (default: generated at start)',
})

export const authorizedKeysFileFlag = Flags.custom<string[]>({
  parse: (file) => Promise.resolve(authorizedKeyLines(readInputFile(file, 'authorized keys'))),
  description: 'authorized_keys file: also accept these public keys',
})
