import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {startMetadataServer} from '../../../src/metadata/start.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'

/** The CloudStack password acknowledgement is kept in the progress journal: a restart does not hand the password out again. */
const INVENTORY = {
  instances: [
    {id: 'cs-1', ip: '127.0.6.10', hostname: 'cs-1', password: 'one-time-pw-1'},
    {id: 'cs-2', ip: '127.0.6.11', hostname: 'cs-2', password: 'one-time-pw-2'},
  ],
}

describe('CloudStack password acknowledgements survive a restart', () => {
  test('a saved password is not handed out again after a restart; a rearm is kept too', async () => {
    const t = tempDir()
    const start = () => startMetadataServer({inventory: INVENTORY, passwordPort: 0, dataDir: t.dir})
    const ask = (url: string, from: string, what: string) => httpGet(url, {from, headers: {DomU_Request: what}})
    try {
      const s1 = await start()
      assert.equal((await ask(s1.passwordUrl!, '127.0.6.10', 'send_my_password')).body, 'one-time-pw-1')
      const ack = await ask(s1.passwordUrl!, '127.0.6.10', 'saved_password')
      assert.deepEqual([ack.status, ack.body], [200, 'saved_password'])
      // acknowledged = durable: already in the journal file before any close
      assert.match(readFileSync(join(t.dir, 'progress.jsonl'), 'utf8'), /"id":"cs-1","password":"saved"/)
      assert.equal((await ask(s1.passwordUrl!, '127.0.6.11', 'send_my_password')).body, 'one-time-pw-2')
      await s1.close()

      const s2 = await start()
      assert.equal((await ask(s2.passwordUrl!, '127.0.6.10', 'send_my_password')).body, 'saved_password', 'not handed out again')
      assert.equal((await ask(s2.passwordUrl!, '127.0.6.11', 'send_my_password')).body, 'one-time-pw-2', 'never acknowledged: still given')
      assert.deepEqual(s2.passwordServer!.passwords.acknowledged(), ['cs-1'])
      assert.ok(s2.passwordServer!.passwords.rearm('cs-1'))
      await s2.close()

      const s3 = await start()
      assert.equal((await ask(s3.passwordUrl!, '127.0.6.10', 'send_my_password')).body, 'one-time-pw-1', 'the rearm was kept')
      await s3.close()
    } finally {
      t.cleanup()
    }
  })
})
