import type { ErrorCode } from '../errors.js';

/** The error body: the reference's `{message, detail?}` plus a stable `code`. */
export interface ErrorBody {
  message: string;
  detail?: string;
  code: ErrorCode;
}
