import {BaseCommand} from '../../src/cli/base-command.js'
import {checkLoopFlags, loopTraceFlags, loopTraceIo, loopTraceOptions} from '../../src/cli/loop.js'
import {loopApplyFlags, prepareApply, runLoopApply} from '../../src/cli/loop-apply.js'
import {canPrompt} from '../../src/cli/prompt.js'
import {renderApplyResult} from '../../src/cli/render/loop-apply.js'
import type {ApplyResult} from '../../src/loop/apply.js'
import {renderLoopTrace} from '../../src/cli/render/loop.js'
import {traceJson, traceLoop, type LoopTraceJson} from '../../src/loop/trace.js'

export default class LoopTrace extends BaseCommand {
  static override summary = "follow a looped switch port into the node's Open vSwitch bridge and back (read-only; --apply fixes both ends)"
  static override description = `Joins the switch's view of a port with the node's bridges to say WHY the switch saw its own keepalive frame come back: a real layer-2 loop through the node (two NICs of one OVS bridge facing the same VLAN, spanning tree off), or no loop at all.

Switch side: the port's state and err-disable cause (as \`switch diagnose\` reads them), its VLAN(s), the whole MAC address table, LLDP and CDP neighbours (one read each), and the other up ports of the VLAN with their MACs and neighbours. A port where nothing is learned now (err-disabled) is tied to a node NIC by its description when that names the node and the NIC (\`description node1 eth0\`), and the evidence says so. A switch heard by LLDP/CDP on one of those ports is read too, ONE level deep: by its system name when ~/.ssh/config has a Host entry for it, else by its management address, with the same switch flags except --ssh-port and --platform (~/.ssh/config Port or 22; show version); one that cannot be read is reported in the evidence.

Node: --node HOST (an ssh host or ~/.ssh/config alias) or --node local; without --node, the LLDP/CDP neighbour on the port (or on its VLAN peers) that is not a switch: its system name through ~/.ssh/config, else its management address. Read: NICs (ip -j link), OVS bridges, bonds, STP/RSTP port roles, forwarding tables, lldpctl when lldpd runs.

Verdicts: bridge-loop, stp-blocked, bond, single-link, unknown (with what could not be seen). Exit 0 whatever the verdict; a node that cannot be read gives unknown. Without --apply it never changes anything: the plan lists the commands that would fix the node (first) and the switch.

--apply fixes both ends in a safe order, after showing both plans and asking once (--yes skips; without a terminal and without --yes it refuses): on a bridge-loop, the node first: STP on the bridge (the validation, warnings and timer flags of \`netops ovs stp on\`), then a wait until the bridge blocks one of the looped ports (--settle-timeout); if it settles with nothing blocked it stops there and sends nothing to the switch. Then the switch port: the fix-loop plan (--interval, --bounce, --save). Then both ends are read back (exit 6 if they disagree). stp-blocked, bond and single-link leave the node alone and fix the switch side. --no-stp: STP is not wanted on the bridge: the node is left alone, the alternatives (bond the NICs, or remove one from the bridge) are printed, the switch side is fixed, with a warning that the loop stays. unknown: refused with nothing sent (exit 12, NETOPS_LOOP_UNKNOWN). A second run changes nothing. Ctrl-C or SIGTERM: during the node step the report says what was done on the node and that nothing was sent to the switch; during the switch step it reports as fix-loop does (exit 15); STP turned on stays on.

--json: {switch, port, node, nodeIdentifiedBy, switches, links: [{switch, switchPort, nic, bridge, mac, evidence}], bridge: {name, stp, rstp, ports}, verdict, evidence, plan: {node, switch}, apply}; apply is null without --apply, else {verdict, changed, node: {node, bridge, action, reason, change, settled}, switch: (fix-loop's result), verified: {node, switch, ok}, alternatives, warnings}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --switch sw1 --port 19',
    '<%= config.bin %> <%= command.id %> --switch sw1 --port Gi1/0/19 --node node1 --sudo',
    '<%= config.bin %> <%= command.id %> --switch 127.0.0.1 --ssh-port 2201 --username admin --port 19 --node local --json',
    '<%= config.bin %> <%= command.id %> --switch sw1 --port 19 --node node1 --sudo --apply',
    '<%= config.bin %> <%= command.id %> --switch sw1 --port 19 --node node1 --sudo --apply --yes --bounce --save --hello-time 1 --max-age 6 --forward-delay 4',
    '<%= config.bin %> <%= command.id %> --switch sw1 --port 19 --node node1 --apply --no-stp --yes',
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
    this.render((t) => renderLoopTrace(t, width, {plan: stp === undefined}), trace)
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
