/** The SSH transport layer: one import for callers. */
export {SshTransport, type HostKeyInfo} from './transport.js'
export {resolveTarget, targetLabel, isResolvedTarget, DEFAULT_TIMEOUT_MS, DEFAULT_PORT} from './target.js'
export {shellQuote, quoteArg} from './quote.js'
export {defaultKnownHostsFile, fingerprint} from './known-hosts.js'
export {LEGACY_ALGORITHMS} from './algorithms.js'
export type * from './types.js'
