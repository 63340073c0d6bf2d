import type { Context } from 'koa';

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * Encodes a body the way the reference's Go encoder does: `<`, `>`, `&`, U+2028 and U+2029
 * escaped as `\u003c`…, one line plus a trailing newline. Any JSON parser reads it the same;
 * clients that compare bytes see the reference's bytes.
 */
export function encodeJson(body: unknown): string {
  return `${JSON.stringify(body).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** Writes a JSON response with the reference's content type. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = encodeJson(body);
}
