/**
 * The metadata server's data model: what the inventory describes after layering and validation.
 * Everything here is plain data; flavours turn an Instance into documents.
 */

/** One NIC of a VM, after profile + instance layering. */
export interface InstanceInterface {
  /** Logical name from the inventory (mgmt, inside, inspect). */
  name: string
  /** Guest device name used by the ENI / netplan renderings (default eth<index>). */
  device: string
  /** Lower-case, colon-separated. */
  mac: string
  /** Static addresses in CIDR form (v4 and/or v6). */
  addresses: string[]
  gateway?: string
  gateway6?: string
  dns: string[]
  dhcp4: boolean
  dhcp6: boolean
  /** `inline` = an L2 port with no address (IPS inspect port). */
  mode: 'routed' | 'inline'
  mtu?: number
  routes: Array<{to: string; via: string}>
}

/** A user_data / vendor_data part (several parts are combined as MIME multipart). */
export interface UserDataPart {
  content: string
  /** MIME type; inferred from the first line when not given. */
  type?: string
  filename?: string
}

/** One VM, fully layered and with templates already filled. */
export interface Instance {
  id: string
  uuid: string
  hostname: string
  /** Normalised address the VM asks from (its identity). */
  ip: string
  /** Primary MAC (instance `mac:` or the first interface's). */
  mac?: string
  profile?: string
  availabilityZone: string
  publicKeys: Array<{name: string; key: string}>
  /** Rendered user-data bytes (multipart already assembled), undefined = none. */
  userData?: string
  /**
   * `userData` (and `ec2UserData`) hold raw bytes, one character per byte (latin1): user_data_base64 whose
   * bytes are not UTF-8 text (a gzip, …). Served as exactly those bytes (flavors/common.ts userDataBody).
   */
  userDataBinary?: true
  /**
   * User-data as served on the EC2 / CloudStack paths when it differs from `userData`: cloud-init's
   * Ec2 datasource reads no vendor-data, so `serve --phone-home` puts its part here (see
   * progress/vendor-data.ts).
   */
  ec2UserData?: string
  vendorData?: string
  /** Merged meta_data (profile then instance). */
  meta: Record<string, unknown>
  interfaces: InstanceInterface[]
  /** CloudStack password server secret; never printed. */
  password?: string
  /** Where the record was defined (file:line:column), for messages. */
  source?: string
}

/** What a flavour answers for one path. */
export interface FlavorResponse {
  status: number
  contentType: string
  body: string | Buffer
}

/** Options that shape the rendered documents (same for every VM of a server). */
export interface FlavorContext {
  /** Custom namespace (--namespace), e.g. `nsfocus` → /nsfocus/latest/meta_data.json. */
  namespace?: string
  /** Launch index of the VM in the inventory (OpenStack launch_index). */
  launchIndex?: number
}

export type FlavorName = 'ec2' | 'openstack' | 'nocloud' | 'cloudstack' | 'custom'
