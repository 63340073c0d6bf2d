import { ClientError } from '../client/procvisor-client.js';
import type { CliIo } from './cli-io.js';
import { USAGE_EXIT_CODE, UsageError } from './usage-error.js';

/** An error as the CLI shows it: the service's `{message, detail?, code}` shape, plus the HTTP status when there was one. */
export interface ErrorReport {
  message: string;
  detail?: string;
  code: string;
  status?: number;
}

/** Connection errors that mean nothing listens at the URL (or the socket file is missing). */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']);

function causeCode(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
  }
  return undefined;
}

function causeMessage(error: ClientError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/**
 * What to say about a failure of a command against the service at `url`: the service's own
 * message and detail for an error answer (with a hint for 401), a hint that the service is not
 * running when nothing answered, and the message of anything else.
 */
export function describeError(error: unknown, url: string): ErrorReport {
  if (error instanceof ClientError) {
    if (error.code === 'UNEXPECTED_STATUS') {
      const body = error.response ?? { message: error.message };
      if (error.status === 401) {
        return { message: body.message, detail: 'Pass --token or set PROCVISOR_AUTH_TOKEN.', code: body.code ?? 'UNAUTHORIZED', status: 401 };
      }
      return { message: body.message, ...(body.detail ? { detail: body.detail } : {}), code: body.code ?? 'UNEXPECTED_STATUS', status: error.status };
    }
    if (error.code === 'TRANSPORT') {
      const code = causeCode(error);
      if (code !== undefined && NOT_LISTENING.has(code)) {
        return {
          message: `Cannot connect to procvisor at ${url}: ${causeMessage(error)}.`,
          detail: 'Is the service running? Start it with "procvisor serve", or point --url (or PROCVISOR_URL) at it.',
          code: 'UNREACHABLE',
        };
      }
      return { message: `Lost the connection to procvisor at ${url}.`, detail: causeMessage(error), code: 'TRANSPORT' };
    }
    return { message: `Unexpected answer from procvisor at ${url}.`, detail: error.message, code: error.code };
  }
  if (error instanceof UsageError) return { message: error.message, code: 'USAGE' };
  return { message: error instanceof Error ? error.message : String(error), code: 'INTERNAL' };
}

/**
 * One line for a terminal: `procvisor: <message> <detail>` when the detail is a sentence, else
 * `procvisor: <message> (<detail>)`; newlines in either are folded.
 */
export function formatErrorLine(report: ErrorReport): string {
  const fold = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
  const detail = report.detail ? fold(report.detail) : '';
  const sentence = /^[A-Z].*[.?!]$/.test(detail);
  return `procvisor: ${fold(report.message)}${detail === '' ? '' : sentence ? ` ${detail}` : ` (${detail})`}\n`;
}

/**
 * Reports a command's failure and returns the exit code: 2 for a usage error, else 1. With
 * `json` the report goes to stdout as one JSON line (where a script reads the answer); without,
 * one readable line goes to stderr.
 */
export function reportError(error: unknown, context: { url: string; json: boolean }, io: CliIo): number {
  const report = describeError(error, context.url);
  if (context.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stderr.write(formatErrorLine(report));
  return error instanceof UsageError ? USAGE_EXIT_CODE : 1;
}
