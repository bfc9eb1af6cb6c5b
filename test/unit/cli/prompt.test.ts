import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {typeHidden} from '../../../src/cli/prompt.js'

test('typeHidden: Enter ends the answer, Backspace and Ctrl-U edit it, Ctrl-C gives up', () => {
  assert.deepEqual(typeHidden('', 'secret\r'), {state: 'entered', text: 'secret'})
  assert.deepEqual(typeHidden('', 'secret\n'), {state: 'entered', text: 'secret'})
  assert.deepEqual(typeHidden('', 'sec'), {state: 'typing', text: 'sec'})
  assert.deepEqual(typeHidden('sec', 'x\u007fret\r'), {state: 'entered', text: 'secret'})
  assert.deepEqual(typeHidden('sec', '\b\b\b\b\r'), {state: 'entered', text: ''}, 'Backspace on an empty line does nothing')
  assert.deepEqual(typeHidden('wrong', '\u0015right\r'), {state: 'entered', text: 'right'})
  assert.deepEqual(typeHidden('half', '\u0003'), {state: 'interrupted'})
  assert.deepEqual(typeHidden('', '\u0004'), {state: 'interrupted'}, 'Ctrl-D on an empty line')
  assert.deepEqual(typeHidden('a', '\u0004b\r'), {state: 'entered', text: 'ab'}, 'Ctrl-D after text is ignored')
})

test('typeHidden: escape sequences and other control keys are skipped; Backspace removes a whole character', () => {
  assert.deepEqual(typeHidden('', 'a\u001b[Db\u001bOA\u001b[3~c\t\r'), {state: 'entered', text: 'abc'})
  assert.deepEqual(typeHidden('', '\u001b[200~pasted\u001b[201~\r'), {state: 'entered', text: 'pasted'})
  assert.deepEqual(typeHidden('pässwörd🔑', '\u007f\u007f\r'), {state: 'entered', text: 'pässwör'})
})

// A real terminal: the child asks through ask(..., true) on a pseudo-terminal (python3's pty).
const PTY_RUN = fileURLToPath(new URL('../../helpers/pty-run.py', import.meta.url))
const PROMPT = fileURLToPath(new URL('../../../src/cli/prompt.ts', import.meta.url))
const CHILD = `
const {ask} = await import(${JSON.stringify(PROMPT)})
const answer = await ask('Password: ', true)
process.stdout.write('ANSWER=' + JSON.stringify(answer) + ' RAW=' + String(process.stdin.isRaw) + '\\n')
`

function onTerminal(keys: string[]): {output: string; exitCode: number | null; signal: number | null} {
  const spec = {argv: [process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD], waitFor: 'Password: ', keys, timeoutS: 30}
  const r = spawnSync('python3', [PTY_RUN, JSON.stringify(spec)], {encoding: 'utf8', timeout: 40_000})
  assert.equal(r.status, 0, `python3 pty driver failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as {output: string; exitCode: number | null; signal: number | null}
}

test('a hidden answer on a real terminal echoes nothing, honours Backspace, and restores the terminal', () => {
  const r = onTerminal(['hun', 'x', '\u007f', 'ter2', '\r'])
  assert.equal(r.exitCode, 0, r.output)
  assert.match(r.output, /ANSWER="hunter2" RAW=false/)
  const beforeAnswer = r.output.slice(0, r.output.indexOf('ANSWER='))
  assert.equal(beforeAnswer.replace(/\r/g, ''), 'Password: \n', 'only the question and a newline reach the terminal')
})

test('Ctrl-C at a hidden prompt ends the process as Ctrl-C does (SIGINT), echoing nothing', () => {
  const r = onTerminal(['sec', '\u0003'])
  assert.equal(r.signal, 2, JSON.stringify(r))
  assert.doesNotMatch(r.output, /sec|ANSWER/)
})
