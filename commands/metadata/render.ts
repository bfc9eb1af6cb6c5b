import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {renderDocuments} from '../../src/cli/render/metadata.js'
import {loadInventory} from '../../src/metadata/index.js'
import {renderInstance, selectInstance, type InstanceSelector, type RenderResult} from '../../src/metadata/render.js'

export default class MetadataRender extends BaseCommand {
  static override summary = 'show exactly what one VM will receive from the metadata server'
  static override description = `Pre-renders the VM's documents the way \`netops metadata serve\` does and prints them: every document of the flavour (each path, status, content type and body), or one --path. Pick the VM by --instance, --ip or --mac (exactly one). Passwords are never shown.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --instance waf-01 --flavor nocloud',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --ip 10.0.0.2 --flavor ec2 --path /latest/meta-data/',
    '<%= config.bin %> <%= command.id %> --inventory vms.yaml --mac 52:54:00:00:00:01 --flavor openstack --json',
  ]

  static override flags = {
    inventory: Flags.string({required: true, description: 'inventory YAML file or directory of *.yaml files'}),
    instance: Flags.string({description: 'instance id', exactlyOne: ['instance', 'ip', 'mac']}),
    ip: Flags.string({description: 'the address the VM asks from', exactlyOne: ['instance', 'ip', 'mac']}),
    mac: Flags.string({description: 'any MAC of the VM', exactlyOne: ['instance', 'ip', 'mac']}),
    flavor: Flags.option({
      options: ['ec2', 'openstack', 'nocloud', 'cloudstack', 'custom'] as const,
      required: true,
      description: 'datasource flavour',
    })(),
    path: Flags.string({description: 'one request path, e.g. /latest/meta-data/ or /nocloud/user-data'}),
    namespace: Flags.string({description: 'custom namespace (as for serve --namespace), needed for --flavor custom'}),
  }

  async run(): Promise<RenderResult> {
    const {flags} = await this.parse(MetadataRender)
    const inv = await loadInventory(flags.inventory)
    const sel: InstanceSelector =
      flags.instance !== undefined ? {instance: flags.instance} : flags.ip !== undefined ? {ip: flags.ip} : {mac: flags.mac ?? ''}
    const instance = selectInstance(inv.instances, sel)
    const result = renderInstance(instance, {
      flavor: flags.flavor,
      launchIndex: inv.instances.indexOf(instance),
      ...(flags.path === undefined ? {} : {path: flags.path}),
      ...(flags.namespace === undefined ? {} : {namespace: flags.namespace}),
    })
    this.render(renderDocuments, result)
    return result
  }
}
