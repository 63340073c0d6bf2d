import type { Logger } from '../logger.js';
import type { HistoryEntry, ProcessRecord } from '../supervisor/process-record.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { toInspectView, viewVersion, type InspectProcessView } from './inspect-view.js';

/**
 * What a feed client receives: the whole picture when it joins, then updates carrying only the
 * processes whose view changed, plus the ids shown now, in order (a missing id was reaped or
 * fell out of the window).
 */
export type FeedMessage =
  | { type: 'snapshot'; processes: InspectProcessView[] }
  | { type: 'update'; order: string[]; processes: InspectProcessView[] };

/** One subscriber (an SSE stream). Calls come synchronously from the feed; they must not throw. */
export interface FeedClient {
  send(message: FeedMessage): void;
  /** Nothing changed for a while: prove the connection is alive (an SSE comment). */
  heartbeat(): void;
  /** The feed closed: end the stream. */
  end(): void;
}

export interface InspectFeedOptions {
  supervisor: Supervisor;
  log: Logger;
  /** Processes shown at most: running first, then newest first. */
  maxProcesses: number;
  /** Subscribers at most; `subscribe` refuses more. */
  maxClients: number;
  /** Output tail per process, bytes. */
  tailBytes: number;
  /** How often output and state are compared while anyone watches, ms. */
  intervalMs?: number;
  /** A heartbeat after this long without a message, ms. */
  heartbeatMs?: number;
}

const DEFAULT_INTERVAL_MS = 250;
const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * The live source of the `/inspect` page. While at least one client watches, it compares each
 * shown process's view fingerprint every `intervalMs` (output has no event of its own: the child
 * logic writes into the buffer directly), and at once when a process starts or exits, and sends
 * the changed views to every client. With no client it holds no timer and no listener. Bounded:
 * `maxProcesses` views, `maxClients` clients, `tailBytes` of output and the record's bounded
 * history per view. `close()` ends every client; afterwards `subscribe` refuses.
 */
export class InspectFeed {
  private readonly options: Required<InspectFeedOptions>;
  private readonly clients = new Set<FeedClient>();
  private versions = new Map<string, { key: string; last: HistoryEntry | undefined }>();
  private order: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private unlisten: (() => void)[] = [];
  private quietMs = 0;
  private closed = false;

  constructor(options: InspectFeedOptions) {
    this.options = { intervalMs: DEFAULT_INTERVAL_MS, heartbeatMs: DEFAULT_HEARTBEAT_MS, ...options };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** True when `subscribe` would refuse for lack of room. */
  get isFull(): boolean {
    return this.clients.size >= this.options.maxClients;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The views shown now, in order. */
  snapshot(): InspectProcessView[] {
    return this.visible().map((record) => toInspectView(record, this.options.tailBytes));
  }

  /**
   * Adds a client and sends it the snapshot at once. Returns its unsubscribe function, or null
   * when the feed is full or closed.
   */
  subscribe(client: FeedClient): (() => void) | null {
    if (this.closed || this.clients.size >= this.options.maxClients) return null;
    if (this.clients.size === 0) this.startWatching();
    this.clients.add(client);
    this.deliver(client, { type: 'snapshot', processes: this.snapshot() });
    return () => this.remove(client);
  }

  /** Ends every client and stops watching. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const client of [...this.clients]) {
      this.remove(client);
      try {
        client.end();
      } catch (error) {
        this.options.log.warn({ err: error }, 'inspect feed client failed to end');
      }
    }
  }

  private remove(client: FeedClient): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) this.stopWatching();
  }

  private startWatching(): void {
    const { supervisor, intervalMs } = this.options;
    // Start and exit are sent at once; everything else (draining, output) within intervalMs.
    this.unlisten = [supervisor.onProcessStart(() => this.tickSoon()), supervisor.onProcessExit(() => this.tickSoon())];
    this.remember(this.visible());
    this.quietMs = 0;
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private stopWatching(): void {
    for (const unlisten of this.unlisten) unlisten();
    this.unlisten = [];
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
  }

  private tickSoon(): void {
    this.soon ??= setImmediate(() => {
      this.soon = null;
      this.tick();
    });
  }

  private tick(): void {
    if (this.clients.size === 0) return;
    const records = this.visible();
    const order = records.map((record) => record.info.id);
    const changed = records.filter((record) => {
      const before = this.versions.get(record.info.id);
      const now = viewVersion(record);
      return before === undefined || before.key !== now.key || before.last !== now.last;
    });
    const orderChanged = order.length !== this.order.length || order.some((id, i) => id !== this.order[i]);
    this.remember(records);
    if (changed.length === 0 && !orderChanged) {
      this.quietMs += this.options.intervalMs;
      if (this.quietMs >= this.options.heartbeatMs) {
        this.quietMs = 0;
        for (const client of [...this.clients]) this.guard(client, () => client.heartbeat());
      }
      return;
    }
    this.quietMs = 0;
    const message: FeedMessage = { type: 'update', order, processes: changed.map((record) => toInspectView(record, this.options.tailBytes)) };
    for (const client of [...this.clients]) this.deliver(client, message);
  }

  /** Keeps only the fingerprints of the shown processes, so the map stays bounded. */
  private remember(records: ProcessRecord[]): void {
    this.versions = new Map(records.map((record) => [record.info.id, viewVersion(record)]));
    this.order = records.map((record) => record.info.id);
  }

  private visible(): ProcessRecord[] {
    const records = this.options.supervisor.all();
    records.sort((a, b) => Number(b.running) - Number(a.running) || b.info.startedAt - a.info.startedAt);
    return records.slice(0, this.options.maxProcesses);
  }

  private deliver(client: FeedClient, message: FeedMessage): void {
    this.guard(client, () => client.send(message));
  }

  /** A client that throws is dropped and ended, never allowed to break the others. */
  private guard(client: FeedClient, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.log.warn({ err: error }, 'inspect feed client failed; dropping it');
      this.remove(client);
      try {
        client.end();
      } catch {
        // Already logged above; a client that cannot even end is gone either way.
      }
    }
  }
}
