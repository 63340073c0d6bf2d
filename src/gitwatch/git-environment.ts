/**
 * `-c` settings put before every git command run in a repository. Command-line config beats the
 * repository's own, so a repo cannot change what the watcher sees or make it run code:
 * - colour, pager, prefixes, relative diffs and path quoting would change the diff text;
 * - `core.fsmonitor` names a hook command that `diff` and `ls-files` would execute;
 * - `diff.external` and textconv drivers are disabled per command with `--no-ext-diff --no-textconv`.
 */
export const GIT_CONFIG_ARGS: readonly string[] = [
  '-c', 'color.ui=false',
  '-c', 'core.pager=cat',
  '-c', 'core.quotepath=off',
  '-c', 'core.fsmonitor=false',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'diff.relative=false',
];

/** Variables that point git elsewhere than `-C <root>` or change its output; never inherited. */
const DROPPED = /^GIT_(?!EXEC_PATH$)/;

/**
 * The environment of every git child: the service's, without `GIT_*` variables (a `GIT_DIR` or
 * `GIT_INDEX_FILE` inherited from a hook would point every command at one repository), plus no
 * prompts (`GIT_TERMINAL_PROMPT=0`), no pager, no colour, no optional locks (so a scan never
 * takes `index.lock` from under the agent's own git commands) and C locale messages.
 */
export function gitEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!DROPPED.test(key)) env[key] = value;
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_OPTIONAL_LOCKS: '0',
    NO_COLOR: '1',
    TERM: 'dumb',
    LC_ALL: 'C',
  };
}
