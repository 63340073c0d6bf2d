/** Characters that need no quoting in a POSIX shell word. */
const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** Quotes one argument for `sh`: bare when safe, else in single quotes (`'` written as `'\''`). */
export function shellQuote(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The one shell command `procvisor run` starts: a single argument is taken as a shell command
 * line as written (`run 'make && make test'`); several are an argv, each quoted, so
 * `run -- sh -c 'exit 7'` runs exactly that.
 */
export function toShellCommand(args: readonly string[]): string {
  if (args.length === 1) return args[0] ?? '';
  return args.map(shellQuote).join(' ');
}
