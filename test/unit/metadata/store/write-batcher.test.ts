import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {WriteBatcher, type BatchPut} from '../../../../src/metadata/store/write-batcher.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const text = (puts: BatchPut[]) => puts.map((p) => `${p.key}=${p.value.toString()}`)

/** A write function that records every transaction; `fail` makes the next ones reject; `gate` holds them. */
function recorder() {
  const txns: BatchPut[][] = []
  const times: number[] = []
  const r = {
    txns,
    times,
    fail: 0,
    gate: undefined as Promise<void> | undefined,
    write: async (puts: BatchPut[]) => {
      if (r.gate) await r.gate
      if (r.fail > 0) {
        r.fail--
        throw new Error('etcd is down')
      }
      txns.push(puts)
      times.push(Date.now())
    },
  }
  return r
}

describe('WriteBatcher (coalesced progress writes)', () => {
  test('changes to one key within a batch are one put, with the value as it is when the batch goes out', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 20})
    let v = 1
    b.append('vm-a/r1', () => Buffer.from(String(v)))
    v = 2
    b.append('vm-a/r1', () => Buffer.from(String(v)))
    b.append('vm-b/r1', () => Buffer.from('x'))
    v = 3
    await sleep(60)
    assert.deepEqual(w.txns.map(text), [['vm-a/r1=3', 'vm-b/r1=x']])
    await b.close()
  })

  test('a batch goes out within the interval without a commit', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 50})
    const t = Date.now()
    b.append('k', () => Buffer.from('v'))
    while (w.txns.length === 0 && Date.now() - t < 1000) await sleep(5)
    const took = w.times[0]! - t
    assert.ok(took >= 40 && took < 150, `written after ${took} ms`)
    await b.close()
  })

  test('at most maxOps puts per transaction: 300 keys are 128 + 128 + 44', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 10, maxOps: 128})
    for (let i = 0; i < 300; i++) b.append(`k${String(i).padStart(3, '0')}`, () => Buffer.from('v'))
    await b.commit()
    assert.deepEqual(
      w.txns.map((t) => t.length),
      [128, 128, 44],
    )
    assert.equal(new Set(w.txns.flat().map((p) => p.key)).size, 300)
    assert.equal(b.written.batches, 1)
    await b.close()
  })

  test('commit resolves only once what was appended before it is written, and does not wait for the interval', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 10_000})
    b.append('k', () => Buffer.from('v'))
    const t = Date.now()
    await b.commit()
    assert.equal(w.txns.length, 1)
    assert.ok(Date.now() - t < 500)
    await b.commit() // nothing pending: at once
    assert.equal(w.txns.length, 1)
    await b.close()
  })

  test('one batch in flight at a time: what is appended meanwhile goes in the next batch, in order', async () => {
    const w = recorder()
    let open!: () => void
    w.gate = new Promise((r) => (open = r))
    const b = new WriteBatcher({write: w.write, intervalMs: 5})
    b.append('k', () => Buffer.from('1'))
    const first = b.commit()
    await sleep(20)
    b.append('k', () => Buffer.from('2'))
    b.append('j', () => Buffer.from('x'))
    const second = b.commit()
    assert.equal(w.txns.length, 0)
    w.gate = undefined
    open()
    await first
    await second
    assert.deepEqual(w.txns.map(text), [['k=1'], ['k=2', 'j=x']])
    await b.close()
  })

  test('a failed batch rejects its commits, keeps its keys and is retried; a later commit succeeds', async () => {
    const w = recorder()
    const errors: unknown[] = []
    const b = new WriteBatcher({write: w.write, intervalMs: 5, retryMs: 20, onError: (e) => errors.push(e)})
    w.fail = 1
    b.append('k', () => Buffer.from('v'))
    await assert.rejects(b.commit(), /etcd is down/)
    assert.equal(b.pending, 1)
    await b.commit()
    assert.deepEqual(w.txns.map(text), [['k=v']])
    assert.equal(errors.length, 1)
    assert.equal(b.pending, 0)
    await b.close()
  })

  test('a failed batch is retried by itself (backoff) until it is written', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 5, retryMs: 10, onError: () => undefined})
    w.fail = 3
    b.append('k', () => Buffer.from('v'))
    const t = Date.now()
    while (w.txns.length === 0 && Date.now() - t < 2000) await sleep(5)
    assert.deepEqual(w.txns.map(text), [['k=v']])
    assert.equal(b.written.failed, 3)
    await b.close()
  })

  test('close writes what is pending, then appends are ignored', async () => {
    const w = recorder()
    const b = new WriteBatcher({write: w.write, intervalMs: 10_000})
    b.append('k', () => Buffer.from('v'))
    await b.close()
    b.append('late', () => Buffer.from('v'))
    await sleep(20)
    assert.deepEqual(w.txns.map(text), [['k=v']])
  })
})
