import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Longest string a log field may hold; longer strings (a command, an error) are cut. */
export const MAX_LOG_STRING_CHARS = 4096;

/**
 * Creates the service logger: pino, one JSON line per event. `destination` lets tests capture
 * lines; by default lines go to stdout. A failing destination is reported on stderr, never
 * silently dropped.
 */
export function createLogger(options: { level: string; base?: LoggerOptions['base'] }, destination?: DestinationStream): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level,
    base: options.base ?? { service: 'procvisor' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        // Bound every string argument so one huge command or error cannot make a huge line.
        const bounded = args.map((arg: unknown): unknown => (typeof arg === 'string' ? truncate(arg) : arg));
        method.apply(this, bounded as Parameters<typeof method>);
      },
    },
  };
  if (destination) return pino(loggerOptions, destination);
  const stream = pino.destination({ dest: 1, sync: false });
  stream.on('error', (err: Error) => {
    process.stderr.write(`procvisor: log destination failed: ${err.message}\n`);
  });
  return pino(loggerOptions, stream);
}

/** Cuts a string for a log field to MAX_LOG_STRING_CHARS, saying how much was cut. */
export function truncate(value: string, maxChars = MAX_LOG_STRING_CHARS): string {
  if (value.length <= maxChars) return value;
  return `${value.slice(0, maxChars)}… [${value.length - maxChars} more chars]`;
}
