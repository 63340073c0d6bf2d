import getRawBody from 'raw-body';
import type { Context } from 'koa';
import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ProcvisorError } from '../errors.js';

/**
 * Reads and parses a JSON body of at most `maxBytes` bytes, then validates it with `schema`.
 * Errors, in the reference's wording where it has one: BODY_TOO_LARGE (413), INVALID_JSON
 * (400 `Request body must be valid JSON.`, also for an empty body), INVALID_REQUEST (400, same
 * message, when a field has the wrong type; the detail names the field).
 */
export async function readJsonBody<TSchema extends v.GenericSchema>(ctx: Context, schema: TSchema, maxBytes: number): Promise<v.InferOutput<TSchema>> {
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: maxBytes, length: ctx.get('content-length') || undefined, encoding: 'utf8' });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      throw new ProcvisorError('BODY_TOO_LARGE', `Request body is larger than ${maxBytes} bytes.`, {
        detail: 'Send a smaller body; the limit is the maxBodyBytes setting.',
      });
    }
    throw new ProcvisorError('INVALID_JSON', 'Request body must be valid JSON.', { cause: error, detail: (error as Error).message });
  }
  if (text.trim() === '') {
    throw new ProcvisorError('INVALID_JSON', 'Request body must be valid JSON.', { detail: 'The request body is empty (EOF).' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ProcvisorError('INVALID_JSON', 'Request body must be valid JSON.', { cause: error, detail: (error as Error).message });
  }
  if (Array.isArray(parsed) || (parsed !== null && typeof parsed !== 'object')) {
    const kind = Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new ProcvisorError('INVALID_REQUEST', 'Request body must be valid JSON.', { detail: `Expected a JSON object, got ${kind}.` });
  }
  // Like Go's decoder, `null` decodes into an empty request.
  const result = v.safeParse(schema, parsed ?? {});
  if (!result.success) {
    const detail = describeIssues(result.issues, 'body');
    throw new ProcvisorError('INVALID_REQUEST', 'Request body must be valid JSON.', { detail });
  }
  return result.output;
}
