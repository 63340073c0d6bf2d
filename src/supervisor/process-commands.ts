import { ProcvisorError, quote } from '../errors.js';
import type { EndCause } from './end-cause.js';
import type { SignalReply } from './process-machine.js';
import type { ProcessRecord } from './process-record.js';

/** Signals meant to end a process: after one, its end is "requested". SIGUSR1 and such are not. */
const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/**
 * Commands to a running process's actor. The actor handles each event synchronously and its
 * child answers a signal through the event's reply, so a delivery failure is known when `send`
 * returns: these functions turn it into SIGNAL_FAILED. The caller has checked the record is
 * running and visible.
 */
export function sendSignal(record: ProcessRecord, signal: NodeJS.Signals, cause?: EndCause): void {
  const endCause = cause ?? (ENDING_SIGNALS.has(signal) ? 'requested' : undefined);
  deliver(record, signal, (reply) => record.actor.send({ type: 'signal', signal, ...(endCause ? { cause: endCause } : {}), reply }));
  record.log.info({ signal, cause: endCause }, 'process signalled');
}

/** SIGTERM now, SIGKILL after `graceMs` if it still runs. */
export function sendTerminate(record: ProcessRecord, graceMs: number, cause: EndCause): void {
  deliver(record, 'SIGTERM', (reply) => record.actor.send({ type: 'terminate', graceMs, cause, reply }));
  record.log.info({ signal: 'SIGTERM', grace_ms: graceMs, cause }, 'process terminating');
}

/**
 * Sends a signal command with a reply and throws SIGNAL_FAILED if the reply, during the send,
 * was an error. A reply that comes later (a command queued while the process starts) has no
 * caller left to tell: its failure is logged.
 */
function deliver(record: ProcessRecord, signal: NodeJS.Signals, send: (reply: SignalReply) => void): void {
  const outcome: { sent: boolean; failure: Error | null } = { sent: false, failure: null };
  send((error) => {
    if (error === null) return;
    if (outcome.sent) record.log.warn({ err: error, signal }, 'a queued signal could not be delivered');
    else outcome.failure = error;
  });
  outcome.sent = true;
  if (outcome.failure !== null) throw new ProcvisorError('SIGNAL_FAILED', 'Failed to signal process.', { cause: outcome.failure, detail: outcome.failure.message });
}

/**
 * Writes to the process's stdin or terminal. STDIN_NOT_OPEN (started without stdin), or
 * STDIN_CLOSED (EOF already sent, or the write failed because the process closed its end).
 */
export function sendInput(record: ProcessRecord, data: Buffer, eof: boolean): Promise<void> {
  const id = record.info.id;
  if (!record.info.stdin) {
    throw new ProcvisorError('STDIN_NOT_OPEN', `Process ${quote(id)} was not started with stdin open.`, {
      detail: 'Start it with "stdin": true (or "pty": {...}) to send input.',
    });
  }
  if (!record.snapshot.context.stdinOpen) throw new ProcvisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`);
  return new Promise((resolve, reject) => {
    record.actor.send({
      type: 'input',
      data,
      eof,
      reply: (error) => {
        if (error === null) resolve();
        else reject(new ProcvisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`, { cause: error, detail: error.message }));
      },
    });
  });
}

/** Resizes the process's terminal; NOT_A_TERMINAL without one. */
export function sendResize(record: ProcessRecord, cols: number, rows: number): void {
  if (!record.info.pty) {
    throw new ProcvisorError('NOT_A_TERMINAL', `Process ${quote(record.info.id)} has no terminal.`, { detail: 'Only processes started with "pty" can be resized.' });
  }
  record.actor.send({ type: 'resize', cols, rows });
}
