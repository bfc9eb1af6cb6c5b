import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import {ERROR_CATALOGUE, EXIT_CODES, NetopsError, PortNotFoundError} from '../../src/errors.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('error catalogue', () => {
  test('every error code is unique and in the README error table with its exit code', () => {
    const codes = ERROR_CATALOGUE.map((c) => c.code)
    assert.equal(new Set(codes).size, codes.length)
    for (const c of ERROR_CATALOGUE) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${c.code}\` |`))
      assert.ok(row, `README lists ${c.code}`)
      assert.match(row, new RegExp(`\\|\\s*${c.exitCode}\\s*\\|`), `README gives ${c.code} exit code ${c.exitCode}`)
    }
  })

  test('every exit code in the README table exists in the catalogue', () => {
    const valid = new Set<number>(Object.values(EXIT_CODES))
    for (const m of readme.matchAll(/^\|\s*`(NETOPS_[A-Z_]+)`\s*\|\s*(\d+)\s*\|/gm)) {
      assert.ok(
        ERROR_CATALOGUE.some((c) => c.code === m[1]),
        `${m[1]} is a real code`,
      )
      assert.ok(valid.has(Number(m[2])), `${m[2]} is a real exit code`)
    }
  })

  test('errors serialise to the stable --json shape', () => {
    const e = new PortNotFoundError('no port 99 on sw1', {suggestions: ['try Gi1/0/19']})
    assert.ok(e instanceof NetopsError)
    assert.deepEqual(JSON.parse(JSON.stringify(e)), {
      code: 'NETOPS_SWITCH_PORT_NOT_FOUND',
      message: 'no port 99 on sw1',
      exitCode: 5,
      suggestions: ['try Gi1/0/19'],
    })
    assert.equal(e.oclif.exit, 5)
  })
})
