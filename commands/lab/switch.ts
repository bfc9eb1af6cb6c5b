import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderLabSwitch} from '../../src/cli/render/lab.js'
import {authorizedKeysFileFlag, hostKeyFileFlag, timeScaleFlag} from '../../src/cli/lab-flags.js'
import {SCENARIOS} from '../../src/lab/switch/device.js'
import {PLATFORM_NAMES} from '../../src/platforms/types.js'
import {LAB_DEFAULTS, labListenError, startLabFleet, startLabTopology, type LabSwitchOptions} from '../../src/lab/switch/index.js'
import {readTopology} from '../../src/lab/switch/topology.js'
import {describeLab, type LabSwitchReport} from '../../src/lab/switch/report.js'
import {runStdio} from '../../src/lab/switch/stdio.js'

export default class LabSwitchCommand extends BaseCommand {
  static override summary = 'start a simulated Cisco switch on 127.0.0.1 over SSH (port 19 err-disabled by a keepalive loop)'
  static override description = `Runs until Ctrl-C / SIGTERM. The switch behaves like the real thing: modes and prompts, echo, paging until "terminal length 0", the show outputs in the real IOS-XE / NX-OS layouts, and port 19 err-disabled by a keepalive loop that is still there, so without "no keepalive" it is err-disabled again one keepalive period (10 s) after the recovery timer brings it back.

Default credentials are public lab defaults: username admin, password admin, enable secret cisco. Human output shows the credentials (you need them to log in); --json shows the passwords only when they are these public defaults, never ones given with --password / --enable-password.

--json: one document when the switch is listening: {host, port, ports, platform, model, scenario, timeScale, legacySsh, username, credentials, password?, enablePassword?, hostKeyType, hostKeyFingerprint, hostPublicKey, scenarioPort, switches, startedAt}.

Scenarios: loop (default; recovery for loopback off), flapping (recovery on, keepalive on: keeps cycling err-disable → recover → err-disable), healthy, bpduguard (err-disabled for bpduguard).

--topology FILE: switches cabled as a YAML file says (each on its own SSH port: its ssh_port, else --ssh-port + i, else any free port): ports with their VLAN, state (up, down, shutdown, err-disabled by a keepalive loop-back) and cable to a node NIC ({node, nic, mac, lldp, cdp}) or to another switch of the file. "show mac address-table", "show lldp|cdp neighbors ... detail", "show vlan brief" and (IOS) "show interfaces X switchport" answer from it. Example: src/lab/switch/examples/loop-two-nics.yaml.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --ssh-port 2222 --time-scale 0.01',
    '<%= config.bin %> <%= command.id %> --platform nxos --scenario flapping --hostname n9k-1',
    '<%= config.bin %> <%= command.id %> --legacy-ssh --model stack',
    '<%= config.bin %> <%= command.id %> --count 200 --time-scale 0.01 --json',
    '<%= config.bin %> <%= command.id %> --topology src/lab/switch/examples/loop-two-nics.yaml',
  ]

  static override flags = {
    'ssh-port': Flags.integer({
      min: 0,
      max: 65535,
      default: 0,
      description: 'TCP port on 127.0.0.1 (0 = any free port; with --count, the first of consecutive ports)',
    }),
    username: Flags.string({default: LAB_DEFAULTS.username, description: 'login user'}),
    password: Flags.string({noCacheDefault: true, description: 'login password (default: admin)'}),
    'enable-password': Flags.string({noCacheDefault: true, description: 'enable secret (default: cisco)'}),
    platform: Flags.option({
      options: PLATFORM_NAMES,
      default: 'ios' as const,
      description: 'Cisco IOS-XE (Catalyst 3850) or NX-OS (Nexus 9000)',
    })(),
    model: Flags.option({
      options: ['single', 'stack'] as const,
      default: 'single' as const,
      description: 'IOS: one WS-C3850-48P (Gi1/0/1-48, Te1/1/1-4) or a 2-member stack',
    })(),
    hostname: Flags.string({default: LAB_DEFAULTS.hostname, description: 'device hostname (prompt); with --count: <hostname>-<n>'}),
    scenario: Flags.option({options: SCENARIOS, default: 'loop' as const, description: 'what port 19 is doing'})(),
    'time-scale': timeScaleFlag(),
    'legacy-ssh': Flags.boolean({
      default: false,
      description: 'offer only what classic IOS (SSH-2.0-Cisco-1.25) offers: SHA-1 DH key exchange, ssh-rsa, CBC ciphers',
    }),
    count: Flags.integer({min: 1, max: 1000, default: 1, description: 'start a fleet of N switches (benchmarks); they share one host key'}),
    topology: Flags.file({
      exists: true,
      exclusive: ['count', 'stdio'],
      description:
        'YAML file of switches (hostname, platform, ssh_port, VLANs) whose ports are cabled to nodes (NIC, MAC, LLDP/CDP) or to each other: MAC tables and LLDP/CDP neighbours follow it',
    }),
    jitter: Flags.boolean({default: false, description: 'add up to 15 % random extra to the recovery timer, as real IOS does'}),
    'host-key': hostKeyFileFlag(),
    'authorized-keys': authorizedKeysFileFlag(),
    // test knobs
    stdio: Flags.boolean({hidden: true, default: false, description: 'run the CLI on stdin/stdout instead of SSH (OpenSSH ForceCommand)'}),
    'state-file': Flags.string({hidden: true, description: 'with --stdio: JSON file keeping the device state across logins'}),
    'reject-line': Flags.string({hidden: true, multiple: true, description: 'answer this config line with % Invalid input'}),
    'drop-after': Flags.string({hidden: true, description: 'drop the connection after this command'}),
    'delay-ms': Flags.integer({hidden: true, min: 0, description: 'delay every response'}),
    'config-delay-ms': Flags.integer({hidden: true, min: 0, description: 'delay each configuration-mode line (a slow switch mid-plan)'}),
    'stuck-paging': Flags.boolean({hidden: true, default: false, description: 'ignore terminal length 0'}),
  }

  async run(): Promise<LabSwitchReport | undefined> {
    const {flags} = await this.parse(LabSwitchCommand)
    const timeScale = flags['time-scale']
    const password = flags.password ?? LAB_DEFAULTS.password
    const enablePassword = flags['enable-password'] ?? LAB_DEFAULTS.enablePassword
    const scenario = flags.scenario

    if (flags.stdio) {
      await runStdio({
        platform: flags.platform,
        scenario,
        model: flags.model,
        hostname: flags.hostname,
        timeScale,
        username: flags.username,
        enablePassword,
        ...(flags['state-file'] ? {stateFile: flags['state-file']} : {}),
      })
      return undefined
    }

    const opts: LabSwitchOptions = {
      platform: flags.platform,
      port: flags['ssh-port'],
      username: flags.username,
      password,
      enablePassword,
      timeScale,
      scenario,
      model: flags.model,
      legacySsh: flags['legacy-ssh'],
      jitter: flags.jitter,
      faults: {
        ...(flags['reject-line'] ? {rejectLines: flags['reject-line']} : {}),
        ...(flags['drop-after'] ? {dropAfter: flags['drop-after']} : {}),
        ...(flags['delay-ms'] ? {delayMs: flags['delay-ms']} : {}),
        ...(flags['config-delay-ms'] ? {configDelayMs: flags['config-delay-ms']} : {}),
        ...(flags['stuck-paging'] ? {stuckPaging: true} : {}),
      },
    }
    if (flags.count === 1 || flags.hostname !== LAB_DEFAULTS.hostname) opts.hostname = flags.hostname
    if (flags['host-key'] !== undefined) opts.hostKey = flags['host-key']
    if (flags['authorized-keys'] !== undefined) opts.authorizedKeys = flags['authorized-keys']

    const topology = flags.topology === undefined ? undefined : readTopology(flags.topology)
    const starting = topology ? startLabTopology(topology, opts) : startLabFleet(flags.count, opts)
    const fleet = await starting.catch((error: unknown) => {
      throw labListenError(error, flags['ssh-port'])
    })
    const report = describeLab(fleet.switches, {
      scenario,
      timeScale,
      legacySsh: flags['legacy-ssh'],
      model: flags.model,
      ...(flags.topology === undefined ? {} : {topology: flags.topology}),
    })
    if (this.jsonEnabled()) this.logJson(report)
    else this.render((r: LabSwitchReport) => renderLabSwitch(r, {password, enablePassword}), report)
    this.info('Ctrl-C to stop')

    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await fleet.close()
    this.info('stopped')
    // the document was printed when the switch started listening: nothing more on stdout
    return undefined
  }
}
