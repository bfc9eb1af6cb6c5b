/**
 * POSIX shell quoting for commands sent to a remote `sh` over SSH exec.
 *
 * SSH exec hands the remote side ONE string, which the remote login shell parses. To pass an
 * argv safely, every argument is wrapped in single quotes; a single quote inside an argument
 * becomes `'\''` (close quote, escaped quote, reopen). Inside single quotes nothing is special
 * to a POSIX shell: not `$`, backticks, `\`, `!`, globs, or newlines.
 */

/** Characters that never need quoting in any POSIX shell context. */
const SAFE = /^[A-Za-z0-9_\-+=.,/:@%]+$/

/**
 * Always single-quote: `it's` becomes `'it'\''s'`, `abc` becomes `'abc'`. The one quoting rule
 * netops has; the metadata template's `| shell` filter uses it as is (NUL bytes pass through there).
 */
export function singleQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** Quote one argument for a POSIX shell: plain words stay bare, the empty string becomes `''`. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new TypeError('shellQuote: an argument contains a NUL byte, which no shell can pass')
  }
  if (arg !== '' && SAFE.test(arg)) return arg
  return singleQuote(arg)
}

/** Join an argv into one string that a remote POSIX `sh -c` parses back into exactly that argv. */
export function shellQuote(argv: string[]): string {
  return argv.map(quoteArg).join(' ')
}
