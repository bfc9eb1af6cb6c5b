import {startMetadataServer} from '../../../src/metadata/index.js'
import {crawl} from '../../helpers/cloud-init.js'
const s = await startMetadataServer({inventory: {instances: [{id: 'i-1', hostname: 'h1', ip: '127.78.0.1', mac: '52:54:00:01:00:01', user_data: '#!/bin/sh\necho hi\n'}]}, imdsv2: 'required'})
const r = await crawl({flavor: 'ec2', server: `127.0.0.1:${s.port}`, source: '127.78.0.1', imdsv2: true, maxWaitS: 3, deadlineS: 60})
console.log(r.ok, r.elapsedS, r.requests.length, r.requests.filter(q => q[2] !== 200).length, r.warnings)
await s.close()
