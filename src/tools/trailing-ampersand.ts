/** Go's strings.TrimSpace: Unicode White_Space at both ends (JS trim() also strips U+FEFF, not U+0085). */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

export function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM, '');
}

/**
 * Models often background with a trailing `&`, which leaves an orphan the tools cannot track.
 * Unless `runInBackground` is already set, a trimmed command ending in `&` (but not `&&` and not
 * `|&`) runs in the background instead, with that `&` removed and the rest trimmed again
 * (`a && b &` → `a && b`). With `runInBackground` set, the command is sent unchanged.
 */
export function promoteTrailingAmpersand(command: string, runInBackground: boolean): { command: string; background: boolean } {
  if (runInBackground) return { command, background: true };
  const trimmed = goTrimSpace(command);
  if (trimmed.endsWith('&') && !trimmed.endsWith('&&') && !trimmed.endsWith('|&')) {
    return { command: goTrimSpace(trimmed.slice(0, -1)), background: true };
  }
  return { command, background: false };
}
