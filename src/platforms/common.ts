/**
 * Pieces shared by the Cisco dialects.
 * A prompt is `hostname` + optional `(config...)` + `>` or `#`, alone at the end of the buffer.
 * IOS truncates the hostname in config prompts, so the hostname part is matched loosely.
 */
export const CISCO_PROMPT = /(?:^|\n)([A-Za-z0-9][\w.:/-]{0,62})(?:\((config[\w.-]*)\))?([>#]) ?$/

export const CISCO_PAGER = / ?--More-- ?$|<--- More --->\s*$/

export const IOS_FAILURES = [
  /% Invalid input detected[^\n]*/,
  /% Incomplete command[^\n]*/,
  /% Ambiguous command[^\n]*/,
  /% Unknown command[^\n]*/,
  /% Unrecognized command[^\n]*/,
  /Command authorization failed[^\n]*/,
  /% Bad mask[^\n]*/,
  /% ?Error[^\n]*/,
]

export const NXOS_FAILURES = [
  /% Invalid command[^\n]*/,
  /% Invalid parameter[^\n]*/,
  /% Invalid number[^\n]*/,
  /% Incomplete command[^\n]*/,
  /% Ambiguous command[^\n]*/,
  /% Permission denied[^\n]*/,
  /ERROR: [^\n]*/,
  /Syntax error while parsing[^\n]*/,
]
