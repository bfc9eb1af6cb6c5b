import {multipart} from '../mime.js'
import type {Instance} from '../types.js'
import {PHONE_HOME_PREFIX, REPORT_PATH} from './callbacks.js'

/**
 * `metadata serve --phone-home`: every VM's vendor-data gets one more cloud-config part that turns
 * on cloud-init's `phone_home` module (POST to /phone-home/$INSTANCE_ID at the end of the final
 * stage) and a `reporting:` webhook (every start/finish event to /report). Both go to the address
 * the VM already uses for metadata (169.254.169.254, DNATed to the server).
 *
 * cloud-init 22.4's Ec2 datasource does not fetch vendor-data from a non-AWS server, so on Ec2 the
 * VM's own image or user-data must enable phone_home (the same snippet, see `progressCloudConfig`).
 */
export const DEFAULT_CALLBACK_BASE = 'http://169.254.169.254'

export function progressCloudConfig(base = DEFAULT_CALLBACK_BASE): string {
  const b = base.replace(/\/+$/, '')
  return [
    '#cloud-config',
    '# added by netops metadata serve --phone-home: tell the server when provisioning is done',
    'phone_home:',
    `  url: ${b}${PHONE_HOME_PREFIX}$INSTANCE_ID`,
    '  post: [instance_id, hostname, fqdn]',
    '  tries: 10',
    'reporting:',
    '  netops:',
    '    type: webhook',
    `    endpoint: ${b}${REPORT_PATH}`,
    '    timeout: 5',
    '    retries: 2',
    '',
  ].join('\n')
}

/** Add one cloud-config part to a vendor-data document (plain → multipart; multipart → one more part). */
export function appendPart(vendorData: string | undefined, part: string, filename = 'netops-progress'): string {
  if (vendorData === undefined || vendorData.trim() === '') return part
  const m = /^Content-Type: multipart\/mixed; boundary="([^"]+)"/.exec(vendorData)
  const close = m ? `--${m[1]}--` : undefined
  if (m && close && vendorData.includes(close)) {
    const at = vendorData.lastIndexOf(close)
    const body = [
      `--${m[1]}`,
      'Content-Type: text/cloud-config; charset="utf-8"',
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: 8bit',
      `Content-Disposition: attachment; filename="${filename}"`,
      '',
      part.endsWith('\n') ? part.slice(0, -1) : part,
      '',
    ].join('\n')
    return vendorData.slice(0, at) + body + vendorData.slice(at)
  }
  return multipart([{content: vendorData, filename: 'inventory'}, {content: part, filename}])
}

/** The instances with the progress part appended to (or forming) their vendor-data. */
export function withProgressVendorData(instances: readonly Instance[], base = DEFAULT_CALLBACK_BASE): Instance[] {
  const part = progressCloudConfig(base)
  // VMs of one profile have the same vendor-data: one result string for all of them, not a copy each
  const done = new Map<string | undefined, string>()
  return instances.map((i) => {
    let vendorData = done.get(i.vendorData)
    if (vendorData === undefined) {
      vendorData = appendPart(i.vendorData, part)
      done.set(i.vendorData, vendorData)
    }
    return {...i, vendorData}
  })
}
