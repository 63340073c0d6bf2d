import type { CliOutput } from './cli-io.js';

/**
 * Writes to the CLI's stdout with back-pressure: `write` resolves once the stream took the chunk
 * or has room again, so a slow reader (a pager, a pipe) slows the CLI down instead of growing its
 * memory. A stream that fails (EPIPE: the reader went away) is recorded in `error` and `broken`
 * resolves; later writes are dropped. `dispose` detaches the listeners.
 */
export class OutputSink {
  error: Error | null = null;
  readonly broken: Promise<void>;
  private markBroken!: () => void;
  private readonly onError = (error: Error): void => {
    this.error ??= error;
    this.markBroken();
  };

  constructor(private readonly stream: CliOutput) {
    this.broken = new Promise((resolve) => (this.markBroken = resolve));
    stream.on('error', this.onError);
  }

  async write(chunk: Buffer | string): Promise<void> {
    if (this.error !== null || chunk.length === 0) return;
    if (this.stream.write(chunk)) return;
    let onDrain: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (onDrain = resolve));
    this.stream.once('drain', onDrain);
    try {
      await Promise.race([drained, this.broken]);
    } finally {
      this.stream.off('drain', onDrain);
    }
  }

  dispose(): void {
    this.stream.off('error', this.onError);
  }
}
