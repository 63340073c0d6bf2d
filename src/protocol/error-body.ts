import * as v from 'valibot';
import { ERROR_CODES } from '../errors.js';

/** The error body: the reference's `{message, detail?}` plus a stable `code`. */
export const ErrorBodySchema = v.strictObject({
  message: v.string(),
  detail: v.optional(v.string()),
  code: v.picklist(ERROR_CODES),
});
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/**
 * How a client reads an error body of any agent: the reference's `{message, detail?}` has no
 * `code`, and a newer agent may send codes this one does not know; `message` may be missing.
 */
export const AnyAgentErrorBodySchema = v.looseObject({
  message: v.optional(v.string(), ''),
  detail: v.optional(v.string()),
  code: v.optional(v.string()),
});
