const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON text the way Go's `json.Marshal` writes tool results: one line, no trailing newline, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c`…. Field order is the object's own, so callers
 * build objects in the reference's struct order. (The HTTP layer has the `json.Encoder` twin,
 * with a newline; the tools do not import the HTTP layer.)
 */
export function marshalGoJson(value: unknown): string {
  return JSON.stringify(value).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
