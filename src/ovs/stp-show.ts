/**
 * Parser for `ovs-appctl stp/show [bridge]` and `ovs-appctl rstp/show [bridge]` (OVS 3.1).
 * Both print one section per bridge:
 *
 *   ---- br0 ----
 *   Root ID:
 *     stp-priority  4096
 *     stp-system-id   a2:f7:44:98:0a:4a
 *     ...timers...
 *     root-port       loop0a            (or: This bridge is the root)
 *     root-path-cost  2
 *
 *   Bridge ID:
 *     stp-priority  32768
 *     stp-system-id   aa:4f:ea:f6:3a:4b
 *
 *     Interface  Role       State      Cost  Pri.Nbr
 *     ---------- ---------- ---------- ----- -------
 *     loop0a     root       forwarding 2     128.1
 *
 * RSTP capitalises roles and states (`Alternate`, `Discarding`); both are lower-cased here.
 * Timer lines are NOT parsed: in OVS 3.1 they look swapped between Root ID and Bridge ID and the
 * configured values live in other_config anyway. Ports administratively down ("disabled") and
 * internal ports are absent from the table; ovsdb's Port.status has their state.
 */

interface StpShowId {
  priority: number | null
  systemId: string | null
}

interface StpShowPort {
  name: string
  role: string
  state: string
  cost: number | null
  /** `Pri.Nbr` as printed, e.g. `128.1`. */
  priorityNumber: string
}

export interface StpShowBridge {
  bridge: string
  root: StpShowId
  self: StpShowId
  isRoot: boolean
  rootPort: string | null
  rootPathCost: number | null
  ports: StpShowPort[]
}

function toInt(s: string | undefined): number | null {
  if (s === undefined) return null
  const n = Number.parseInt(s, 10)
  return Number.isFinite(n) ? n : null
}

export function parseStpShow(text: string): StpShowBridge[] {
  const bridges: StpShowBridge[] = []
  let cur: StpShowBridge | undefined
  let section: 'root' | 'self' | 'ports' | undefined
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const line = raw.trimEnd()
    const head = /^----\s+(\S+)\s+----$/.exec(line.trim())
    if (head?.[1] !== undefined) {
      cur = {
        bridge: head[1],
        root: {priority: null, systemId: null},
        self: {priority: null, systemId: null},
        isRoot: false,
        rootPort: null,
        rootPathCost: null,
        ports: [],
      }
      bridges.push(cur)
      section = undefined
      continue
    }
    if (cur === undefined) continue
    const t = line.trim()
    if (t === '') continue
    if (t === 'Root ID:') {
      section = 'root'
      continue
    }
    if (t === 'Bridge ID:') {
      section = 'self'
      continue
    }
    if (/^Interface\s+Role\s+State\s+Cost\s+Pri\.Nbr$/.test(t)) {
      section = 'ports'
      continue
    }
    if (/^-+(\s+-+)+$/.test(t)) continue
    if (section === 'root' || section === 'self') {
      const id = section === 'root' ? cur.root : cur.self
      const kv = /^(\S+)\s+(.+)$/.exec(t)
      if (t === 'This bridge is the root') cur.isRoot = true
      else if (kv?.[1] === 'stp-priority') id.priority = toInt(kv[2])
      else if (kv?.[1] === 'stp-system-id') id.systemId = kv[2]?.trim() ?? null
      else if (kv?.[1] === 'root-port' && section === 'root') cur.rootPort = kv[2]?.trim() ?? null
      else if (kv?.[1] === 'root-path-cost' && section === 'root') cur.rootPathCost = toInt(kv[2])
      continue
    }
    if (section === 'ports') {
      const cols = t.split(/\s+/)
      if (cols.length < 5) continue
      const [name, role, state, cost, priNbr] = cols as [string, string, string, string, string]
      cur.ports.push({name, role: role.toLowerCase(), state: state.toLowerCase(), cost: toInt(cost), priorityNumber: priNbr})
    }
  }
  return bridges
}
