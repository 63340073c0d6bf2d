import { SupervisorError, quote } from '../errors.js';
import type { EndCause } from './exit-reason.js';
import type { ProcessRecord } from './process-record.js';

/** Signals meant to end a process: after one, its end is "requested". SIGUSR1 and such are not. */
const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/**
 * Commands to a running process's actor. The actor handles each event synchronously, so a
 * delivery failure is already in its context when `send` returns: these functions turn it into
 * SIGNAL_FAILED. The caller has checked the record is running and visible.
 */
export function sendSignal(record: ProcessRecord, signal: NodeJS.Signals, cause?: EndCause): void {
  const endCause = cause ?? (ENDING_SIGNALS.has(signal) ? 'requested' : undefined);
  throwIfSignalFailed(record, () => record.actor.send({ type: 'signal', signal, ...(endCause ? { cause: endCause } : {}) }));
  record.log.info({ signal, cause: endCause }, 'process signalled');
}

/** SIGTERM now, SIGKILL after `graceMs` if it still runs. */
export function sendTerminate(record: ProcessRecord, graceMs: number, cause: EndCause): void {
  throwIfSignalFailed(record, () => record.actor.send({ type: 'terminate', graceMs, cause }));
  record.log.info({ signal: 'SIGTERM', grace_ms: graceMs, cause }, 'process terminating');
}

function throwIfSignalFailed(record: ProcessRecord, send: () => void): void {
  const before = record.snapshot.context.signalError;
  send();
  const after = record.snapshot.context.signalError;
  if (after !== null && after !== before) throw new SupervisorError('SIGNAL_FAILED', 'Failed to signal process.', { detail: after });
}

/**
 * Writes to the process's stdin or terminal. STDIN_NOT_OPEN (started without stdin), or
 * STDIN_CLOSED (EOF already sent, or the write failed because the process closed its end).
 */
export function sendInput(record: ProcessRecord, data: Buffer, eof: boolean): Promise<void> {
  const id = record.info.id;
  if (!record.info.stdin) {
    throw new SupervisorError('STDIN_NOT_OPEN', `Process ${quote(id)} was not started with stdin open.`, {
      detail: 'Start it with "stdin": true (or "pty": {...}) to send input.',
    });
  }
  if (!record.snapshot.context.stdinOpen) throw new SupervisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`);
  return new Promise((resolve, reject) => {
    record.actor.send({
      type: 'input',
      data,
      eof,
      reply: (error) => {
        if (error === null) resolve();
        else reject(new SupervisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`, { cause: error, detail: error.message }));
      },
    });
  });
}

/** Resizes the process's terminal; NOT_A_TERMINAL without one. */
export function sendResize(record: ProcessRecord, cols: number, rows: number): void {
  if (!record.info.pty) {
    throw new SupervisorError('NOT_A_TERMINAL', `Process ${quote(record.info.id)} has no terminal.`, { detail: 'Only processes started with "pty" can be resized.' });
  }
  record.actor.send({ type: 'resize', cols, rows });
}
