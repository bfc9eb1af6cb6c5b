import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {connect, type Socket} from 'node:net'
import {startMetadataServer, type StartedMetadataServer} from '../../../src/metadata/index.js'
import {sampleInventory} from '../../helpers/metadata.js'

/**
 * The metadata server's one HTTP front (node:http) on the wire: every request kind cloud-init, curl
 * and proxies send, pipelining, heads split over many writes, bodies mid-connection, and the guards
 * (headers timeout, keep-alive timeout, header size, stalled readers, drain).
 */

interface Parsed {
  status: number
  headers: Record<string, string>
  body: string
}

/** Split a byte stream of HTTP/1.1 responses (content-length framed) into responses. */
function responses(data: string, headRequests = 0): Parsed[] {
  const out: Parsed[] = []
  let at = 0
  let heads = headRequests
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const lines = data.slice(at, end).split('\r\n')
    const status = Number(lines[0]!.split(' ')[1])
    const headers: Record<string, string> = {}
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':')
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
    }
    const len = heads-- > 0 ? 0 : Number(headers['content-length'] ?? 0)
    out.push({status, headers, body: data.slice(end + 4, end + 4 + len)})
    at = end + 4 + len
  }
  return out
}

/** A raw connection from a given source address that collects everything it receives. */
function open(
  port: number,
  from: string,
): Promise<{sock: Socket; data: () => string; closed: Promise<void>; waitFor: (n: number, heads?: number) => Promise<Parsed[]>}> {
  return new Promise((resolve, reject) => {
    const sock = connect({port, host: '127.0.0.1', localAddress: from})
    let data = ''
    const waiters: Array<() => void> = []
    sock.on('data', (d: Buffer) => {
      data += d.toString('latin1')
      for (const w of waiters.splice(0)) w()
    })
    const closed = new Promise<void>((r) => sock.on('close', () => r()))
    sock.on('error', () => undefined)
    const waitFor = (n: number, heads = 0) =>
      new Promise<Parsed[]>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${n} responses; got:\n${data}`)), 5000)
        const check = () => {
          const r = responses(data, heads)
          if (r.length >= n && r.slice(0, n).every((x) => x.body.length >= Number(x.headers['content-length'] ?? 0) || heads > 0)) {
            clearTimeout(timer)
            res(r)
          } else waiters.push(check)
        }
        check()
      })
    sock.on('connect', () => resolve({sock, data: () => data, closed, waitFor}))
    sock.on('error', reject)
  })
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 169.254.169.254\r\n${extra}\r\n`

describe('metadata server over raw connections', () => {
  let server: StartedMetadataServer
  before(async () => {
    server = await startMetadataServer({
      inventory: sampleInventory(),
      namespace: 'nsfocus',
      headersTimeoutMs: 400,
      keepAliveTimeoutMs: 400,
      requestTimeoutMs: 1000,
      phoneHome: true as const,
      trustProxy: ['127.0.0.2'],
    })
  })
  after(async () => {
    await server.close()
  })

  test('each request kind gets its status, headers and bytes', async () => {
    // [request, status from 127.0.0.23 (waf-01), body check, status from 127.0.0.99 (no VM)]
    const cases: Array<[string, number, string | RegExp | undefined, number]> = [
      [get('/latest/meta-data/instance-id'), 200, 'waf-01', 404],
      [get('/2009-04-04/meta-data/'), 200, /^hostname\ninstance-id\n/, 404],
      [get('/latest/user-data'), 200, /#!\/bin\/sh\n.*waf-01 ready in b12/, 404],
      [get('/openstack/latest/meta_data.json'), 200, /"uuid":/, 404],
      [get('/nsfocus/latest/meta_data.json'), 200, /"waf-01"/, 404],
      [get('/latest/meta-data/nope'), 404, undefined, 404],
      [get('/latest/../etc/passwd'), 400, undefined, 400],
      [get('/%zz'), 400, undefined, 400],
      [get(`/${'a'.repeat(1100)}`), 414, undefined, 414],
      [get('/latest/meta-data/instance-id', 'X-aws-ec2-metadata-token: forged\r\n'), 401, undefined, 404],
      ['PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 99999\r\n\r\n', 400, undefined, 404],
      ['PUT /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 405, undefined, 404],
      ['HEAD /latest/meta-data/hostname HTTP/1.1\r\nHost: x\r\n\r\n', 200, '', 404],
      [get('/latest/meta-data/instance-id?x=1'), 200, 'waf-01', 404],
    ]
    const seen: string[] = []
    for (const [from, col] of [
      ['127.0.0.23', 1],
      ['127.0.0.99', 3],
    ] as const) {
      for (const c of cases) {
        const r = c[0]
        const heads = r.startsWith('HEAD') ? 1 : 0
        const conn = await open(server.port, from)
        conn.sock.write(r)
        const [one] = await conn.waitFor(1, heads)
        conn.sock.destroy()
        const {date, ...rest} = one!.headers
        assert.match(date ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, 'a Date header')
        seen.push(`${from} ${r.split('\r\n')[0]!.slice(0, 60)} → ${one!.status}`)
        assert.equal(one!.status, c[col], seen.at(-1))
        assert.equal(rest['cache-control'], 'no-store', seen.at(-1))
        assert.ok(heads || Number(rest['content-length']) === Buffer.byteLength(one!.body, 'latin1'), seen.at(-1))
        const want = c[2]
        if (from === '127.0.0.23' && want !== undefined) {
          if (typeof want === 'string') assert.equal(one!.body, want, seen.at(-1))
          else assert.match(one!.body, want, seen.at(-1))
        }
        if (from === '127.0.0.99') assert.doesNotMatch(one!.body, /waf-01|ips-02|bare-03/, 'nothing of any VM to an unknown address')
      }
    }
  })

  test('pipelined requests in one write are answered in order', async () => {
    const c = await open(server.port, '127.0.0.23')
    c.sock.write(get('/latest/meta-data/instance-id') + get('/latest/meta-data/hostname') + get('/latest/meta-data/local-ipv4'))
    const r = await c.waitFor(3)
    assert.deepEqual(
      r.map((x) => x.body),
      ['waf-01', 'waf-01', '127.0.0.23'],
    )
    c.sock.destroy()
  })

  test('repeated X-Forwarded-For headers from the trusted proxy are one chain (the nearest untrusted hop is the VM)', async () => {
    const c = await open(server.port, '127.0.0.2')
    c.sock.write(get('/latest/meta-data/instance-id', 'X-Forwarded-For: 127.0.0.23\r\nx-forwarded-for: 127.0.0.24\r\n'))
    const [r] = await c.waitFor(1)
    assert.equal(r!.body, 'ips-02')
    c.sock.destroy()
  })

  test('a request that arrives a byte at a time is answered once complete', async () => {
    const c = await open(server.port, '127.0.0.24')
    const bytes = get('/latest/meta-data/instance-id')
    for (const ch of bytes) {
      c.sock.write(ch)
      await new Promise((r) => setTimeout(r, 1))
    }
    const [r] = await c.waitFor(1)
    assert.equal(r!.body, 'ips-02')
    c.sock.destroy()
  })

  test('a POST (phone-home) mid-connection is answered, and the connection goes on', async () => {
    const c = await open(server.port, '127.0.0.23')
    const form = 'instance_id=waf-01&hostname=waf-01'
    c.sock.write(
      get('/latest/meta-data/instance-id') +
        `POST /phone-home/waf-01 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}` +
        get('/latest/meta-data/hostname'),
    )
    const r = await c.waitFor(3)
    assert.deepEqual(
      r.map((x) => [x.status, x.body.trim()]),
      [
        [200, 'waf-01'],
        [200, 'OK'],
        [200, 'waf-01'],
      ],
    )
    assert.equal(server.progress.stateOf('waf-01'), 'done', 'the phone-home reached the progress tracker')
    c.sock.destroy()
  })

  test('a chunked body is read as a body (answered, not misread as a new request)', async () => {
    const c = await open(server.port, '127.0.0.23')
    c.sock.write(
      'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nGET\r\n0\r\n\r\n' +
        get('/latest/meta-data/instance-id'),
    )
    const r = await c.waitFor(2)
    assert.equal(r[0]!.status, 200)
    assert.match(r[0]!.body, /^\d+\.[\w-]+$/, 'a token')
    assert.equal(r[1]!.body, 'waf-01')
    assert.equal(r.length, 2)
    c.sock.destroy()
  })

  test('HTTP/1.0 is answered and closed; malformed heads get 400, oversized ones 431', async () => {
    const c10 = await open(server.port, '127.0.0.23')
    c10.sock.write('GET /latest/meta-data/instance-id HTTP/1.0\r\n\r\n')
    const [r10] = await c10.waitFor(1)
    assert.equal(r10!.body, 'waf-01')
    await c10.closed // 1.0 without keep-alive: closed after the answer
    const bad = await open(server.port, '127.0.0.23')
    bad.sock.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
    const [rb] = await bad.waitFor(1)
    assert.equal(rb!.status, 400)
    await bad.closed
    const big = await open(server.port, '127.0.0.23')
    big.sock.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`)
    const [rh] = await big.waitFor(1)
    assert.equal(rh!.status, 431)
    await big.closed
  })

  test('Connection: close is answered with connection: close and the socket is closed', async () => {
    const c = await open(server.port, '127.0.0.23')
    c.sock.write(get('/latest/meta-data/instance-id', 'Connection: close\r\n'))
    const [r] = await c.waitFor(1)
    assert.equal(r!.headers['connection'], 'close')
    await c.closed
  })

  test('an unfinished head gets 408 after the headers timeout; an idle connection is closed', async () => {
    const slowloris = await open(server.port, '127.0.0.23')
    slowloris.sock.write('GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n')
    const t0 = Date.now()
    await slowloris.closed
    assert.match(slowloris.data(), /^HTTP\/1\.1 408 /)
    assert.ok(Date.now() - t0 >= 350, `closed after ${Date.now() - t0} ms`)
    const idle = await open(server.port, '127.0.0.23')
    idle.sock.write(get('/latest/meta-data/instance-id'))
    await idle.waitFor(1)
    const t1 = Date.now()
    await idle.closed
    assert.ok(Date.now() - t1 >= 300, `idle connection closed after ${Date.now() - t1} ms`)
  })

  test('a client that pipelines without reading is throttled, then gets every answer in order', async () => {
    const c = await open(server.port, '127.0.0.23')
    c.sock.pause()
    // enough answers (~10 MB) to fill the kernel's buffers both ways: the server must stop reading
    const n = 40000
    let all = ''
    for (let i = 0; i < n; i++) all += get(i % 2 ? '/latest/user-data' : '/latest/meta-data/instance-id')
    c.sock.write(all)
    await new Promise((r) => setTimeout(r, 100)) // under the 400 ms the server waits on a stalled reader
    c.sock.resume()
    const deadline = Date.now() + 20_000
    while (c.data().split('HTTP/1.1 200 OK').length - 1 < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const r = responses(c.data())
    assert.equal(r.length, n)
    const userData = r[1]!.body
    assert.ok(userData.length > 0)
    assert.ok(
      r.every((x, i) => x.status === 200 && x.body === (i % 2 ? userData : 'waf-01')),
      'every answer, in order',
    )
    c.sock.destroy()
  })

  test('a client that pipelines and never reads its answers is cut off (nothing moves for the request timeout)', async () => {
    const c = await open(server.port, '127.0.0.23')
    c.sock.pause()
    let all = ''
    for (let i = 0; i < 100000; i++) all += get('/latest/user-data')
    c.sock.write(all)
    const t0 = Date.now()
    await c.closed // reset by the server: its unread requests are dropped
    assert.ok(Date.now() - t0 >= 350, `cut after ${Date.now() - t0} ms`)
    assert.ok(c.sock.writableLength > 0 || c.sock.destroyed)
  })

  test('close() ends idle keep-alive connections and resolves promptly', async () => {
    const s = await startMetadataServer({inventory: sampleInventory()})
    const c = await open(s.port, '127.0.0.23')
    c.sock.write(get('/latest/meta-data/instance-id'))
    await c.waitFor(1)
    const t0 = Date.now()
    await s.close()
    await c.closed
    assert.ok(Date.now() - t0 < 2000, `closed in ${Date.now() - t0} ms`)
  })

  test('closeAllConnections() (the drain deadline) also cuts a connection mid-request', async () => {
    const s = await startMetadataServer({inventory: sampleInventory()})
    const c = await open(s.port, '127.0.0.23')
    c.sock.write(get('/latest/meta-data/instance-id'))
    await c.waitFor(1)
    c.sock.write('GET /latest/meta-data/hostname HTTP/1.1\r\n') // never finished
    await new Promise((r) => setTimeout(r, 50))
    const closing = s.close()
    const t0 = Date.now()
    s.server.closeAllConnections()
    await c.closed
    await closing
    assert.ok(Date.now() - t0 < 1000, `cut after ${Date.now() - t0} ms`)
  })
})

/**
 * Seeded fuzzing: mutated requests (stray CR/LF/NUL/space/tab/colon/high bytes, case, repeated or
 * missing headers, bodies, other versions). Whatever the mutation, the server never crashes, answers
 * each request with a valid HTTP status line or closes, and never serves one VM's data to another.
 */
describe('metadata server on mutated requests', () => {
  let server: StartedMetadataServer
  before(async () => {
    server = await startMetadataServer({inventory: sampleInventory(), headersTimeoutMs: 2000, trustProxy: ['127.0.0.2']})
  })
  after(async () => {
    await server.close()
  })

  /** Send from `from`, and collect what comes back until the server closes or goes quiet. */
  const exchange = (port: number, from: string, payload: Buffer): Promise<string> =>
    new Promise((resolve) => {
      const sock = connect({port, host: '127.0.0.1', localAddress: from})
      let data = ''
      let quiet: NodeJS.Timeout | undefined
      const done = () => {
        clearTimeout(quiet)
        sock.destroy()
        resolve(data)
      }
      sock.on('connect', () => sock.end(payload)) // half-close: no more requests are coming
      sock.on('data', (d: Buffer) => {
        data += d.toString('latin1')
        clearTimeout(quiet)
        quiet = setTimeout(done, 150)
      })
      sock.on('close', done)
      sock.on('error', done)
      quiet = setTimeout(done, 1500)
    })

  /** Each answer of a raw byte stream: a status line, headers, then content-length bytes (HEAD: none). */
  const answersOf = (raw: string): Array<{statusLine: string; body: string}> =>
    raw
      .split(/(?=HTTP\/1\.[01] \d{3} )/)
      .filter((r) => r !== '')
      .map((r) => {
        const end = r.indexOf('\r\n\r\n')
        return {statusLine: r.slice(0, r.indexOf('\r\n')), body: end < 0 ? '' : r.slice(end + 4)}
      })

  test("every mutation: no crash, a valid status or a close, and no VM sees another VM's data", async () => {
    // NETOPS_FUZZ_SEED / NETOPS_FUZZ_N explore further locally; CI runs the same fixed cases each time
    let seed = Number(process.env['NETOPS_FUZZ_SEED'] ?? 20261127)
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const bits = [
      '\r',
      '\n',
      '\r\n',
      '\0',
      ' ',
      '\t',
      ':',
      '\x7f',
      '\xe9',
      'a',
      '/',
      '%',
      '..',
      ',',
      'Host: x\r\n',
      'Content-Length: 0\r\n',
      'Content-Length: 5\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Connection: close\r\n',
      'X-Forwarded-For: 127.0.0.24\r\n',
      'x-forwarded-for:127.0.0.24, 127.0.0.2\r\n',
      'Host:\r\n',
      ' Host: y\r\n',
      'Expect: 100-continue\r\n',
      '\xa0',
      '?',
      '#',
      '//',
      '%2e',
      'HTTP/1.0',
      'GET ',
    ]
    // through the trusted proxy the forwarded address picks the VM; from a VM's own address any
    // X-Forwarded-For is ignored: whatever the mutation, the answers can only be that VM's
    const bases: Array<[from: string, text: string]> = [
      ['127.0.0.2', 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Forwarded-For: 127.0.0.23\r\n\r\n'],
      ['127.0.0.2', 'HEAD /latest/user-data HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 127.0.0.24\r\n\r\n'],
      [
        '127.0.0.2',
        'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Forwarded-For: 127.0.0.23\r\n\r\n',
      ],
      ['127.0.0.23', 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n'],
      ['127.0.0.23', 'GET /openstack/latest/meta_data.json HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['127.0.0.24', 'GET /latest/user-data HTTP/1.1\r\nHost: x\r\n\r\n'],
    ]
    /** What only one VM's answers contain. */
    const marks: Record<string, RegExp> = {'127.0.0.23': /waf-01|b12/, '127.0.0.24': /ips-02|6f1f3f1e/}
    const bad: string[] = []
    let answered = 0
    const n = Number(process.env['NETOPS_FUZZ_N'] ?? 240)
    for (let i = 0; i < n; i++) {
      const [from, base] = bases[rand(bases.length)]!
      let text = base
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(text.length)
        const cut = rand(4) === 0 ? 1 + rand(3) : 0
        text = text.slice(0, at) + bits[rand(bits.length)]! + text.slice(at + cut)
      }
      if (rand(3) === 0) text = text.replace(/^[A-Z]+/, (m) => (rand(2) ? m.toLowerCase() : m))
      const raw = await exchange(server.port, from, Buffer.from(text, 'latin1'))
      const answers = answersOf(raw)
      if (answers.length > 0) answered++
      const why = (what: string) => `${what}: from ${from} ${JSON.stringify(text)}\n  got: ${JSON.stringify(raw.slice(0, 300))}`
      if (raw !== '' && !/^HTTP\/1\.[01] [1-5]\d\d /.test(raw)) bad.push(why('not an HTTP answer'))
      for (const a of answers) {
        if (!/^HTTP\/1\.[01] [1-5]\d\d [\x20-\x7e]*$/.test(a.statusLine)) bad.push(why('an invalid status line'))
        for (const [owner, mark] of Object.entries(marks))
          if (owner !== from && from !== '127.0.0.2' && mark.test(a.body)) bad.push(why(`data of ${owner}`))
      }
    }
    assert.deepEqual(bad.slice(0, 3), [])
    assert.ok(answered > n / 2, `${answered} of ${n} mutations answered`)
    // still alive and right after all that
    const after = await exchange(server.port, '127.0.0.24', Buffer.from('GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n'))
    assert.match(after, /^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nips-02$/)
  })
})
