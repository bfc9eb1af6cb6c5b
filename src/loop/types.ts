/**
 * Facts `netops loop trace` joins (issue 13): what the switch sees on a port, what the node's bridge
 * sees, and the verdict drawn from both. Parsers (src/parsers) produce the switch-side records, the
 * node reader (src/loop/node-facts.ts) the node-side ones; src/loop/verdict.ts joins them.
 * MAC addresses are always lower-case, colon-separated (`52:54:00:aa:bb:01`); switch ports are full
 * interface names (`GigabitEthernet1/0/19`, `Ethernet1/19`).
 */

/** One row of `show mac address-table [interface X]`. */
export interface MacEntry {
  vlan: number
  mac: string
  /** `dynamic`, `static`, ... as the device says, lower-case. */
  type: string
  /** Full interface name. */
  port: string
}

/** One neighbour from `show lldp neighbors <if> detail` or `show cdp neighbors <if> detail` (or lldpctl on a node). */
export interface Neighbor {
  protocol: 'lldp' | 'cdp'
  /** The local interface the neighbour was heard on (full name on a switch, NIC name on a node). */
  localPort: string
  /** LLDP system name / CDP Device ID. */
  systemName?: string
  /** LLDP chassis id (a MAC when its subtype is mac address, lower-cased as above). */
  chassisId?: string
  /** LLDP port id / CDP Port ID (outgoing port): the neighbour's own interface name or MAC. */
  portId?: string
  portDescription?: string
  /** Management / CDP entry addresses, as printed. */
  managementAddresses: string[]
  /** Platform / system description, first line. */
  platform?: string
}

/** The switch side of a trace: one port and the ports in its VLANs. */
export interface SwitchSide {
  /** The switch's hostname (its prompt), or the ssh target label. */
  switch: string
  port: string
  vlans: number[]
  macs: MacEntry[]
  neighbors: Neighbor[]
  /** The port's description (`description node1 eth0`), when it has one: the last resort when nothing is learned on the port (err-disabled). */
  description?: string
  /**
   * Other up ports in the same VLANs, with what was learned on them. A peer read on ANOTHER switch
   * (one LLDP/CDP hop away, sharing the VLAN over a trunk) carries that switch's name in `switch`.
   */
  peers: Array<{port: string; vlans: number[]; macs: MacEntry[]; neighbors: Neighbor[]; description?: string; switch?: string}>
}

/** A NIC on the node (`ip -j link`). */
export interface NodeNic {
  name: string
  mac: string
  up: boolean
  /** The OVS bridge holding it (directly or through a bond), if any. */
  bridge?: string
  /** The OVS port (bond) name when the NIC is a bond member. */
  bond?: string
}

/** An OVS bridge as the trace needs it. */
export interface NodeBridge {
  name: string
  stp: boolean
  rstp: boolean
  /** Ports with their interfaces and, when STP/RSTP runs, their role and state (lower-case as OVS prints them). */
  ports: Array<{name: string; interfaces: string[]; bond: boolean; role?: string; state?: string}>
  /** `ovs-appctl fdb/show`: MAC → OVS port name, with VLAN. */
  fdb: Array<{port: string; vlan: number; mac: string}>
}

export interface NodeSide {
  /** `local` or the ssh target label. */
  node: string
  nics: NodeNic[]
  bridges: NodeBridge[]
  /** lldpctl neighbours when lldpd runs (else empty, and `lldp: false`). */
  neighbors: Neighbor[]
  lldp: boolean
}

export type Verdict = 'bridge-loop' | 'stp-blocked' | 'bond' | 'single-link' | 'unknown'

/** One cable between a switch port and a node NIC, with why we believe it. */
export interface Link {
  switch: string
  switchPort: string
  nic: string
  bridge?: string
  mac: string
  evidence: string[]
}
