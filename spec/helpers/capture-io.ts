import { Writable } from 'node:stream';
import type { CliIo, CliOutput } from '../../src/cli/cli-io.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
  /** Delivers `signal` to the CLI's listeners, as the OS would. */
  raise(signal: 'SIGINT' | 'SIGTERM'): void;
}

function capture(tty: { isTTY?: boolean; columns?: number }): { stream: CliOutput; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  }) as CliOutput;
  Object.assign(stream, tty);
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A CliIo whose output is kept for assertions, with a fixed clock and signals raised by the spec. */
export function captureIo(options: { env?: NodeJS.ProcessEnv; isTTY?: boolean; columns?: number; nowMs?: number; stdin?: NodeJS.ReadableStream } = {}): CapturedIo {
  const stdout = capture(options.isTTY ? { isTTY: true, columns: options.columns ?? 80 } : {});
  const stderr = capture({});
  const listeners = new Map<string, Set<() => void>>();
  return {
    stdout: stdout.stream,
    stderr: stderr.stream,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    env: options.env ?? {},
    onSignal(signal, listener) {
      const set = listeners.get(signal) ?? new Set();
      listeners.set(signal, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    now: () => options.nowMs ?? Date.now(),
    out: stdout.text,
    err: stderr.text,
    raise(signal) {
      for (const listener of listeners.get(signal) ?? []) listener();
    },
  };
}
