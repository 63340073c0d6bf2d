import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { toolError, type Checked } from './chat-tool.js';

/**
 * Parses a tool's arguments as the reference's JSON decoding does: a missing or null input is
 * `{}`, unknown fields are ignored, null means absent. A wrong type is a tool error.
 */
export function parseToolInput<S extends v.GenericSchema>(schema: S, input: unknown): Checked<v.InferOutput<S>> {
  const result = v.safeParse(schema, input ?? {});
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, response: toolError(`invalid arguments: ${describeIssues(result.issues)}`) };
}
