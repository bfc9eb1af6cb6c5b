import {CISCO_PAGER, CISCO_PROMPT, NXOS_FAILURES} from './common.js'
import type {PlatformSpec} from './types.js'

/** Cisco NX-OS (Nexus 3000/5000/9000). Ethernet ports have no keepalive to turn off. */
export const nxos: PlatformSpec = {
  name: 'nxos',
  displayName: 'Cisco NX-OS',
  promptPattern: CISCO_PROMPT,
  pagerPattern: CISCO_PAGER,
  enableCommand: 'enable',
  enablePasswordPrompt: /(?:^|\n)\s*(?:enable\s)?[Pp]assword:\s*$/,
  enableFailure: /% (?:Access denied|Bad secrets?)|Bad passwords?|% ?Error in authentication/,
  failureIndicators: NXOS_FAILURES,
  onOpen: ['terminal length 0', 'terminal width 511'],
  configEnter: 'configure terminal',
  configExit: 'end',
  save: {
    command: 'copy running-config startup-config',
    steps: [],
    done: /Copy complete/,
    timeoutMs: 120_000,
  },
  commands: {
    version: 'show version',
    interfacesStatus: 'show interface status',
    errDisabled: 'show interface status err-disabled',
    errdisableRecovery: 'show errdisable recovery',
    logging: (include) => `show logging logfile | include ${include}`,
    showInterface: (name) => `show interface ${name}`,
    runningInterface: (name) => `show running-config interface ${name}`,
    macAddressTable: (name) => (name === undefined ? 'show mac address-table' : `show mac address-table interface ${name}`),
    lldpNeighborsDetail: (name) => (name === undefined ? 'show lldp neighbors detail' : `show lldp neighbors interface ${name} detail`),
    cdpNeighborsDetail: (name) => (name === undefined ? 'show cdp neighbors detail' : `show cdp neighbors interface ${name} detail`),
    switchport: (name) => `show interface ${name} switchport`,
    vlanBrief: 'show vlan brief',
  },
  hasEthernetKeepalive: false,
  recoveryIntervalRange: {min: 30, max: 65_535},
}
