/**
 * Quotes a string the way Go's `%q` (strconv.Quote) does, for messages the reference builds with
 * `%q`, e.g. `invalid timeout "5x": …`. Printable characters stay as they are; `\a \b \f \n \r
 * \t \v`, `\\` and `\"` are escaped; other control and format characters become `\xNN`, `\uNNNN`
 * or `\UNNNNNNNN`.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) out += quoteChar(char);
  return `${out}"`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function quoteChar(char: string): string {
  const short = SHORT_ESCAPES[char];
  if (short !== undefined) return short;
  if (PRINTABLE.test(char)) return char;
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  if (code < 0x10000) return `\\u${hex(code, 4)}`;
  return `\\U${hex(code, 8)}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * Quotes a string the way Go's `time` package does in its parse errors: ASCII printable
 * characters stay (with `"` and `\` escaped), every byte of anything else becomes `\xNN`.
 * `time: unknown unit "µx"` thus reads `time: unknown unit "\xc2\xb5x"`.
 */
export function timeQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) out += `\\x${hex(byte, 2)}`;
    } else {
      out += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `${out}"`;
}
