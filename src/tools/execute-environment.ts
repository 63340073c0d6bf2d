/**
 * Set on every process the execute tool starts, so nothing waits for a person: editors succeed
 * at once, git never prompts for credentials, pagers print, and colour codes stay out of output.
 */
export const NON_INTERACTIVE_ENV: Readonly<Record<string, string>> = {
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  EDITOR: 'true',
  VISUAL: 'true',
  GIT_TERMINAL_PROMPT: '0',
  NO_COLOR: '1',
  TERM: 'dumb',
  PAGER: 'cat',
  GIT_PAGER: 'cat',
};

/** The whole environment execute sends: `CODER_CHAT_AGENT=true` plus NON_INTERACTIVE_ENV. */
export function executeEnvironment(): Record<string, string> {
  return { CODER_CHAT_AGENT: 'true', ...NON_INTERACTIVE_ENV };
}
