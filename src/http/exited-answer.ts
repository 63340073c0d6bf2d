import type { ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { ProcessRecord } from '../supervisor/process-record.js';
import { toProcessOutput } from '../supervisor/process-view.js';
import { JSON_CONTENT_TYPE, encodeJson } from '../web/json.js';

/** An exited process's output answer, encoded once, with the headers that go with it. */
export interface ExitedAnswer {
  /** The encoded body: a string when small (Node writes it in one piece with the head), else a Buffer. */
  body: string | Buffer;
  /** `writeHead`'s raw header list: the same names, case and order as `sendEncodedJson` + Koa. */
  headers: string[];
}

/**
 * Answers up to this size are kept as strings: Node then sends head and body as one string in
 * one write, where a Buffer body makes a second chunk (a writev); larger ones are kept as a
 * Buffer, so no response encodes them again.
 */
const SMALL_ANSWER_BYTES = 16 * 1024;

/** The answer of each exited process (it never changes, whoever asks); gone with the record. */
const answers = new WeakMap<ProcessRecord, ExitedAnswer>();

/**
 * The v0 output answer (`toProcessOutput`) of an exited `record`, encoded once: every snapshot
 * GET and every long poll of that process, in any chat that may see it, gets these same bytes.
 */
export function exitedAnswer(record: ProcessRecord): ExitedAnswer {
  let answer = answers.get(record);
  if (answer === undefined) {
    const text = encodeJson(toProcessOutput(record, 0));
    const bytes = Buffer.byteLength(text);
    answer = { body: bytes <= SMALL_ANSWER_BYTES ? text : Buffer.from(text), headers: ['Content-Type', JSON_CONTENT_TYPE, 'Content-Length', String(bytes)] };
    answers.set(record, answer);
  }
  return answer;
}

/**
 * Writes the exited answer of `record` (exited) onto `res`: status, headers and body in one
 * `writeHead` + `end`, bypassing Koa's response pass (measured: its status, header and body
 * setters cost more than the write itself on this path). The caller sets `ctx.respond = false`.
 */
export function writeExitedAnswer(res: ServerResponse, record: ProcessRecord): void {
  const { body, headers } = exitedAnswer(record);
  res.writeHead(200, headers);
  res.end(body);
}

/** How `answerAtExit` ended: the answer was written, or the wait timed out, or the client left. */
export type ExitAnswerOutcome = 'answered' | 'timeout' | 'aborted';

/**
 * Holds `res` until `record` exits, then writes the exited answer straight onto it, inside the
 * record's exit notification: thousands of long polls woken by one exit cost one encoding and a
 * `writeHead` + `end` each, with no promise chain or Koa response pass in between (the caller
 * sets `ctx.respond = false` on 'answered'). Ends with 'timeout' after `timeoutMs` on `clock`
 * (nothing written), or 'aborted' when the response closes first (the client went away).
 * Leaves nothing behind whichever way it ends. `record` must be running.
 */
export function answerAtExit(res: ServerResponse, record: ProcessRecord, timeoutMs: number, clock: Clock): Promise<ExitAnswerOutcome> {
  return new Promise<ExitAnswerOutcome>((resolve) => {
    const finish = (outcome: ExitAnswerOutcome): void => {
      removeExitListener();
      clock.clearTimeout(timer);
      res.off('close', onClose);
      resolve(outcome);
    };
    const onExit = (): void => {
      // Called inside the record's exit notification: must not throw.
      try {
        writeExitedAnswer(res, record);
      } catch (error) {
        record.log.error({ err: error }, 'writing a long poll answer failed');
        res.destroy();
      }
      finish('answered');
    };
    // 'close' before the response finished means the client went away.
    const onClose = (): void => {
      if (!res.writableFinished) finish('aborted');
    };
    const removeExitListener = record.onExit(onExit);
    const timer = clock.setTimeout(() => finish('timeout'), timeoutMs);
    res.once('close', onClose);
  });
}
