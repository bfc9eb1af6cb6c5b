import type {MultiHostResult} from '../../src/cli/multi-host.js'
import {renderDiagnosis, summarizeDiagnosis} from '../../src/cli/render/switch.js'
import {intervalFlag, SwitchCommand, switchFlags} from '../../src/cli/switch-command.js'
import {diagnose} from '../../src/switch/diagnose.js'
import type {Diagnosis} from '../../src/switch/types.js'

export default class SwitchDiagnose extends SwitchCommand {
  static override summary = 'explain why a port is err-disabled and what fix-loop would change (read-only)'
  static override description = `Reads the port's status, err-disable reason, keepalive setting, err-disable recovery settings and this port's loop-back / err-disable / recovery events from the switch log, then prints a verdict and the exact lines \`netops switch fix-loop\` would send. Never enters configuration mode.

Verdicts: keepalive-loopback (err-disabled, or flapping, because keepalive frames come back), loopback-awaiting-recovery, loopback-no-keepalive-control (NX-OS), err-disabled-other (bpduguard, loopdetect, link-flap, ...), admin-down, healthy.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --host sw1 --port 19',
    '<%= config.bin %> <%= command.id %> --host 10.0.0.2 --username admin --port Gi1/0/19 --json',
    '<%= config.bin %> <%= command.id %> --host 127.0.0.1 --ssh-port 2222 --port 19 --platform nxos',
    '<%= config.bin %> <%= command.id %> --host 10.20.0.7 --jump admin@bastion.example.net,netops@10.20.0.1:2222 --port 19',
    '<%= config.bin %> <%= command.id %> --inventory switches.yaml --port 19 --concurrency 20',
  ]

  static override flags = {
    ...switchFlags,
    interval: intervalFlag,
  }

  async run(): Promise<Diagnosis | MultiHostResult<Diagnosis>> {
    const {flags} = await this.parse(SwitchDiagnose)
    const outcome = await this.onSwitches(flags, await this.switchJobs(flags, {changes: false}), async (device, job) => {
      const c = device.platformConflict
      if (c) {
        this.warnLine(
          `${device.describeConflict(c)}: reading it with the ${device.platform.displayName} dialect as asked; ` +
            `the diagnosis may be wrong (drop --platform, or pass --platform ${c.detected})`,
        )
      }
      return diagnose(await device.readPort(job.port), device.platform, flags.interval)
    })
    return this.finishTargets(outcome, renderDiagnosis, summarizeDiagnosis)
  }
}
