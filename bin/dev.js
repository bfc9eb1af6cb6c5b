#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the TypeScript sources directly (tsx): commands load from ./commands instead of ./dist/commands.
import {readFileSync} from 'node:fs'
import {execute, settings} from '@oclif/core'
import {register} from 'tsx/esm/api'

register()

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif = {...pjson.oclif, commands: './commands'}
// tsx already transpiles on import: oclif's own source-path mapping is not needed (and would warn).
settings.enableAutoTranspile = false
settings.debug = false

await execute({loadOptions: {root, pjson}})
