/** StoreConnection.wrap(): etcd3 / grpc-js failures (texts as seen from a real etcd 3.4) turned into store errors. */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {EtcdAuthenticationFailedError, EtcdPermissionDeniedError, GRPCInvalidArgumentError, GRPCUnavailableError} from 'etcd3'
import {StoreAuthError, StoreUnreachableError} from '../../../../src/errors.js'
import {StoreConnection, type StoreConnectionOptions} from '../../../../src/metadata/store/connection.js'
import {parseStoreUrl} from '../../../../src/metadata/store/url.js'

const URL = 'etcd://127.0.0.1:2379'
const unavailable = (last: string) =>
  new GRPCUnavailableError(`14 UNAVAILABLE: No connection established. Last error: ${last} (2026-12-04T16:26:37.819Z). Resolution note: `)

function wrap(err: Error, o: Partial<StoreConnectionOptions> = {}): {error: unknown; message: string; suggestions: string} {
  const conn = new StoreConnection({url: parseStoreUrl(URL), prefix: '/p/', ...o})
  try {
    const error = conn.wrap(err) as Error & {suggestions?: string[]}
    return {error, message: error.message, suggestions: (error.suggestions ?? []).join('\n')}
  } finally {
    conn.close()
  }
}

const tls = {ca: Buffer.from('ca')}

describe('StoreConnection.wrap', () => {
  test('an untrusted server certificate says so, without the grpc-js clutter', () => {
    for (const last of ['Error: unable to verify the first certificate.', 'Error: self-signed certificate in certificate chain']) {
      const r = wrap(unavailable(last), {tls})
      assert.ok(r.error instanceof StoreUnreachableError)
      assert.match(r.message, new RegExp(`^cannot reach the etcd store at ${URL}: its TLS certificate is not trusted by --store-ca \\(`))
      assert.doesNotMatch(r.message, /Resolution note|2026-|\.\)$/)
      assert.match(r.suggestions, /--store-ca must be the CA certificate/)
    }
  })

  test('a refused handshake without --store-cert: the cluster requires a client certificate', () => {
    const alert =
      '804CE647E57F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n'
    assert.equal(wrap(unavailable(alert), {tls}).message, `cannot reach the etcd store at ${URL}: it requires a TLS client certificate`)
  })

  test('without TLS the grpc text stays, cleaned', () => {
    const r = wrap(unavailable('Failed to connect'))
    assert.equal(r.message, `cannot reach the etcd store at ${URL}: UNAVAILABLE: No connection established. Last error: Failed to connect`)
  })

  test('a refused password names the user, never the password; a denied prefix hints at grant-permission', () => {
    const auth = {user: 'netops', password: 'pw-secret'}
    const failed = wrap(
      new EtcdAuthenticationFailedError('3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password'),
      {auth},
    )
    assert.ok(failed.error instanceof StoreAuthError)
    assert.match(failed.message, /refused the credentials of user "netops": INVALID_ARGUMENT: etcdserver: authentication failed/)
    assert.ok(!(failed.message + failed.suggestions).includes('pw-secret'))
    const denied = wrap(new EtcdPermissionDeniedError('7 PERMISSION_DENIED: etcdserver: permission denied'), {auth})
    assert.ok(denied.error instanceof StoreAuthError)
    assert.match(denied.message, /denied user "netops" access to \/p\//)
    assert.match(denied.suggestions, /etcdctl role grant-permission --prefix ROLE readwrite \/p\//)
  })

  test('auth on and no credentials given (etcd: user name is empty) is an auth error, not "unreachable"', () => {
    const r = wrap(new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: user name is empty'))
    assert.ok(r.error instanceof StoreAuthError)
    assert.match(r.suggestions, /set NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD/)
  })
})
