/**
 * The metadata server's face: what the `metadata` commands and the tests use. No implementation lives here
 * (start.ts starts a server, lifecycle.ts runs `metadata serve`, server.ts answers requests).
 */
export type {RequestLogEntry} from './server.js'
export {signInstanceId} from './identity.js'
export {loadInventory, formatIssue} from './inventory.js'
export {loadInventoryIsolated} from './isolated-load.js'
export type {ReloadResult} from './reload.js'
export {exampleInventoryPath, startMetadataServer} from './start.js'
export type {StartMetadataServerOptions, StartedMetadataServer} from './start.js'
export {startWithFallbacks, serveStartup, runUntilSignal, rejectedJournalNote, queueEarlySignals, type EarlySignals} from './lifecycle.js'
export {DEFAULT_ADMIN_LISTEN, isLoopbackHost} from './admin/server.js'
export {DEFAULT_CALLBACK_BASE} from './progress/vendor-data.js'
export {DEFAULT_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_SEND_TIMEOUT_MS, defaultMaxConnections, readSoftFdLimit} from './limits.js'
