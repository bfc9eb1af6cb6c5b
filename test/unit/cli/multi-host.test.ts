import assert from 'node:assert/strict'
import {test} from 'node:test'
import {findRepeats, multiHostJson, runTargets, uniqueTargets} from '../../../src/cli/multi-host.js'
import {SshUnreachableError} from '../../../src/errors.js'

test('uniqueTargets keeps the first of each identity, in order, and warns once per repeat', () => {
  const warnings: string[] = []
  const jobs = [
    {host: 'a', port: '19'},
    {host: 'b', port: '19'},
    {host: 'a', port: '19'},
    {host: 'a', port: '20'},
    {host: 'a', port: '19'},
  ]
  const out = uniqueTargets(
    jobs,
    (j) => `${j.host} port ${j.port}`,
    (m) => warnings.push(m),
  )
  assert.deepEqual(out, [jobs[0], jobs[1], jobs[3]])
  assert.deepEqual(warnings, ['a port 19 listed more than once: running it once', 'a port 19 listed more than once: running it once'])
  assert.deepEqual(
    uniqueTargets(
      ['n1', 'n2'],
      (h) => h,
      () => assert.fail('no warning without repeats'),
    ),
    ['n1', 'n2'],
  )
})

test('runTargets: one target gives its value and lets its error through as it is', async () => {
  assert.deepEqual(await runTargets(['a'], {label: (t) => t, concurrency: 5}, (t) => Promise.resolve(t.toUpperCase())), {
    multi: false,
    value: 'A',
  })
  const err = new SshUnreachableError('cannot reach a')
  await assert.rejects(
    runTargets(['a'], {label: (t) => t, concurrency: 5}, () => Promise.reject(err)),
    (e) => e === err,
  )
  await assert.rejects(
    runTargets([], {label: String, concurrency: 5}, () => Promise.resolve(1)),
    RangeError,
  )
})

test('runTargets: several targets give every outcome under its label, in order; the JSON counts ok and failed', async () => {
  const jobs = [
    {host: 'h', sshPort: 1},
    {host: 'h', sshPort: 2},
  ]
  const outcome = await runTargets(jobs, {label: (j) => `${j.host}:${j.sshPort}`, concurrency: 2}, (j) =>
    j.sshPort === 2 ? Promise.reject(new SshUnreachableError('cannot reach h:2')) : Promise.resolve({port: j.sshPort}),
  )
  assert.equal(outcome.multi, true)
  if (!outcome.multi) return
  const json = multiHostJson(outcome.results)
  assert.equal(json.ok, 1)
  assert.equal(json.failed, 1)
  assert.deepEqual(json.hosts[0], {host: 'h:1', ok: true, result: {port: 1}})
  const second = json.hosts[1]
  assert.ok(second && !second.ok)
  assert.equal(second.host, 'h:2')
  assert.equal(second.error.code, 'NETOPS_SSH_UNREACHABLE')
})

test('findRepeats: a target sharing any key with an earlier one repeats the first such target', () => {
  assert.deepEqual(findRepeats([['a'], ['b'], ['x', 'a'], ['c'], ['b']]), [
    {index: 2, firstIndex: 0},
    {index: 4, firstIndex: 1},
  ])
  assert.deepEqual(findRepeats([['::1', '127.0.0.1'], ['127.0.0.1'], ['127.0.0.1']]), [
    {index: 1, firstIndex: 0},
    {index: 2, firstIndex: 0},
  ])
  assert.deepEqual(findRepeats([['a'], ['b']]), [])
})
