import { constants } from 'node:os';

/** How a process ended, as the stream's exit event and the output answer say it. */
export interface ProcessEnd {
  exit_code?: number;
  exit_signal?: string;
}

/**
 * The exit code a shell would give for a process that ended so: its own code (0–255), or
 * 128 + the signal's number when a signal ended it (SIGKILL → 137, SIGINT → 130). 1 when neither
 * is known (the API's -1 without a signal: the output pipes were cut after the drain timeout).
 */
export function shellExitCode(end: ProcessEnd): number {
  if (end.exit_signal !== undefined) {
    const number = (constants.signals as Record<string, number | undefined>)[end.exit_signal];
    return number === undefined ? 1 : 128 + number;
  }
  const code = end.exit_code ?? -1;
  return Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1;
}

/** Exit code of a CLI that lost its stdout (a closed pipe), as a shell reports a SIGPIPE death. */
export const BROKEN_PIPE_EXIT_CODE = 128 + constants.signals.SIGPIPE;
