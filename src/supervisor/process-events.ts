import { CONFIG_DEFAULTS } from '../config.js';
import type { ProcessEventWire } from '../protocol/response-schemas.js';
import { Listeners } from './listeners.js';

export type { ProcessEventWire } from '../protocol/response-schemas.js';

/** Events the log keeps at most; older ones are dropped (about 2.5 MiB at worst: an `exited` event holds at most ~2 KiB of lines). */
export const MAX_EVENT_HISTORY = CONFIG_DEFAULTS.maxEventHistory;

export type ProcessEventName = keyof ProcessEventWire;

/** One logged event: `seq` counts from 1 since the supervisor started; `chatId` scopes who sees it. */
export type LoggedEvent = {
  [K in ProcessEventName]: { seq: number; chatId: string | null; name: K; data: ProcessEventWire[K] };
}[ProcessEventName];

/**
 * The supervisor's bounded history of process events (starts, exits, input waits, listening
 * ports), numbered in order, for the events stream and its `Last-Event-ID` resumption. Keeps the
 * last `maxEvents`; a reader behind that learns how many it lost.
 */
export class ProcessEventLog {
  private readonly events: LoggedEvent[] = [];
  private nextSeq = 1;
  private readonly listeners = new Listeners<LoggedEvent>();

  constructor(
    private readonly maxEvents: number = MAX_EVENT_HISTORY,
    private readonly onListenerError: (error: unknown) => void = () => undefined,
  ) {}

  /** The seq of the newest event (0 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** The seq of the oldest event kept (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.events[0]?.seq ?? this.nextSeq;
  }

  append<K extends ProcessEventName>(name: K, chatId: string | null, data: ProcessEventWire[K]): void {
    const event = { seq: this.nextSeq, chatId, name, data } as LoggedEvent;
    this.nextSeq += 1;
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.shift();
    this.listeners.notify(event, this.onListenerError);
  }

  /** Calls `listener` with every later event; returns the unsubscribe. */
  subscribe(listener: (event: LoggedEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * The kept events after `afterSeq`, oldest first, at most `max`; `lost` counts the events after
   * `afterSeq` that were already dropped.
   */
  after(afterSeq: number, max: number): { events: LoggedEvent[]; lost: number } {
    const first = this.firstSeq;
    const lost = Math.max(0, first - afterSeq - 1);
    const from = Math.max(0, afterSeq + 1 - first);
    return { events: this.events.slice(from, from + max), lost };
  }
}
