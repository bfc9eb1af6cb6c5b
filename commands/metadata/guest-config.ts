import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderGuestConfig} from '../../src/cli/render/metadata.js'
import {exampleInventoryPath, loadInventory} from '../../src/metadata/index.js'
import {guestConfig, type GuestConfig} from '../../src/metadata/guest-config.js'
import {selectInstance} from '../../src/metadata/render.js'

export default class MetadataGuestConfig extends BaseCommand {
  static override summary = 'print what makes an unmodified cloud image use this metadata server'
  static override description = `Debian 12's cloud-init disables itself unless a datasource is positively identified. This prints the SMBIOS settings that identify one (libvirt <sysinfo> XML and qemu -smbios arguments: serial ds=nocloud-net;s=http://169.254.169.254/nocloud/ for NoCloud, product "OpenStack Nova" with the instance's uuid for OpenStack), the image-side alternative (a cloud.cfg.d snippet), the NICs the VM must be started with, and the host-side DNAT. With --instance, values come from that VM's record.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --flavor nocloud',
    '<%= config.bin %> <%= command.id %> --flavor openstack --inventory vms.yaml --instance waf-01',
    '<%= config.bin %> <%= command.id %> --flavor ec2 --metadata-url http://169.254.169.254 --json',
  ]

  static override flags = {
    flavor: Flags.option({
      options: ['nocloud', 'openstack', 'ec2'] as const,
      required: true,
      description: 'datasource the VM should use',
    })(),
    instance: Flags.string({description: 'instance id (uuid, NICs)'}),
    inventory: Flags.string({description: 'inventory YAML file or directory (default: the built-in example)'}),
    'metadata-url': Flags.string({default: 'http://169.254.169.254', description: 'how the VM reaches the server'}),
    'server-port': Flags.integer({default: 8807, min: 1, max: 65535, description: 'the port serve listens on (for the DNAT line)'}),
    'aws-impersonation': Flags.boolean({
      default: false,
      description: 'ec2: set SMBIOS uuid/serial to ec2… so cloud-init treats the VM as AWS (IMDSv2)',
    }),
  }

  async run(): Promise<GuestConfig> {
    const {flags} = await this.parse(MetadataGuestConfig)
    let instance
    if (flags.instance !== undefined) {
      const inv = await loadInventory(flags.inventory ?? exampleInventoryPath())
      instance = selectInstance(inv.instances, {instance: flags.instance})
    }
    const result = guestConfig({
      flavor: flags.flavor,
      metadataUrl: flags['metadata-url'],
      serverPort: flags['server-port'],
      awsImpersonation: flags['aws-impersonation'],
      ...(instance ? {instance} : {}),
    })
    for (const w of result.warnings) this.warnLine(w)
    this.render(renderGuestConfig, result)
    return result
  }
}
