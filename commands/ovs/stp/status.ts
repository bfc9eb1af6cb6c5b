import {Args} from '@oclif/core'
import {BaseCommand} from '../../../src/cli/base-command.js'
import {onTargets, ovsFlags} from '../../../src/cli/ovs.js'
import type {MultiHostResult} from '../../../src/cli/multi-host.js'
import {renderStpStatus, summarizeStatus} from '../../../src/cli/render/ovs.js'
import {getStpStatus, type StpBridgeStatus} from '../../../src/ovs/stp.js'

export default class OvsStpStatus extends BaseCommand {
  static override summary = 'show spanning tree state of Open vSwitch bridges, port by port'
  static override description = `Reads the bridge and port state from ovsdb (works even when ovs-vswitchd is down) and the live spanning-tree view from ovs-appctl stp/show or rstp/show. Internal ports never run STP and are shown as such. Without a bridge argument, every bridge is shown. When ovs-vswitchd is not running, the port states ovsdb still holds are from when it last ran: marked "(stale)" (stale: true).

--json: one bridge → {bridge, stp, rstp, mode, active, bridgeId, rootId, isRoot, rootPort, rootPathCost, config, ports: [{name, type, internal, state, role, portId, pathCost, bpdu, stale}], warnings}; no bridge argument → a list of those; several --host → {hosts: [{host, ok, result | error}]}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> br0',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> br0 --host node7 --host node8 --sudo',
    '<%= config.bin %> <%= command.id %> br0 --host 10.1.0.7 --jump ops@bastion',
    '<%= config.bin %> <%= command.id %> br0 --db unix:/var/run/openvswitch/db.sock --target /var/run/openvswitch/ovs-vswitchd.ctl',
  ]

  static override args = {bridge: Args.string({required: false, description: 'bridge name, e.g. br0 (default: all bridges)'})}
  static override flags = {...ovsFlags}

  async run(): Promise<StpBridgeStatus | StpBridgeStatus[] | MultiHostResult<StpBridgeStatus | StpBridgeStatus[]>> {
    const {args, flags} = await this.parse(OvsStpStatus)
    const outcome = await this.step('Reading spanning tree state', () =>
      onTargets(
        flags,
        process.env,
        async (vsctl) => {
          const list = await getStpStatus(vsctl, args.bridge)
          return args.bridge === undefined ? list : (list[0] as StpBridgeStatus)
        },
        {askSecret: this.secretAsker()},
      ),
    )
    const asList = (v: StpBridgeStatus | StpBridgeStatus[]): StpBridgeStatus[] => (Array.isArray(v) ? v : [v])
    if (!outcome.multi) for (const st of asList(outcome.value)) for (const w of st.warnings) this.warnLine(w)
    return this.finishTargets(
      outcome,
      (v) => renderStpStatus(asList(v)),
      (v) => summarizeStatus(asList(v)),
    )
  }
}
