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

/** The reference's content type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Writes a JSON response with the reference's content type. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  sendEncodedJson(ctx, status, encodeJson(body));
}

/** Writes a body already encoded with `encodeJson` (a cached one). */
export function sendEncodedJson(ctx: Context, status: number, encoded: string): void {
  ctx.status = status;
  // The header directly: `ctx.type =` runs a MIME lookup on every response.
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = encoded;
}
