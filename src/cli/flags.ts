import {Flags} from '@oclif/core'
import {PLATFORM_NAMES} from '../platforms/types.js'

/** SSH connection flags shared by every command that reaches a device or node over SSH. */
export const sshFlags = {
  host: Flags.string({
    multiple: true,
    env: 'NETOPS_HOST',
    description: 'target address, name or ~/.ssh/config alias (repeatable: hosts run in parallel)',
  }),
  'ssh-port': Flags.integer({min: 1, max: 65535, description: 'SSH port (default: ~/.ssh/config Port, else 22)'}),
  username: Flags.string({char: 'u', env: 'NETOPS_USERNAME', description: 'SSH user (default: ~/.ssh/config User, else $USER)'}),
  password: Flags.string({
    env: 'NETOPS_PASSWORD',
    noCacheDefault: true,
    description: 'SSH password (prefer the NETOPS_PASSWORD env var; prompted on a TTY when needed)',
  }),
  'identity-file': Flags.string({char: 'i', description: 'private key file for SSH (default: ~/.ssh/config IdentityFile)'}),
  'identity-passphrase': Flags.string({
    env: 'NETOPS_IDENTITY_PASSPHRASE',
    noCacheDefault: true,
    description: 'passphrase of an encrypted identity file (prefer the NETOPS_IDENTITY_PASSPHRASE env var; prompted on a TTY when needed)',
  }),
  'host-key-policy': Flags.option({
    options: ['strict', 'accept-new', 'off'] as const,
    description:
      'strict: only known keys; accept-new: remember new hosts, refuse changed keys; off: no checking, but a changed known key is still warned about (default: ~/.ssh/config StrictHostKeyChecking, else accept-new)',
  })(),
  jump: Flags.string({
    char: 'J',
    description:
      'reach the host through these jump hosts, first hop first, like ssh -J: [user@]host[:port][,...] (each one a name or ~/.ssh/config alias, checked and logged in to on its own); none = connect directly (default: ~/.ssh/config ProxyJump/ProxyCommand)',
  }),
  'known-hosts': Flags.string({description: 'known_hosts file (default: netops known_hosts in the user config dir)'}),
  'legacy-ssh': Flags.boolean({
    default: false,
    description: 'also offer the old algorithms classic IOS needs (SHA-1 DH key exchange, ssh-rsa, CBC ciphers)',
  }),
  timeout: Flags.integer({min: 1, default: 30, description: 'seconds allowed for each step (connect, login, each command)'}),
  concurrency: Flags.integer({min: 1, max: 1000, default: 50, description: 'hosts worked on at once'}),
}

/** Switch-only connection flags. */
export const switchConnectionFlags = {
  ...sshFlags,
  'enable-password': Flags.string({
    env: 'NETOPS_ENABLE_PASSWORD',
    noCacheDefault: true,
    description: 'enable secret (prefer the NETOPS_ENABLE_PASSWORD env var)',
  }),
  platform: Flags.option({
    options: ['auto', ...PLATFORM_NAMES] as const,
    default: 'auto' as const,
    description: 'device OS; auto reads show version',
  })(),
}
