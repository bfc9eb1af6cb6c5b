import {BaseCommand} from '../../src/cli/base-command.js'
import {checkLoopFlags, loopTraceFlags, loopTraceIo, loopTraceOptions} from '../../src/cli/loop.js'
import {loopApplyFlags, prepareApply, runLoopApply} from '../../src/cli/loop-apply.js'
import {canPrompt} from '../../src/cli/prompt.js'
import {renderApplyResult} from '../../src/cli/render/loop-apply.js'
import type {ApplyResult} from '../../src/loop/apply.js'
import {renderLoopTrace} from '../../src/cli/render/loop.js'
import {traceJson, traceLoop, type LoopTraceJson} from '../../src/loop/trace.js'

export default class LoopTrace extends BaseCommand {
  static override summary = "follow a looped switch port into the node's Open vSwitch bridge and back (read-only)"
  static override description = `Joins the switch's view of a port with the node's bridges to say WHY the switch saw its own keepalive frame come back: a real layer-2 loop through the node (two NICs of one OVS bridge facing the same VLAN, spanning tree off), or no loop at all.

Switch side: the port's state and err-disable cause (as \`switch diagnose\` reads them), its VLAN(s), the whole MAC address table, LLDP and CDP neighbours (one read each), and the other up ports of the VLAN with their MACs and neighbours. A switch heard by LLDP/CDP on one of those ports is read too, ONE level deep: by its system name when ~/.ssh/config has a Host entry for it, else by its management address, with the same switch flags except --ssh-port and --platform (~/.ssh/config Port or 22; show version); one that cannot be read is reported in the evidence.

Node: --node HOST (an ssh host or ~/.ssh/config alias) or --node local; without --node, the LLDP/CDP neighbour on the port (or on its VLAN peers) that is not a switch: its system name through ~/.ssh/config, else its management address. Read: NICs (ip -j link), OVS bridges, bonds, STP/RSTP port roles, forwarding tables, lldpctl when lldpd runs.

Verdicts: bridge-loop, stp-blocked, bond, single-link, unknown (with what could not be seen). Exit 0 whatever the verdict; a node that cannot be read gives unknown. Never changes anything: the plan lists the commands that would fix the node (first) and the switch.

--json: {switch, port, node, nodeIdentifiedBy, switches, links: [{switch, switchPort, nic, bridge, mac, evidence}], bridge: {name, stp, rstp, ports}, verdict, evidence, plan: {node, switch}, apply: null}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --switch sw1 --port 19',
    '<%= config.bin %> <%= command.id %> --switch sw1 --port Gi1/0/19 --node node1 --sudo',
    '<%= config.bin %> <%= command.id %> --switch 127.0.0.1 --ssh-port 2201 --username admin --port 19 --node local --json',
    '<%= config.bin %> <%= command.id %> --switch 10.20.0.7 --jump admin@bastion.example.net --port Gi1/0/19 --node node1 --node-jump admin@bastion.example.net',
  ]

  static override flags = {...loopTraceFlags, ...loopApplyFlags}

  async run(): Promise<LoopTraceJson & {apply: ApplyResult | null}> {
    const {flags} = await this.parse(LoopTrace)
    checkLoopFlags(flags)
    const stp = flags.apply === true ? prepareApply(flags, canPrompt() && !this.jsonEnabled()) : undefined
    const io = loopTraceIo(flags, process.env, {
      warn: (m) => this.warnLine(m),
      progress: (m) => this.info(m),
      askSecret: this.secretAsker(),
    })
    const trace = await traceLoop(io, loopTraceOptions(flags))
    const width = this.outputWidth()
    this.render((t) => renderLoopTrace(t, width), trace)
    if (stp === undefined) return traceJson(trace)
    const apply = await runLoopApply(trace, flags, stp, io, {
      info: (m) => this.info(m),
      warn: (m) => this.warnLine(m),
      width,
      json: this.jsonEnabled(),
      errorJson: (e) => this.toErrorJson(e),
    })
    this.render((r) => '\n' + renderApplyResult(r, width), apply)
    return {...traceJson(trace), apply}
  }
}
