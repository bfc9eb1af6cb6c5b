/**
 * The unit suite in one process: imports every test/unit/**\/*.test.ts in sorted order, so node:test
 * runs them all under one root (one tsx start instead of one per file). Unit tests share no global
 * state, use no file-level hooks and start no daemons; integration and e2e files keep a process each
 * (scripts/test.sh).
 */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

const root = join(import.meta.dirname, 'unit')
const files = readdirSync(root, {recursive: true, encoding: 'utf8'})
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
for (const file of files) await import(pathToFileURL(join(root, file)).href)
