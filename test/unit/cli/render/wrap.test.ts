import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {terminalWidth} from '../../../../src/cli/base-command.js'
import {renderHostTable, table} from '../../../../src/cli/render/table.js'
import {fitCell, fitColumns, visibleLength, wrapLine, wrapText, wrapWords} from '../../../../src/cli/render/wrap.js'
import {NetopsError} from '../../../../src/errors.js'

const longest = (text: string): number => Math.max(...text.split('\n').map(visibleLength))

describe('wrapping to a width', () => {
  test('wrapWords breaks at spaces only; a word wider than the width gets its own line, whole', () => {
    assert.deepEqual(wrapWords('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps'])
    assert.deepEqual(wrapWords('a GigabitEthernet1/0/19 b', 8), ['a', 'GigabitEthernet1/0/19', 'b'])
    assert.deepEqual(wrapWords('', 10), [''])
  })

  test('wrapLine keeps the indent, hangs continuation lines, and leaves a line that fits alone', () => {
    assert.deepEqual(wrapLine('  short line', 80), ['  short line'])
    assert.deepEqual(wrapLine('  note: one two three four five', 16), ['  note: one two', '    three four', '    five'])
    assert.deepEqual(wrapLine('- alpha beta gamma', 12, 2), ['- alpha beta', '  gamma'])
  })

  test('colour escapes do not count towards the width', () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`
    assert.equal(visibleLength(red('abc')), 3)
    assert.deepEqual(wrapWords(`${red('aaaa')} ${red('bbbb')}`, 9), [`${red('aaaa')} ${red('bbbb')}`])
    assert.equal(visibleLength('→ é'), 3)
  })

  test('wrapText wraps every line of a text', () => {
    assert.equal(wrapText('aaa bbb ccc\nddd', 7), 'aaa bbb\n  ccc\nddd')
  })

  test('fitCell wraps a cell and cuts a word wider than the column with …', () => {
    assert.deepEqual(fitCell('loopback error detected on Gi1/0/19', 16), ['loopback error', 'detected on', 'Gi1/0/19'])
    assert.deepEqual(fitCell('%ETHCNTR-3-LOOP_BACK_DETECTED: x', 12), ['%ETHCNTR-3-…', 'x'])
  })

  test('fitColumns shrinks the widest column first and never below its floor', () => {
    assert.deepEqual(fitColumns([10, 20, 60], 80, 2), [10, 20, 46])
    assert.deepEqual(fitColumns([10, 20, 30], 80, 2), [10, 20, 30])
    assert.deepEqual(fitColumns([30, 30, 30], 40, 2), [12, 12, 12])
    assert.deepEqual(fitColumns([12, 12], 10, 2), [10, 10], 'minimums that do not fit are kept')
  })
})

describe('tables within a width', () => {
  test('table with a width wraps the widest column at spaces; without, it is as before', () => {
    const rows = [['Dec 4 18:52:54.836', 'err-disabled', 'loopback error detected on Gi1/0/19, putting Gi1/0/19 in err-disable state']]
    const fitted = table(['TIME', 'EVENT', 'MESSAGE'], rows, {width: 60})
    assert.ok(longest(fitted) <= 60, fitted)
    assert.match(fitted, /putting Gi1\/0\/19/)
    assert.equal(fitted.split('\n').length, 4)
    assert.equal(table(['TIME', 'EVENT', 'MESSAGE'], rows).split('\n').length, 2)
  })

  test('the per-host table fits 80 columns with long error messages', () => {
    const error = new NetopsError(
      'NETOPS_SSH_UNREACHABLE',
      3,
      'cannot reach admin@127.0.0.1:1: connection refused (nothing listening on that port?)',
    )
    const text = renderHostTable(
      [
        {target: '127.0.0.1:35723', ok: true, value: 'GigabitEthernet1/0/19 err-disabled → keepalive-loopback (4 lines to send)'},
        {target: '127.0.0.1:1', ok: false, error},
      ],
      (v: string) => v,
      80,
    )
    assert.ok(longest(text) <= 80, text)
    assert.match(text, /^127\.0\.0\.1:1 +failed \(NETOPS_SSH_UNREACHABLE\) +cannot reach/m)
    assert.match(text, /1\/2 hosts ok$/)
  })
})

describe('terminalWidth', () => {
  test('a TTY gives its columns; off a TTY COLUMNS, else 80; never below 40', () => {
    assert.equal(terminalWidth({isTTY: true, columns: 132}, {}), 132)
    assert.equal(terminalWidth({isTTY: false}, {}), 80)
    assert.equal(terminalWidth({}, {COLUMNS: '100'}), 100)
    assert.equal(terminalWidth({}, {COLUMNS: 'wide'}), 80)
    assert.equal(terminalWidth({isTTY: true, columns: 20}, {}), 40)
  })
})
