/**
 * `netops <unknown command> --json`: oclif reports an unknown command as text on stderr before any
 * command (and its --json handling) runs, so the entry points ask this first and print the JSON error
 * document themselves. Pure: argv, the command IDs and the environment in, a document (or null) out.
 */

/** Commands that come from oclif plugins, not from our manifest. */
const PLUGIN_COMMANDS = ['help']

export interface UnknownCommandDocument {
  error: {code: 'NETOPS_USAGE'; message: string; exitCode: 2; suggestions: string[]}
}

/**
 * The JSON error document for an argv whose command does not exist, when JSON output is asked for
 * (`--json` or NETOPS_CONTENT_TYPE=json); null when the command exists, when the words name a topic
 * (oclif shows its help), when there are no words, or when JSON is not asked for.
 * `commandIds` use `:` between words (`switch:fix-loop`), as in oclif.manifest.json.
 */
export function unknownCommandDocument(
  argv: readonly string[],
  commandIds: readonly string[],
  env: Record<string, string | undefined>,
): UnknownCommandDocument | null {
  if (!argv.includes('--json') && env.NETOPS_CONTENT_TYPE !== 'json') return null
  const words: string[] = []
  for (const a of argv) {
    if (a.startsWith('-')) break
    words.push(a)
  }
  if (words.length === 0) return null
  const ids = new Set([...commandIds, ...PLUGIN_COMMANDS])
  for (let k = words.length; k > 0; k--) if (ids.has(words.slice(0, k).join(':'))) return null
  const typed = words.join(':')
  if ([...ids].some((id) => id.startsWith(`${typed}:`))) return null
  const near = [...ids]
    .filter((id) => !PLUGIN_COMMANDS.includes(id))
    .map((id) => ({id, d: distance(id, typed)}))
    .filter((c) => c.d <= 3)
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, 3)
    .map((c) => `did you mean: netops ${c.id.replace(/:/g, ' ')}`)
  return {
    error: {
      code: 'NETOPS_USAGE',
      message: `command ${words.join(' ')} not found`,
      exitCode: 2,
      suggestions: [...near, 'see the commands: netops --help'],
    },
  }
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length] ?? 0
}
