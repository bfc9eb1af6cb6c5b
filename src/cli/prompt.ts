import {createInterface} from 'node:readline'

/** Whether we may ask the user anything (stdin and stderr are terminals). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

/** Ask on stderr, read a line from stdin. `hidden` suppresses the echo (passwords). */
export function ask(question: string, hidden = false): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({input: process.stdin, output: process.stderr, terminal: true})
    if (hidden) {
      const out = rl as unknown as {_writeToOutput: (s: string) => void}
      let first = true
      out._writeToOutput = (s: string) => {
        if (first) process.stderr.write(s)
        first = false
      }
    }
    rl.question(question, (answer) => {
      rl.close()
      if (hidden) process.stderr.write('\n')
      resolve(answer)
    })
  })
}

export async function confirm(question: string): Promise<boolean> {
  const a = (await ask(`${question} [y/N] `)).trim().toLowerCase()
  return a === 'y' || a === 'yes'
}
