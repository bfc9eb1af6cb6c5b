#!/usr/bin/env node
import module from 'node:module'

// Start-up time (issue 9):
// - V8 keeps compiled code between runs where node has a compile cache (22.1+; NODE_DISABLE_COMPILE_CACHE=1 turns it off);
// - @oclif/core skips its engines check, which loads the whole of semver (~50 modules) to compare node with its own
//   floor (>=18; package.json's engines is stricter); a command module's `import '@oclif/core'` runs it too, so the
//   setting stays for the process;
// - only the execute entry is loaded here: `--help` reads oclif.manifest.json and never loads a command module.
module.enableCompileCache?.()

// `metadata serve` reloads on SIGHUP. One that arrives while the CLI is still loading (~0.3 s, before serve listens
// for it) would end the process (the default action): it is kept here, and serve takes it over (queueEarlySignals).
// Every other command keeps the default action.
const words = process.argv.slice(2).filter((a) => !a.startsWith('-'))
if ((words[0] === 'metadata' && words[1] === 'serve') || words[0] === 'metadata:serve') {
  const early = {hup: false, onHup: () => (early.hup = true)}
  process.on('SIGHUP', early.onHup)
  globalThis[Symbol.for('netops.loading-sighup')] = early
}
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute} = await import('@oclif/core/execute')

await execute({dir: import.meta.url})
