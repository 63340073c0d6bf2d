import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/** A logger whose lines are kept, parsed, for assertions. */
export interface LogSink {
  log: Logger;
  lines: Record<string, unknown>[];
}

export function createLogSink(level = 'debug'): LogSink {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { log: createLogger({ level }, destination), lines };
}
