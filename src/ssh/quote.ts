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

/** Quote one argument for a POSIX shell. The empty string becomes `''`. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new TypeError('shellQuote: an argument contains a NUL byte, which no shell can pass')
  }
  if (arg !== '' && SAFE.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

/** Join an argv into one string that a remote POSIX `sh -c` parses back into exactly that argv. */
export function shellQuote(argv: string[]): string {
  return argv.map(quoteArg).join(' ')
}
