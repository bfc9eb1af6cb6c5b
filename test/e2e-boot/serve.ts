/**
 * The metadata server as the full-boot test runs it: inside the boot's private network namespace
 * (boot.sh starts it), on 127.0.0.1:PORT with the CloudStack password server on PW_PORT.
 * With --phone-home's vendor-data / user-data part. Logs one JSON line per request on stdout (never user-data, keys or passwords), after "listening".
 *
 *   node --import tsx test/e2e-boot/serve.ts INVENTORY PORT PW_PORT
 */
import {startMetadataServer} from '../../src/metadata/index.js'

const [inventory, port, pwPort] = process.argv.slice(2)
if (!inventory || !port || !pwPort) {
  console.error('usage: serve.ts INVENTORY PORT PW_PORT')
  process.exit(2)
}
const server = await startMetadataServer({
  inventory,
  host: '127.0.0.1',
  port: Number(port),
  passwordPort: Number(pwPort),
  phoneHome: true, // phone_home + reporting webhook for every flavour (EC2 / CloudStack through user-data)
  logger: (e) => console.log(JSON.stringify(e)),
  passwordLogger: (e) => console.log(JSON.stringify({password: true, ...e})),
})
console.log(`listening ${server.url} ${server.passwordUrl ?? ''}`)
const stop = () => void server.close().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
