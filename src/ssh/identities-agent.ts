/**
 * ssh_config `IdentitiesOnly yes` with an ssh-agent: ssh2's agent authentication offers EVERY key
 * the agent holds, so the agent is wrapped to list only the keys of the identity files (matched by
 * public key: the private file's own, else `<file>.pub`). A key in the agent whose file is
 * encrypted still signs, as with OpenSSH.
 */
import {readFileSync} from 'node:fs'
import ssh2 from 'ssh2'
import type {IdentityCallback, ParsedKey} from 'ssh2'

const {OpenSSHAgent, utils} = ssh2

/** The public key blobs (SSH wire format) of the identity files, from the parsed keys and readable `.pub` files. */
export function identityPublicBlobs(files: readonly string[], parsed: ReadonlyArray<{key: ParsedKey}>): Buffer[] {
  const blobs = parsed.map((k) => k.key.getPublicSSH())
  for (const file of files) {
    let text: Buffer
    try {
      text = readFileSync(`${file}.pub`)
    } catch {
      continue
    }
    const key = utils.parseKey(text)
    const first = (Array.isArray(key) ? key[0] : key) as ParsedKey | Error | undefined
    if (first === undefined || first instanceof Error) continue
    const blob = first.getPublicSSH()
    if (!blobs.some((b) => b.equals(blob))) blobs.push(blob)
  }
  return blobs
}

/** Keep the agent keys whose public blob is one of `allowed`. */
export function onlyAllowed<K extends {getPublicSSH(): Buffer}>(keys: readonly K[], allowed: readonly Buffer[]): K[] {
  return keys.filter((k) => allowed.some((b) => b.equals(k.getPublicSSH())))
}

/** An OpenSSH agent that lists only the allowed keys (and so only ever signs with them). */
export class IdentitiesOnlyAgent extends OpenSSHAgent {
  private readonly allowed: Buffer[]

  constructor(socketPath: string, allowed: Buffer[]) {
    super(socketPath)
    this.allowed = allowed
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      if (err !== undefined && err !== null) return cb(err)
      // the OpenSSH agent protocol yields parsed keys
      const parsed = (keys ?? []).filter((k): k is ParsedKey => 'getPublicSSH' in k)
      cb(undefined, onlyAllowed(parsed, this.allowed))
    })
  }
}
