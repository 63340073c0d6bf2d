/** What a start error says when the agent has no `sh` (both `$PATH` and `%PATH%` spellings). */
const SH_NOT_FOUND = 'exec: "sh": executable file not found';

export const SH_NOT_FOUND_GUIDANCE =
  'The workspace has no POSIX shell (sh) on its PATH. Commands run with "sh -c", as Coder Agents run them. ' +
  'On Windows, install sh with Git Bash, MSYS2 or WSL, then restart the workspace so that it picks up the new PATH. ' +
  'See https://coder.com/docs/ai-coder/agents/architecture#windows-workspace-shell-requirement';

/** Appends the missing-shell guidance (after a blank line) to a start error that needs it. */
export function withShellGuidance(message: string): string {
  return message.includes(SH_NOT_FOUND) ? `${message}\n\n${SH_NOT_FOUND_GUIDANCE}` : message;
}
