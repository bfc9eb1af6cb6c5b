import {multipart} from '../mime.js'
import type {Instance} from '../types.js'
import {PHONE_HOME_PREFIX, REPORT_PATH} from './callbacks.js'

/**
 * `metadata serve --phone-home`: every VM's vendor-data gets one more cloud-config part that turns
 * on cloud-init's `phone_home` module (POST to /phone-home/$INSTANCE_ID at the end of the final
 * stage) and a `reporting:` webhook (every start/finish event to /report). Both go to the address
 * the VM already uses for metadata (169.254.169.254, DNATed to the server).
 *
 * cloud-init 22.4's Ec2 datasource reads no vendor-data at all, so for the EC2 / CloudStack paths the
 * part is added to the user-data instead — only to user-data cloud-init itself processes (a
 * `#cloud-config`, `#!` script, `#include`, boothook, jinja template, part-handler or MIME multipart):
 * anything else is an appliance's own configuration and is served untouched (its image must enable
 * phone_home itself; `progressCloudConfig` is the snippet).
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
  return multipart([
    {content: vendorData, filename: 'inventory'},
    {content: part, filename},
  ])
}

/** User-data that cloud-init processes itself (cloudinit/handlers + user_data.py's MIME detection). */
const CLOUD_INIT_USER_DATA =
  /^(?:#cloud-config|#!|#include|#cloud-boothook|## template: jinja|#part-handler|#cloud-config-archive|Content-Type: multipart\/)/

export function isCloudInitUserData(userData: string | undefined): userData is string {
  return userData !== undefined && CLOUD_INIT_USER_DATA.test(userData)
}

/**
 * The instances with the progress part appended to (or forming) their vendor-data, and appended to
 * their EC2 / CloudStack user-data when that is cloud-init's.
 */
export function withProgressVendorData(instances: readonly Instance[], base = DEFAULT_CALLBACK_BASE): Instance[] {
  const part = progressCloudConfig(base)
  // VMs of one profile have the same vendor-data: one result string for all of them, not a copy each
  const done = new Map<string | undefined, string>()
  const once = (text: string | undefined): string => {
    let out = done.get(text)
    if (out === undefined) {
      out = appendPart(text, part)
      done.set(text, out)
    }
    return out
  }
  return instances.map((i) => {
    const vendorData = once(i.vendorData)
    return isCloudInitUserData(i.userData) ? {...i, vendorData, ec2UserData: once(i.userData)} : {...i, vendorData}
  })
}
