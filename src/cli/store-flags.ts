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

const storeUrlFlag = Flags.custom<StoreUrl>({
  parse: parsed(parseStoreUrl),
  env: 'NETOPS_METADATA_STORE',
  description: 'etcd cluster: etcd://HOST:PORT[,HOST:PORT...] (user and password from NETOPS_METADATA_STORE_USER / _PASSWORD)',
})

export const storeFlags = {
  store: storeUrlFlag({required: true}),
  'store-prefix': Flags.custom<string>({
    parse: parsed(parseStorePrefix),
    default: DEFAULT_STORE_PREFIX,
    description: 'key prefix of this metadata service in etcd',
  })(),
  'store-ca': Flags.file({exists: true, description: 'CA certificate of the etcd cluster (turns TLS on)'}),
  'store-cert': Flags.file({exists: true, dependsOn: ['store-key', 'store-ca'], description: 'client certificate for etcd'}),
  'store-key': Flags.file({exists: true, dependsOn: ['store-cert', 'store-ca'], description: 'client private key for etcd'}),
}

/** `metadata serve`: the same flags, --store optional (it turns replica mode on), and the replica's own. */
export const serveStoreFlags = {
  ...storeFlags,
  store: storeUrlFlag({
    description:
      'follow the inventory published in this etcd cluster (netops metadata inventory push) instead of --inventory: etcd://HOST:PORT[,HOST:PORT...]',
  }),
  'replica-name': Flags.string({description: "this replica's name in the store and on /healthz (default: the host name)"}),
  'store-cache': Flags.string({
    description: 'keep the last generation loaded from etcd in this directory, so that the replica can start while etcd is down',
  }),
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
