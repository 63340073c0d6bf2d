import type { ExitReason } from './exit-reason.js';
import type { RenderedOutput } from './head-tail-buffer.js';
import type { ProcessRecord, ProcessRequestInfo } from './process-record.js';

/** An exited process as kept in durable state: what it was, how it ended, its final output. */
export interface SavedProcess {
  info: ProcessRequestInfo;
  exitCode: number;
  exitSignal: NodeJS.Signals | null;
  exitReason: ExitReason;
  /** Epoch ms. */
  exitedAt: number;
  output: RenderedOutput;
  /** Every byte the process wrote (the cursor one past its last byte). */
  totalBytes: number;
}

/**
 * Where a supervisor reports what must survive a restart. Calls are notifications: they must not
 * throw and must not block (a durable implementation queues them and writes in batches).
 */
export interface ProcessStore {
  /** A process started (it is recorded as running until `exited`). */
  started(record: ProcessRecord): void;
  /** A process reached `exited`; its output is final. */
  exited(record: ProcessRecord): void;
  /** A record was reaped: forget it. */
  dropped(processId: string): void;
}
