import type { ExitReason } from '../protocol/exit-reasons.js';
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
 * throw. `started` and `dropped` may be queued and written in batches; `exited` must be durable
 * when it returns (it runs before any client can see the exit, so an answered exit survives a
 * crash of the service).
 */
export interface ProcessStore {
  /** A process started (it is recorded as running until `exited`). */
  started(record: ProcessRecord): void;
  /** A process reached `exited`; its output is final. Committed before it returns. */
  exited(record: ProcessRecord): void;
  /** A record was reaped: forget it. */
  dropped(processId: string): void;
}
