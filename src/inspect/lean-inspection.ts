import type { AnyEventObject } from 'xstate';

/** Longest command kept in an inspected snapshot, characters. */
const MAX_COMMAND_CHARS = 1000;

/** What an inspected snapshot keeps: the parts the Stately inspector shows. */
export interface LeanSnapshot {
  status: string | undefined;
  value?: unknown;
  context?: unknown;
  error?: string;
}

/**
 * A snapshot reduced to `status`, `value`, a lean `context` and the error text. Drops the
 * spawn `input` of child actors and every function. Idempotent.
 */
export function leanSnapshot(snapshot: unknown): LeanSnapshot & { status: 'active' | 'done' | 'error' | 'stopped' } {
  const source = isRecord(snapshot) ? snapshot : {};
  const lean: LeanSnapshot = { status: typeof source.status === 'string' ? source.status : undefined };
  if ('value' in source) lean.value = source.value;
  if (isRecord(source.context)) lean.context = leanContext(source.context);
  if (source.error !== undefined) lean.error = errorText(source.error);
  return lean as LeanSnapshot & { status: 'active' | 'done' | 'error' | 'stopped' };
}

/**
 * A process context without what must not leave the service or would be costly to send: the
 * request's environment (the service's secrets), the output buffer (replaced by its byte count),
 * the frozen output, and functions. Unknown fields pass through.
 */
export function leanContext(context: Record<string, unknown>): Record<string, unknown> {
  const lean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === 'function') continue;
    if (key === 'buffer') {
      if (isRecord(value) && typeof value.totalBytes === 'number') lean.outputBytes = value.totalBytes;
    } else if (key === 'request') {
      lean.request = leanRequest(value);
    } else if (key === 'output') {
      lean.output = value === null ? null : '(omitted: read it through the process API)';
    } else {
      lean[key] = value;
    }
  }
  return lean;
}

function leanRequest(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const command = typeof value.command === 'string' && value.command.length > MAX_COMMAND_CHARS ? `${value.command.slice(0, MAX_COMMAND_CHARS)}…` : value.command;
  return { command, cwd: value.cwd };
}

/**
 * An event without `input` (xstate.init carries the spawn request and buffer), with errors as
 * text, and bytes as their count only (an `input` event carries what a client typed, a password
 * perhaps: it never leaves the service).
 */
export function leanEvent<T extends AnyEventObject>(event: T): T {
  if (!isRecord(event)) return event;
  const lean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'input' || typeof value === 'function') continue;
    lean[key] = value instanceof Error ? errorText(value) : value instanceof Uint8Array ? { bytes: value.length } : value;
  }
  return lean as T;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
