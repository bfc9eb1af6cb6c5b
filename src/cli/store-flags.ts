/** `--store` and its companions, shared by the commands that talk to the etcd inventory store. */
import {readFileSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import type {StoreConnectionOptions} from '../metadata/store/connection.js'
import {DEFAULT_STORE_PREFIX, parseStorePrefix, parseStoreUrl, type StoreUrl} from '../metadata/store/url.js'

const parsed =
  <T>(parse: (input: string) => T) =>
  (input: string): Promise<T> =>
    new Promise<T>((resolve) => resolve(parse(input)))

export const storeFlags = {
  store: Flags.custom<StoreUrl>({
    parse: parsed(parseStoreUrl),
    env: 'NETOPS_METADATA_STORE',
    required: true,
    description: 'etcd cluster: etcd://HOST:PORT[,HOST:PORT...] (user and password from NETOPS_METADATA_STORE_USER / _PASSWORD)',
  })(),
  'store-prefix': Flags.custom<string>({
    parse: parsed(parseStorePrefix),
    default: DEFAULT_STORE_PREFIX,
    description: 'key prefix of this metadata service in etcd',
  })(),
  'store-ca': Flags.file({exists: true, description: 'CA certificate of the etcd cluster (turns TLS on)'}),
  'store-cert': Flags.file({exists: true, dependsOn: ['store-key', 'store-ca'], description: 'client certificate for etcd'}),
  'store-key': Flags.file({exists: true, dependsOn: ['store-cert', 'store-ca'], description: 'client private key for etcd'}),
}

export interface StoreFlagValues {
  store: StoreUrl
  'store-prefix': string
  'store-ca'?: string | undefined
  'store-cert'?: string | undefined
  'store-key'?: string | undefined
}

/** Connection options from the flags and, for the credentials, the environment (never printed). */
export function storeConnection(flags: StoreFlagValues, env: NodeJS.ProcessEnv = process.env): StoreConnectionOptions {
  const user = env['NETOPS_METADATA_STORE_USER']
  const password = env['NETOPS_METADATA_STORE_PASSWORD']
  if ((user === undefined) !== (password === undefined))
    throw new UsageError('set both NETOPS_METADATA_STORE_USER and NETOPS_METADATA_STORE_PASSWORD, or neither')
  const ca = flags['store-ca']
  return {
    url: flags.store,
    prefix: flags['store-prefix'],
    ...(ca === undefined
      ? {}
      : {
          tls: {
            ca: readFileSync(ca),
            ...(flags['store-cert'] ? {cert: readFileSync(flags['store-cert'])} : {}),
            ...(flags['store-key'] ? {key: readFileSync(flags['store-key'])} : {}),
          },
        }),
    ...(user !== undefined && password !== undefined ? {auth: {user, password}} : {}),
  }
}
