import * as v from 'valibot';
import { describeIssues } from '../client/response-schemas.js';
import { toolError, type ToolResponse } from './chat-tool.js';

/**
 * Parses a tool's arguments as the reference's JSON decoding does: a missing or null input is
 * `{}`, unknown fields are ignored, null means absent. A wrong type is a tool error.
 */
export function parseToolInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> | ToolResponse {
  const result = v.safeParse(schema, input ?? {});
  if (result.success) return result.output;
  return toolError(`invalid arguments: ${describeIssues(result.issues)}`);
}

/** True when parseToolInput refused the input. */
export function isRefusal(value: unknown): value is ToolResponse {
  return typeof value === 'object' && value !== null && 'isError' in value && (value as ToolResponse).isError && 'text' in value;
}
