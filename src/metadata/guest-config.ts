import type {Instance} from './types.js'

/**
 * What makes an unmodified cloud image use this server. Debian 12's cloud-init (22.4.2+deb12u3+)
 * disables itself unless ds-identify positively identifies a datasource, so the VM must say what
 * it is, from the host side (SMBIOS) or the image side (a cloud.cfg.d snippet).
 */
type GuestFlavor = 'nocloud' | 'openstack' | 'ec2'

export interface GuestConfig {
  flavor: GuestFlavor
  metadataUrl: string
  instance?: {id: string; uuid: string; hostname: string; ip: string}
  /** SMBIOS type-1 (system) fields. */
  smbios: {manufacturer: string; product: string; serial?: string; uuid?: string}
  /** Goes into the libvirt domain XML (with `<smbios mode='sysinfo'/>` inside `<os>`). */
  libvirtXml: string
  /** Arguments to add to a qemu command line. */
  qemuArgs: string[]
  /** The image-side alternative: a file to put in the image. */
  cloudCfg: {path: string; content: string}
  /** NICs the VM must be started with, in this order (network config matches them by MAC). */
  nics: Array<{name: string; mac: string; device: string; mode: string}>
  /** The host-side redirect that sends 169.254.169.254:80 to this server. */
  hostSide: string[]
  warnings: string[]
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;')
}

/** qemu -smbios values: a literal comma is written as two. */
function qemuValue(s: string): string {
  return s.replace(/,/g, ',,')
}

export interface GuestConfigOptions {
  flavor: GuestFlavor
  instance?: Instance
  /** How the VM reaches the server. Default http://169.254.169.254 (DNAT to the server's port). */
  metadataUrl?: string
  /** The server's listen port on the host (for the DNAT hint). Default 8807. */
  serverPort?: number
  /** ec2 only: impersonate AWS via SMBIOS (uuid and serial starting with `ec2`). */
  awsImpersonation?: boolean
}

export function guestConfig(opts: GuestConfigOptions): GuestConfig {
  const base = (opts.metadataUrl ?? 'http://169.254.169.254').replace(/\/+$/, '')
  const i = opts.instance
  const warnings: string[] = []
  const smbios: GuestConfig['smbios'] = {manufacturer: 'netops', product: 'netops VM'}
  let cloudCfg: string
  if (opts.flavor === 'nocloud') {
    // the seed URL must end in "/" and the prefix must be ds=nocloud-net on 22.4
    smbios.serial = `ds=nocloud-net;s=${base}/nocloud/`
    cloudCfg = `datasource_list: [NoCloud, None]\ndatasource:\n  NoCloud:\n    seedfrom: ${base}/nocloud/\n`
    warnings.push(
      'use ds=nocloud-net (as printed), not ds=nocloud: on cloud-init 22.4 (Debian 12) ds=nocloud with an http seed fetches the files, applies nothing (no hostname, users or scripts) and still reports "done"',
      'the seed URL must end in "/": 22.4 appends meta-data to it verbatim',
    )
  } else if (opts.flavor === 'openstack') {
    smbios.product = 'OpenStack Nova'
    smbios.manufacturer = 'OpenStack Foundation'
    if (i && UUID.test(i.uuid)) smbios.uuid = i.uuid
    else if (i)
      warnings.push(
        `uuid \`${i.uuid}\` of ${i.id} is not a UUID, so the SMBIOS uuid is left alone; set uuid: to a real UUID to let cloud-init trust its cache on reboot`,
      )
    cloudCfg = `# cloud-init 22.4 (Debian 12) still checks DMI for OpenStack on x86: this file alone is not enough there\ndatasource_list: [OpenStack, None]\ndatasource:\n  OpenStack:\n    metadata_urls: ["${base}"]\n`
    warnings.push('OpenStack on 22.4 x86 needs the SMBIOS product "OpenStack Nova" whatever cloud.cfg.d says (the bypass came in 23.2)')
    warnings.push('OpenStackLocal waits ~60 s for DHCP when the management NIC gets no lease; give it DHCP')
  } else {
    cloudCfg = `datasource_list: [Ec2, None]\ndatasource:\n  Ec2:\n    strict_id: false\n    metadata_urls: ["${base}"]\n`
    if (opts.awsImpersonation) {
      const uuid = i && UUID.test(i.uuid) ? i.uuid.toLowerCase() : '00000000-0000-0000-0000-000000000000'
      const id = `ec2${uuid.slice(3)}`
      smbios.uuid = id
      smbios.serial = id
      warnings.push(
        'AWS impersonation: cloud-init will require IMDSv2 tokens (served) and run AWS-only code paths; prefer nocloud or openstack',
      )
    } else {
      warnings.push(
        'SMBIOS cannot make Debian 12 pick Ec2 without impersonating AWS: ship the cloud.cfg.d snippet in the image, or use --flavor nocloud|openstack',
      )
    }
  }
  const entries: Array<[string, string | undefined]> = [
    ['manufacturer', smbios.manufacturer],
    ['product', smbios.product],
    ['serial', smbios.serial],
    ['uuid', smbios.uuid],
  ]
  const libvirtXml = [
    '<!-- inside <domain>; also put <smbios mode="sysinfo"/> inside <os> -->',
    "<sysinfo type='smbios'>",
    '  <system>',
    ...entries.filter(([, v]) => v !== undefined).map(([k, v]) => `    <entry name='${k}'>${xmlEscape(v!)}</entry>`),
    '  </system>',
    '</sysinfo>',
  ].join('\n')
  const qemuArgs = [
    '-smbios',
    `type=1,${entries
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${qemuValue(v!)}`)
      .join(',')}`,
  ]
  if (smbios.uuid) warnings.push('libvirt requires the sysinfo uuid to equal the domain <uuid>; qemu: also pass -uuid with the same value')
  const nics = (i?.interfaces ?? []).map((n) => ({name: n.name, mac: n.mac, device: n.device, mode: n.mode}))
  if (nics.length > 0)
    warnings.push(
      'start the VM with exactly these NICs (MACs) in this order: a served NIC the VM lacks stops cloud-init 22.4 ("Unable to find a system nic")',
    )
  const port = opts.serverPort ?? 8807
  const hostSide = [
    `iptables -t nat -A PREROUTING -d 169.254.169.254/32 -p tcp --dport 80 -j DNAT --to-destination <host address on the VM bridge>:${port}`,
    'the DNAT keeps the VM source address, which is how the server knows the VM; the VM needs DHCP on its first NIC and a route to 169.254.169.254',
  ]
  return {
    flavor: opts.flavor,
    metadataUrl: base,
    ...(i ? {instance: {id: i.id, uuid: i.uuid, hostname: i.hostname, ip: i.ip}} : {}),
    smbios,
    libvirtXml,
    qemuArgs,
    cloudCfg: {path: '/etc/cloud/cloud.cfg.d/90-netops.cfg', content: cloudCfg},
    nics,
    hostSide,
    warnings,
  }
}
