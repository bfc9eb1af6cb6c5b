#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the TypeScript sources directly (tsx): commands load from ./commands instead of ./dist/commands.
import {readFileSync} from 'node:fs'
import {Config, execute, Plugin, settings} from '@oclif/core'
import {register} from 'tsx/esm/api'

register()

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif = {...pjson.oclif, commands: './commands'}
// tsx already transpiles on import: oclif's own source-path mapping is not needed (and would warn).
settings.enableAutoTranspile = false
settings.debug = false

// `npm run build` writes oclif.manifest.json, which points at dist/: the sources are read instead.
const rootPlugin = new Plugin({isRoot: true, root, pjson, ignoreManifest: true})
await rootPlugin.load()
const config = await Config.load({root, pjson, plugins: new Map([[rootPlugin.name, rootPlugin]])})
await config.loadPluginsAndCommands({force: true}) // the core plugins (@oclif/plugin-help) as usual

// as bin/run.js: an unknown command with --json prints the JSON error document
const {unknownCommandDocument} = await import('../src/cli/unknown-command.ts')
const unknown = unknownCommandDocument(process.argv.slice(2), config.commandIDs, process.env)
if (unknown) {
  process.stdout.write(JSON.stringify(unknown, null, 2) + '\n')
  process.exit(unknown.error.exitCode)
}

await execute({loadOptions: config})
