import type { Dispatcher } from 'undici';
import * as v from 'valibot';
import { ClientError, formatStatusError, formatTransportError, type ErrorResponseBody } from './client-error.js';
import { ErrorBodySchema } from './response-schemas.js';

/** One JSON call to the agent. `timeoutMs` bounds the wait for the headers and between body chunks. */
export interface JsonCall {
  dispatcher: Dispatcher;
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** The reference shows at most this much of a non-JSON error body. */
const MAX_NON_JSON_DETAIL_BYTES = 2048;

/**
 * Sends one request and returns the parsed JSON of a 200 answer. Anything else rejects with a
 * ClientError in the reference SDK's wording: a status error with the server's message and
 * detail, a non-JSON error body (`unexpected non-JSON response "<type>"`, body as detail), an
 * empty one (`empty response body`), or `do request: …` when no answer arrived.
 */
export async function requestJson(call: JsonCall): Promise<unknown> {
  const url = call.url.toString();
  const fields = { method: call.method, url };
  if (call.signal?.aborted) throw abortedError(call, call.signal.reason);
  let response: Dispatcher.ResponseData;
  try {
    response = await call.dispatcher.request({
      origin: call.url.origin,
      path: `${call.url.pathname}${call.url.search}`,
      method: call.method,
      headers: call.body === undefined ? call.headers : { ...call.headers, 'content-type': 'application/json' },
      // JSON.stringify leaves <, > and & alone, like the reference's encoder with HTML escaping off.
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal: call.signal ?? null,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (error) {
    throw transportError(call, error);
  }
  let raw: Buffer | null;
  try {
    raw = await readBounded(response.body, call.maxResponseBytes);
  } catch (error) {
    throw transportError(call, error);
  }
  if (raw === null) {
    throw new ClientError('INVALID_RESPONSE', `response body exceeds ${call.maxResponseBytes} bytes`, { ...fields, status: response.statusCode });
  }
  if (response.statusCode !== 200) throw statusError(call, response, raw);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error) {
    throw new ClientError('INVALID_RESPONSE', `decode response body: ${(error as Error).message}`, { ...fields, status: 200, cause: error });
  }
}

/** What the error helpers need to know of a call. */
type CallSite = Pick<JsonCall, 'method' | 'url' | 'signal'>;

/** The UNEXPECTED_STATUS error of a non-200 answer whose body (`raw`) was read. */
export function statusError(call: CallSite, response: Pick<Dispatcher.ResponseData, 'statusCode' | 'headers'>, raw: Buffer): ClientError {
  const url = call.url.toString();
  const body = errorBody(raw, contentType(response.headers), response.statusCode);
  return new ClientError('UNEXPECTED_STATUS', formatStatusError(call.method, url, response.statusCode, body), {
    method: call.method,
    url,
    status: response.statusCode,
    response: body,
  });
}

/** Reads the whole body, at most `maxBytes`; a longer body is destroyed and null returned. */
export async function readBounded(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function contentType(headers: Dispatcher.ResponseData['headers']): string {
  const value = headers['content-type'];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The agent's `{message, detail?, code?}`, or the reference's stand-in when there is none. */
function errorBody(raw: Buffer, type: string, status: number): ErrorResponseBody {
  const mime = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime !== 'application/json') {
    const detail = cutBytes(raw, MAX_NON_JSON_DETAIL_BYTES);
    return { message: `unexpected non-JSON response ${JSON.stringify(type)}`, detail: detail === '' ? 'no response body' : detail };
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return { message: 'empty response body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { message: `decode error body: ${(error as Error).message}`, detail: cutBytes(raw, MAX_NON_JSON_DETAIL_BYTES) };
  }
  const result = v.safeParse(ErrorBodySchema, parsed);
  if (!result.success || result.output.message === '') {
    return { message: `unexpected status code ${status}, response has no message`, detail: cutBytes(raw, MAX_NON_JSON_DETAIL_BYTES) };
  }
  const { message, detail, code } = result.output;
  return { message, ...(detail ? { detail } : {}), ...(code ? { code } : {}) };
}

function cutBytes(raw: Buffer, maxBytes: number): string {
  return raw.length <= maxBytes ? raw.toString('utf8') : `${raw.subarray(0, maxBytes).toString('utf8')}...`;
}

/** TRANSPORT (no answer, or the answer broke off), or ABORTED when the caller's signal fired. */
export function transportError(call: CallSite, error: unknown): ClientError {
  if (call.signal?.aborted) return abortedError(call, error);
  const cause = error instanceof Error ? error.message : String(error);
  return new ClientError('TRANSPORT', formatTransportError(call.method, call.url.toString(), cause), {
    method: call.method,
    url: call.url.toString(),
    cause: error,
  });
}

export function abortedError(call: CallSite, reason: unknown): ClientError {
  const cause = reason instanceof Error ? reason.message : 'the operation was aborted';
  return new ClientError('ABORTED', formatTransportError(call.method, call.url.toString(), cause), {
    method: call.method,
    url: call.url.toString(),
    cause: reason,
  });
}
