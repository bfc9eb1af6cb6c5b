import {networkInterfaces} from 'node:os'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderRedirect} from '../../src/cli/render/redirect.js'
import {UsageError} from '../../src/errors.js'
import {
  applyRedirect,
  describeRedirect,
  parseTarget,
  planRedirect,
  removeRedirect,
  validateBridge,
  type RedirectPlan,
  type RedirectResult,
} from '../../src/metadata/redirect/index.js'
import {LocalExecutor} from '../../src/ovs/executor.js'

/** `--to HOST:PORT`: checked as it is parsed (IPv4 literal, port 1-65535, not the metadata address itself). */
const toFlag = Flags.custom<string>({
  description: 'HOST:PORT of the metadata server (IPv4), e.g. 127.0.0.1:8807 or 10.0.0.5:8807',
  parse: (input) => {
    parseTarget(input)
    return Promise.resolve(input)
  },
})

/** `--bridge IFNAME`: a Linux interface name. */
const bridgeFlag = Flags.custom<string>({
  description: "only traffic arriving on this interface (the VMs' bridge), e.g. br0",
  parse: (input) => Promise.resolve(validateBridge(input)),
})

/** IPv4 addresses per interface of this host (or of the network namespace it runs in). */
function localIPv4(): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const v4 = (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address)
    if (v4.length > 0) out[name] = v4
  }
  return out
}

export default class MetadataRedirect extends BaseCommand {
  static override summary = 'print, apply or remove the host rules that send VM traffic for 169.254.169.254:80 to the metadata server'
  static override description = `VMs ask http://169.254.169.254/; this host must hand that traffic to the server, keeping the VM's source address (which is how the server knows the VM). Without --apply or --remove nothing is changed: the rules are printed as a script (with the commands that undo them).

REDIRECT is used when the server runs on this host: --to 0.0.0.0:PORT or 127.0.0.1:PORT (REDIRECT then delivers to the address of the interface the traffic arrives on, so the server must listen on 0.0.0.0, the serve default, or on that address), or --to the primary address of --bridge. Otherwise DNAT: to a server on another machine (this host must forward and the server must route replies back through it), or to another local address. DNAT to 127.0.0.1 is refused: from PREROUTING it needs net.ipv4.conf.<bridge>.route_localnet=1, which would expose every loopback-only service of this host (the metadata admin listener too) to the VMs; netops never sets it.

--apply is idempotent: each iptables rule is checked with -C before it is inserted (first in nat/PREROUTING), stale rules of netops are replaced, and re-running reports changed: false. --remove deletes only netops's own rules (tagged -m comment --comment netops-metadata); with --nft, netops keeps everything in its own table "ip netops_metadata" and removal deletes that table. Another rule that already redirects 169.254.169.254:80 is a conflict: refused, nothing changed. IPv4 only. --apply and --remove need root (CAP_NET_ADMIN).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --to 127.0.0.1:8807 --bridge br0',
    '<%= config.bin %> <%= command.id %> --to 127.0.0.1:8807 --bridge br0 --apply',
    '<%= config.bin %> <%= command.id %> --to 10.0.0.5:8807 --bridge virbr0 --nft --apply --json',
    '<%= config.bin %> <%= command.id %> --remove',
    '<%= config.bin %> <%= command.id %> --remove --nft',
  ]

  static override flags = {
    to: toFlag(),
    bridge: bridgeFlag(),
    nft: Flags.boolean({default: false, description: 'use nftables (table ip netops_metadata) instead of iptables'}),
    mode: Flags.option({
      options: ['auto', 'redirect', 'dnat'] as const,
      default: 'auto' as const,
      description: 'auto: REDIRECT for a server on this host, DNAT otherwise',
    })(),
    apply: Flags.boolean({default: false, exclusive: ['remove'], description: 'add the rules (idempotent)'}),
    remove: Flags.boolean({default: false, exclusive: ['apply'], description: "delete netops's rules (and only those)"}),
  }

  async run(): Promise<RedirectResult> {
    const {flags} = await this.parse(MetadataRedirect)
    const backend = flags.nft ? 'nft' : 'iptables'
    if (flags.to === undefined && !flags.remove) {
      throw new UsageError('--to HOST:PORT is required (except with --remove)', {suggestions: ['e.g. --to 127.0.0.1:8807 --bridge br0']})
    }
    let plan: RedirectPlan | undefined
    if (flags.to !== undefined) {
      plan = planRedirect({
        to: flags.to,
        backend,
        mode: flags.mode,
        interfaces: localIPv4(),
        ...(flags.bridge === undefined ? {} : {bridge: flags.bridge}),
      })
      for (const w of plan.warnings) this.warnLine(w)
    }
    let result: RedirectResult
    if (!flags.apply && !flags.remove) {
      result = describeRedirect(plan!)
    } else {
      const executor = new LocalExecutor()
      result = flags.apply
        ? await this.step('Applying the metadata redirect', () => applyRedirect(plan!, executor))
        : await this.step('Removing the metadata redirect', () => removeRedirect(backend, executor, plan))
    }
    this.render(renderRedirect, result)
    return result
  }
}
