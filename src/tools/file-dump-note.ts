/** Go's `\s`: ASCII whitespace only. */
const S = '[\\t\\n\\f\\r ]';
const FILE_DUMP_PATTERNS = [new RegExp(`^cat${S}+`), new RegExp(`^(rg|grep)${S}+.*--include-all`), new RegExp(`^(rg|grep)${S}+-l${S}+`)];

export const FILE_DUMP_NOTE = 'Consider using read_file instead of dumping file contents with shell commands.';

/** The note for a foreground command that dumps files (`cat x`, `grep -l …`), else undefined. */
export function fileDumpNote(command: string): string | undefined {
  return FILE_DUMP_PATTERNS.some((pattern) => pattern.test(command)) ? FILE_DUMP_NOTE : undefined;
}
