#!/usr/bin/env node
import module from 'node:module'

// Start-up time (issue 9): V8 keeps compiled code between runs where node has a compile cache (22.1+;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), and @oclif/core skips its own engines check, which loads
// the whole of semver (~50 modules) to compare against node >=18 (package.json's engines is stricter).
module.enableCompileCache?.()
const skipEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined
if (skipEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
const {execute} = await import('@oclif/core')
if (skipEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING

await execute({dir: import.meta.url})
