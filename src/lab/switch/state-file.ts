/**
 * Device state persisted as JSON so that several processes (one per OpenSSH login, when the
 * simulator runs as a ForceCommand) share one switch: read at start, re-read before each
 * command when another process changed it, written (atomically) after every change.
 */
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import type {Device, DeviceSnapshot} from './device.js'

export function readState(file: string): DeviceSnapshot | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (text.trim() === '') return undefined
  const s = JSON.parse(text) as DeviceSnapshot
  if (s.version !== 1 || !Array.isArray(s.ports)) throw new Error(`${file} is not a lab switch state file`)
  return s
}

function writeState(file: string, device: Device): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(device.toJSON()))
  renameSync(tmp, file)
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/** Keep `device` and `file` in step; returns a function to call before each command. */
export function bindStateFile(file: string, device: Device): {refresh(): void; stop(): void} {
  let seen = 0
  let writing = false
  const save = (): void => {
    if (writing) return
    writing = true
    try {
      writeState(file, device)
      seen = mtime(file)
    } finally {
      writing = false
    }
  }
  const stopListening = device.onChange(save)
  save()
  return {
    refresh() {
      const m = mtime(file)
      if (m === seen) return
      const s = readState(file)
      if (!s) return
      writing = true
      try {
        device.replaceState(s)
      } finally {
        writing = false
      }
      seen = m
      save() // timers that fell due while nobody was connected have just been processed
    },
    stop: stopListening,
  }
}
