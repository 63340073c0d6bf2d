import type { Writable } from 'node:stream';

/** A stream the CLI writes to; `isTTY` and `columns` are set for a terminal. */
export type CliOutput = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * Everything the CLI touches of its process, passed in so that specs can run commands in-process
 * with captured output: the two output streams, the environment, signals sent to the CLI, and
 * the clock (Unix ms).
 */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** What `run --stdin` forwards to the process. */
  stdin?: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Calls `listener` for each `signal` the CLI receives (instead of dying of it) until unsubscribed. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', listener: () => void): () => void;
  now(): number;
}

/** The real process's streams, environment, signals and clock. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    onSignal(signal, listener) {
      process.on(signal, listener);
      return () => process.off(signal, listener);
    },
    now: () => Date.now(),
  };
}
