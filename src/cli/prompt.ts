import {createInterface} from 'node:readline'
import {StringDecoder} from 'node:string_decoder'

/** Whether we may ask the user anything (stdin and stderr are terminals). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

/** Where a prompt reads and writes; `interrupt` runs on Ctrl-C while a hidden answer is typed. */
export interface PromptIo {
  input: NodeJS.ReadableStream & {isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown}
  output: NodeJS.WritableStream
  interrupt: () => void
}

const defaultIo = (): PromptIo => ({
  input: process.stdin,
  output: process.stderr,
  // Raw mode keeps the terminal from turning Ctrl-C into SIGINT: send it ourselves, so the
  // process ends as Ctrl-C ends it anywhere else (or runs the SIGINT handlers it has).
  interrupt: () => process.kill(process.pid, 'SIGINT'),
})

/** Ask on stderr, read a line from stdin. `hidden` suppresses the echo (passwords). */
export function ask(question: string, hidden = false, io: PromptIo = defaultIo()): Promise<string> {
  if (hidden && io.input.isTTY === true && io.input.setRawMode !== undefined) return askHidden(question, io)
  return new Promise((resolve) => {
    // A hidden answer gets here only off a terminal, where a plain line read echoes nothing.
    const rl = createInterface({input: io.input, output: io.output, terminal: !hidden})
    // Ctrl-C at the question: readline takes it from the terminal, so it is sent on as Ctrl-C is anywhere
    // else (a command that traps it, such as fix-loop, reports the interrupt; otherwise the process ends).
    rl.on('SIGINT', () => {
      rl.close()
      io.output.write('\n')
      io.interrupt()
    })
    rl.question(question, (answer) => {
      rl.close()
      resolve(answer)
    })
  })
}

export async function confirm(question: string): Promise<boolean> {
  const a = (await ask(`${question} [y/N] `)).trim().toLowerCase()
  return a === 'y' || a === 'yes'
}

/** Where a hidden answer stands after some keys: still typing, entered, or given up (Ctrl-C, Ctrl-D on an empty line). */
export type HiddenInput = {state: 'typing'; text: string} | {state: 'entered'; text: string} | {state: 'interrupted'}

/** Escape sequences (arrows, function keys, bracketed-paste marks): skipped, as they move nothing in a hidden line. */
const ESCAPE = /^\u001b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/

/**
 * Apply keys typed in raw mode to a hidden answer: Enter ends it, Backspace removes the last
 * character, Ctrl-U the whole line, Ctrl-C gives up; other control keys and escape sequences
 * are ignored. Pure, so each key is tested without a terminal.
 */
export function typeHidden(text: string, keys: string): HiddenInput {
  let out = text
  for (let i = 0; i < keys.length;) {
    const rest = keys.slice(i)
    const ch = rest.codePointAt(0) ?? 0
    if (ch === 0x1b) {
      i += ESCAPE.exec(rest)?.[0].length ?? 1
      continue
    }
    const width = ch > 0xffff ? 2 : 1
    i += width
    if (ch === 0x0d || ch === 0x0a) return {state: 'entered', text: out}
    if (ch === 0x03 || (ch === 0x04 && out === '')) return {state: 'interrupted'}
    if (ch === 0x7f || ch === 0x08) out = Array.from(out).slice(0, -1).join('')
    else if (ch === 0x15) out = ''
    else if (ch >= 0x20) out += String.fromCodePoint(ch)
  }
  return {state: 'typing', text: out}
}

/** Read a line with the terminal in raw mode, echoing nothing (not even stars). */
function askHidden(question: string, io: PromptIo): Promise<string> {
  const input = io.input
  const setRaw = (raw: boolean): void => void input.setRawMode?.(raw)
  return new Promise((resolve) => {
    const wasRaw = input.isRaw === true
    const decoder = new StringDecoder('utf8')
    let text = ''
    const done = (): void => {
      input.removeListener('data', onData)
      setRaw(wasRaw)
      input.pause()
      io.output.write('\n')
    }
    const onData = (chunk: Buffer | string): void => {
      const typed = typeHidden(text, typeof chunk === 'string' ? chunk : decoder.write(chunk))
      if (typed.state === 'typing') {
        text = typed.text
        return
      }
      done()
      if (typed.state === 'entered') resolve(typed.text)
      else io.interrupt()
    }
    setRaw(true) // before the question: keys typed as soon as it shows must not echo
    io.output.write(question)
    input.on('data', onData)
    input.resume()
  })
}
