import type {InventorySwitch, SwitchInventory} from '../../switch/inventory.js'

/** `netops switch inventory validate` (valid file): a summary line, then each switch with its resolved values and where each came from. */
export function renderSwitchInventory(inv: SwitchInventory): string {
  const n = inv.switches.length
  const groups = inv.groups.length === 0 ? 'no groups' : `groups: ${inv.groups.join(', ')}`
  const lines = [`${inv.file}: valid, ${n} switch${n === 1 ? '' : 'es'}, ${groups}`]
  for (const s of inv.switches) lines.push(...fit(`  ${s.host} (line ${s.line}): `, resolvedValues(s)))
  return lines.join('\n')
}

const WIDTH = 80

/** `head` then the values, broken after a comma to stay within 80 columns; continuation lines indented by 4. */
function fit(head: string, values: string[]): string[] {
  const out: string[] = []
  let line = head
  values.forEach((v, i) => {
    const piece = v + (i < values.length - 1 ? ',' : '')
    const sep = line === head || line === '    ' ? '' : ' '
    if (line.length + sep.length + piece.length > WIDTH && line.trim() !== head.trim() && line !== '    ') {
      out.push(line)
      line = '    ' + piece
    } else line += sep + piece
  })
  out.push(line)
  return out
}

function resolvedValues(s: InventorySwitch): string[] {
  const parts: string[] = []
  const add = (name: string, value: string | number | undefined, from: string | undefined) => {
    if (value !== undefined) parts.push(`${name} ${value}${from === 'host' || from === undefined ? '' : ` [${from}]`}`)
  }
  add('port', s.port, s.from.port)
  add('ssh_port', s.sshPort, s.from.sshPort)
  add('username', s.username, s.from.username)
  add('platform', s.platform, s.from.platform)
  return parts.length === 0 ? ['no values set (the flags give them)'] : parts
}
