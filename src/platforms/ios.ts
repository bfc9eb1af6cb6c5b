import {CISCO_PAGER, CISCO_PROMPT, IOS_FAILURES} from './common.js'
import type {PlatformSpec} from './types.js'

/** Cisco IOS and IOS-XE (Catalyst 2960/3560/3750/3850/9300). */
export const ios: PlatformSpec = {
  name: 'ios',
  displayName: 'Cisco IOS / IOS-XE',
  promptPattern: CISCO_PROMPT,
  pagerPattern: CISCO_PAGER,
  enableCommand: 'enable',
  enablePasswordPrompt: /(?:^|\n)\s*(?:enable\s)?[Pp]assword:\s*$/,
  enableFailure: /% (?:Access denied|Bad secrets?)|Bad passwords?|% ?Error in authentication/,
  failureIndicators: IOS_FAILURES,
  // Catalyst 9000 "IOS-XE Lite" rejects terminal length in user exec: these are sent after enable.
  onOpen: ['terminal length 0', 'terminal width 511'],
  configEnter: 'configure terminal',
  configExit: 'end',
  save: {
    command: 'copy running-config startup-config',
    steps: [{expect: /Destination filename \[startup-config\]\?\s*$/, answer: ''}],
    done: /\[OK\]/,
    timeoutMs: 120_000,
  },
  commands: {
    version: 'show version',
    interfacesStatus: 'show interfaces status',
    errDisabled: 'show interfaces status err-disabled',
    errdisableRecovery: 'show errdisable recovery',
    logging: (include) => `show logging | include ${include}`,
    showInterface: (name) => `show interfaces ${name}`,
    runningInterface: (name) => `show running-config interface ${name}`,
    macAddressTable: (name) => (name === undefined ? 'show mac address-table' : `show mac address-table interface ${name}`),
    lldpNeighborsDetail: (name) => (name === undefined ? 'show lldp neighbors detail' : `show lldp neighbors ${name} detail`),
    cdpNeighborsDetail: (name) => (name === undefined ? 'show cdp neighbors detail' : `show cdp neighbors ${name} detail`),
    switchport: (name) => `show interfaces ${name} switchport`,
    vlanBrief: 'show vlan brief',
  },
  hasEthernetKeepalive: true,
  recoveryIntervalRange: {min: 30, max: 86_400},
}
