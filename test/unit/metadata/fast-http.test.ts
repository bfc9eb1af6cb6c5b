import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Socket} from 'node:net'
import {parseHead, plausibleStart, type FastRequest} from '../../../src/metadata/fast-http.js'

const socket = new Socket()
const parse = (head: string) => parseHead(head, socket)
const req = (head: string): FastRequest => {
  const r = parse(head)
  assert.notEqual(r, 'handover', head)
  return r as FastRequest
}

test('a plain GET: method, target, lower-case header names, values trimmed', () => {
  const r = req(
    'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: Cloud-Init/22.4.2\r\nX-Forwarded-For:   10.0.0.5  ',
  )
  assert.equal(r.method, 'GET')
  assert.equal(r.url, '/latest/meta-data/instance-id')
  assert.equal(r.headers['host'], '169.254.169.254')
  assert.equal(r.headers['user-agent'], 'Cloud-Init/22.4.2')
  assert.equal(r.headers['x-forwarded-for'], '10.0.0.5')
  assert.equal(r.close, false)
})

test('repeated headers are joined with ", " as node:http does (X-Forwarded-For chains)', () => {
  const r = req('GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2')
  assert.equal(r.headers['x-forwarded-for'], '10.0.0.1, 10.0.0.2')
})

test('Connection: close is seen in any case and among other tokens', () => {
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: Close').close, true)
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close').close, true)
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive').close, false)
})

test('HEAD and a bodiless PUT (the IMDSv2 token) stay on the fast path; Content-Length: 0 is no body', () => {
  assert.equal(req('HEAD / HTTP/1.1\r\nHost: a').method, 'HEAD')
  assert.equal(
    req('PUT /latest/api/token HTTP/1.1\r\nHost: a\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 0').method,
    'PUT',
  )
})

test('everything outside the simple subset is handed over to node:http', () => {
  const cases: Array<[string, string]> = [
    ['POST /phone-home/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3', 'a body'],
    ['PUT /latest/api/token HTTP/1.1\r\nHost: a\r\nContent-Length: 2', 'a PUT with a body'],
    ['GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked', 'chunked'],
    ['GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0', 'repeated Content-Length is judged by node'],
    ['GET / HTTP/1.0\r\nHost: a', 'HTTP/1.0'],
    ['GET / HTTP/2.0\r\nHost: a', 'another version'],
    ['GET /', 'HTTP/0.9'],
    ['GET / HTTP/1.1', 'no Host'],
    ['GET / HTTP/1.1\r\nHost: a\r\nHost: b', 'two Hosts'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded', 'obsolete line folding'],
    ['GET / HTTP/1.1\r\nHost: a\r\nBad Name: 1', 'space in a field name'],
    ['GET / HTTP/1.1\r\nHost: a\r\n: empty name', 'empty field name'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\nX-B: 2', 'bare LF'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x00', 'NUL in a value'],
    ['GET /a b HTTP/1.1\r\nHost: a', 'space in the target'],
    ['GET /a\x7f HTTP/1.1\r\nHost: a', 'DEL in the target'],
    ['DELETE / HTTP/1.1\r\nHost: a', 'another method'],
    ['get / HTTP/1.1\r\nHost: a', 'lower-case method'],
    ['GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue', 'Expect'],
    ['GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade', 'Upgrade'],
    [' GET / HTTP/1.1\r\nHost: a', 'leading space'],
  ]
  for (const [head, why] of cases) assert.equal(parse(head), 'handover', why)
})

test('an incomplete head is kept only while it can still become a request the fast path takes', () => {
  for (const t of [
    '',
    'G',
    'GE',
    'GET',
    'GET ',
    'GET /latest/me',
    'GET / HTTP/1.1\r',
    'GET / HTTP/1.1\r\nHost: x\r\nX-Forw',
    'HEAD /x HTTP/1.1\r\n',
    'PUT /latest/api/token HTTP/1.1\r\n',
  ]) {
    assert.equal(plausibleStart(t), true, JSON.stringify(t))
  }
  for (const t of [
    'POST',
    'a /x',
    'get /',
    'GETX /',
    'GET /x HTTP/1.0\r\n',
    'GET x HTTP/1.1\r\n',
    'GET /\xe9 HTTP/1.1\r\n',
    'GET / HTTP/1.1\nHost',
    'GET / HTTP/1.1\r\nHost: x\rY',
    '\r\nGET',
  ]) {
    assert.equal(plausibleStart(t), false, JSON.stringify(t))
  }
})

test('field values lose only SP / HTAB around them (not NBSP), and a value with a CTL is handed over', () => {
  assert.equal(req('GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: \t10.0.0.5\xa0 ').headers['x-forwarded-for'], '10.0.0.5\xa0')
  assert.equal(parse('GET / HTTP/1.1\r\nHost:  \nX-A: 1'), 'handover')
  assert.equal(parse('GET %2flatest HTTP/1.1\r\nHost: a'), 'handover', 'a target that is not origin-form is node:http business')
})
