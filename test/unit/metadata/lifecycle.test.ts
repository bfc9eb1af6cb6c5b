import {test} from 'node:test'
import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {createServer, connect, type Server} from 'node:net'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {ListenError, UsageError} from '../../../src/errors.js'
import {
  exampleInventoryPath,
  queueEarlySignals,
  runUntilSignal,
  serveStartup,
  startMetadataServer,
  startWithFallbacks,
  type ReloadResult,
} from '../../../src/metadata/index.js'
import {httpGet, tempDir} from '../../helpers/metadata.js'

const inventory = exampleInventoryPath()

/** A port something else already listens on. */
async function occupiedPort(): Promise<{port: number; server: Server}> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as {port: number}).port, server}
}

/** A data dir whose lock names a live process other than this one (the test runner or shell that started us). */
function busyDataDir(root: string): string {
  const dir = join(root, 'data')
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'lock'), `${process.ppid}\n`)
  return dir
}

test('serveStartup describes a started server: listeners, inventory, a path per flavour, admin and progress', async () => {
  const started = await startMetadataServer({
    inventory,
    port: 0,
    passwordPort: 0,
    namespace: 'nsfocus',
    admin: {host: '127.0.0.1', port: 0},
  })
  try {
    const url = `http://127.0.0.1:${started.port}`
    const doc = serveStartup(
      {started, dataDir: undefined, admin: {host: '127.0.0.1', port: 0}},
      {
        source: inventory,
        builtIn: true,
        namespace: 'nsfocus',
        imdsv2: 'required',
        trustProxy: ['10.0.0.0/24'],
        proxySharedSecret: 'x',
        phoneHome: true,
        watch: false,
        pid: 42,
      },
    )
    assert.deepEqual(doc, {
      listening: {metadata: url, password: `http://127.0.0.1:${started.passwordPort}`},
      inventory: {source: inventory, builtIn: true, files: started.inventory.files, instances: started.inventory.instances.length},
      namespace: 'nsfocus',
      imdsv2: 'required',
      trustProxy: ['10.0.0.0/24'],
      signedProxyHeaders: true,
      paths: {
        ec2: `${url}/latest/meta-data/ (and /2009-04-04, /2016-09-02, /2018-09-24, /2021-03-23)`,
        openstack: `${url}/openstack/latest/meta_data.json`,
        nocloud: `${url}/nocloud/`,
        cloudstack: `${url}/latest/meta-data/availability-zone`,
        custom: `${url}/nsfocus/latest/meta_data.json`,
      },
      admin: started.adminUrl,
      progress: {dataDir: null, phoneHome: 'http://169.254.169.254', watch: false},
      pid: 42,
    })
    assert.match(doc.admin ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(doc.inventory.instances > 0)
  } finally {
    await started.close()
  }
})

test('serveStartup without password server, namespace, admin or phone-home says null and lists no custom path', async () => {
  const started = await startMetadataServer({inventory, port: 0})
  try {
    const doc = serveStartup(
      {started, dataDir: '/var/lib/x', admin: undefined},
      {source: inventory, builtIn: false, phoneHome: 'http://10.0.0.1:8807', watch: true, pid: 1},
    )
    assert.equal(doc.listening.password, null)
    assert.equal(doc.namespace, null)
    assert.equal(doc.admin, null)
    assert.equal(doc.imdsv2, 'optional')
    assert.deepEqual(doc.trustProxy, [])
    assert.equal(doc.signedProxyHeaders, false)
    assert.deepEqual(Object.keys(doc.paths), ['ec2', 'openstack', 'nocloud', 'cloudstack'])
    assert.deepEqual(doc.progress, {dataDir: '/var/lib/x', phoneHome: 'http://10.0.0.1:8807', watch: true})
  } finally {
    await started.close()
  }
})

test('startWithFallbacks runs without the admin API when the default admin port is taken, with one warning', async () => {
  const busy = await occupiedPort()
  const warnings: string[] = []
  try {
    const run = await startWithFallbacks(
      {inventory, port: 0, admin: {host: '127.0.0.1', port: busy.port}},
      {dataDirIsDefault: false, adminIsDefault: true, warn: (l) => warnings.push(l)},
    )
    await run.started.close()
    assert.equal(run.admin, undefined)
    assert.equal(run.started.adminUrl, undefined)
    assert.deepEqual(warnings, [
      `admin listener: cannot listen on 127.0.0.1:${busy.port}: EADDRINUSE; running without the admin API (give --admin-listen HOST:PORT)`,
    ])
  } finally {
    busy.server.close()
  }
})

test('startWithFallbacks fails on a taken admin port that was asked for', async () => {
  const busy = await occupiedPort()
  const warnings: string[] = []
  try {
    const start = startWithFallbacks(
      {inventory, port: 0, admin: {host: '127.0.0.1', port: busy.port}},
      {dataDirIsDefault: true, adminIsDefault: false, warn: (l) => warnings.push(l)},
    )
    await assert.rejects(start, (err: unknown) => err instanceof ListenError && /EADDRINUSE/.test(err.message))
    assert.deepEqual(warnings, [])
  } finally {
    busy.server.close()
  }
})

test('a taken metadata port is the error it is, not mistaken for a busy default admin listener', async () => {
  const busy = await occupiedPort()
  const free = await occupiedPort()
  const adminPort = free.port
  await new Promise<void>((r) => free.server.close(() => r()))
  const warnings: string[] = []
  try {
    const start = startWithFallbacks(
      {inventory, host: '127.0.0.1', port: busy.port, admin: {host: '127.0.0.1', port: adminPort}},
      {dataDirIsDefault: false, adminIsDefault: true, warn: (l) => warnings.push(l)},
    )
    await assert.rejects(start, (err: unknown) => err instanceof ListenError && err.message.includes(`127.0.0.1:${busy.port}: EADDRINUSE`))
    assert.deepEqual(warnings, [])
  } finally {
    busy.server.close()
  }
})

test('startWithFallbacks keeps progress in memory when the default data dir is held by another server', async () => {
  const t = tempDir()
  const warnings: string[] = []
  try {
    const dir = busyDataDir(t.dir)
    const run = await startWithFallbacks(
      {inventory, port: 0, dataDir: dir, resetProgress: false},
      {dataDirIsDefault: true, adminIsDefault: false, warn: (l) => warnings.push(l)},
    )
    await run.started.close()
    assert.equal(run.dataDir, undefined)
    assert.deepEqual(warnings, [
      `the progress data dir ${dir} is in use by another metadata server (pid ${process.ppid}); keeping progress in memory only (give --data-dir to keep it across restarts)`,
    ])
    const asked = startWithFallbacks(
      {inventory, port: 0, dataDir: dir},
      {dataDirIsDefault: false, adminIsDefault: true, warn: (l) => warnings.push(l)},
    )
    await assert.rejects(asked, (err: unknown) => err instanceof UsageError && /in use by another metadata server/.test(err.message))
    assert.equal(warnings.length, 1)
  } finally {
    t.cleanup()
  }
})

test('startWithFallbacks drops both busy defaults, data dir first, then the admin listener', async () => {
  const t = tempDir()
  const busy = await occupiedPort()
  const warnings: string[] = []
  try {
    const dir = busyDataDir(t.dir)
    const run = await startWithFallbacks(
      {inventory, port: 0, dataDir: dir, admin: {host: '127.0.0.1', port: busy.port}},
      {dataDirIsDefault: true, adminIsDefault: true, warn: (l) => warnings.push(l)},
    )
    await run.started.close()
    assert.equal(run.dataDir, undefined)
    assert.equal(run.admin, undefined)
    assert.equal(run.started.adminUrl, undefined)
    assert.deepEqual(warnings, [
      `the progress data dir ${dir} is in use by another metadata server (pid ${process.ppid}); keeping progress in memory only (give --data-dir to keep it across restarts)`,
      `admin listener: 127.0.0.1:${busy.port} is busy; running without the admin API`,
    ])
  } finally {
    busy.server.close()
    t.cleanup()
  }
})

test('runUntilSignal reloads on SIGHUP, and on SIGTERM drains, stops and reports requests and unknown requesters', async () => {
  const reloads: ReloadResult[] = []
  const started = await startMetadataServer({inventory, port: 0, onReload: (r) => reloads.push(r)})
  const signals = new EventEmitter()
  const notes: string[] = []
  const running = runUntilSignal(started, {drainMs: 2000, note: (l) => notes.push(l), signals})
  assert.equal((await httpGet(`${started.url}/latest/meta-data/instance-id`, {from: '127.0.0.99'})).status, 404)
  signals.emit('SIGHUP')
  await started.reload('api') // queued behind the SIGHUP reload
  assert.deepEqual(
    reloads.map((r) => [r.trigger, r.ok]),
    [
      ['SIGHUP', true],
      ['api', true],
    ],
  )
  signals.emit('SIGTERM')
  await running
  assert.deepEqual(notes, ['SIGTERM: draining in-flight requests (up to 2 s)…', 'served 1 requests; 1 unknown requester: 127.0.0.99 (1)'])
  assert.equal(started.server.listening, false)
  assert.deepEqual(
    ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => signals.listenerCount(s)),
    [0, 0, 0],
  )
})

test('runUntilSignal cuts a request that never finishes once drainMs has passed', async () => {
  const started = await startMetadataServer({inventory, port: 0})
  const signals = new EventEmitter()
  const notes: string[] = []
  const sock = connect({port: started.port, host: '127.0.0.1'})
  const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()))
  sock.on('error', () => undefined)
  await new Promise<void>((resolve) => sock.on('connect', () => resolve()))
  sock.write('GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n') // headers never end
  await new Promise((r) => setTimeout(r, 50))
  const t0 = Date.now()
  const running = runUntilSignal(started, {drainMs: 300, note: (l) => notes.push(l), signals})
  signals.emit('SIGINT')
  await running
  await closed
  assert.ok(Date.now() - t0 < 3000, `stopped after ${Date.now() - t0} ms`)
  assert.equal(notes[0], 'SIGINT: draining in-flight requests (up to 0.3 s)…')
  assert.match(notes[1] ?? '', /^served \d+ requests; 0 unknown requesters$/)
})

test('a SIGHUP while starting is queued (not fatal) and reloads once runUntilSignal serves', async () => {
  const signals = new EventEmitter()
  const early = queueEarlySignals(signals)
  signals.emit('SIGHUP')
  signals.emit('SIGHUP')
  const reloads: ReloadResult[] = []
  const started = await startMetadataServer({inventory, port: 0, onReload: (r) => reloads.push(r)})
  const running = runUntilSignal(started, {drainMs: 2000, note: () => undefined, signals, early})
  assert.equal(signals.listenerCount('SIGHUP'), 1, 'the early handler handed over')
  await started.reload('api') // queued behind the SIGHUP reload
  assert.deepEqual(
    reloads.map((r) => r.trigger),
    ['SIGHUP', 'api'],
    'two early SIGHUPs: one reload',
  )
  signals.emit('SIGTERM')
  await running
})

test('a SIGHUP kept from even earlier (the CLI entry, while loading) is taken over once queueEarlySignals listens', () => {
  const signals = new EventEmitter()
  let asked = 0
  const early = queueEarlySignals(signals, () => {
    asked++
    assert.equal(signals.listenerCount('SIGHUP'), 1, 'asked once it listens itself')
    return true
  })
  assert.equal(asked, 1)
  assert.equal(early.take(), true)
  assert.equal(early.take(), false)
  early.release()
  assert.equal(queueEarlySignals(signals, () => false).take(), false)
})

test('a second SIGTERM while draining cuts the connections at once; the journal is still written and the data dir unlocked', async () => {
  const t = tempDir()
  try {
    const started = await startMetadataServer({inventory, port: 0, dataDir: t.dir})
    const signals = new EventEmitter()
    const notes: string[] = []
    const sock = connect({port: started.port, host: '127.0.0.1'})
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()))
    sock.on('error', () => undefined)
    await new Promise<void>((resolve) => sock.on('connect', () => resolve()))
    sock.write('GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n') // headers never end: the drain would wait 60 s
    started.progress.observe('ips-01', '/latest/meta-data/', 200) // buffered, not yet written
    const t0 = Date.now()
    const running = runUntilSignal(started, {drainMs: 60_000, note: (l) => notes.push(l), signals})
    signals.emit('SIGTERM')
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(signals.listenerCount('SIGTERM'), 1, 'still handled while draining')
    signals.emit('SIGHUP') // ignored while stopping
    signals.emit('SIGTERM')
    await running
    await closed
    assert.ok(Date.now() - t0 < 3000, `stopped after ${Date.now() - t0} ms`)
    assert.equal(notes[1], 'SIGTERM again: cutting every connection now')
    assert.match(readFileSync(join(t.dir, 'progress.jsonl'), 'utf8'), /"id":"ips-01","step":"metaData"/)
    assert.equal(existsSync(join(t.dir, 'lock')), false, 'lock removed')
  } finally {
    t.cleanup()
  }
})
