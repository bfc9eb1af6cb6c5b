import assert from 'node:assert/strict'
import {test} from 'node:test'
import {execOutput} from '../../../../src/lab/switch/ssh-server.js'

test('execOutput drops the echoed command line and the final prompt, whichever prompt the CLI ended in', () => {
  assert.equal(
    execOutput('show clock\r\n*10:00:00.000 UTC Mon Jan 1 2024\r\nsw1#', ['sw1#', 'sw1>']),
    '*10:00:00.000 UTC Mon Jan 1 2024\r\n',
  )
  assert.equal(execOutput('conf t\r\nout\r\nsw1(config)#', ['sw1(config)#', 'sw1#']), 'out\r\n')
  assert.equal(execOutput('x\r\nno prompt at the end', ['sw1#']), 'no prompt at the end')
})
