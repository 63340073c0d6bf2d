import { CONFIG_DEFAULTS } from '../config.js';
import * as v from 'valibot';
import { ProcvisorError } from '../errors.js';
import type { LoggedEvent } from '../supervisor/process-events.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { firstValues } from './output-query.js';
import type { RouteContext } from './route-context.js';
import type { LostEventWire } from '../protocol/response-schemas.js';
import { EventsQuerySchema } from '../protocol/request-schemas.js';
import { invalidQuery } from './request-checks.js';
import { KEEPALIVE_MS } from './stream-route.js';

/** Open events streams at most by default; more are refused with 503 TOO_MANY_CLIENTS. */
export const MAX_EVENT_STREAMS = CONFIG_DEFAULTS.maxEventStreams;
/** Events read from the log per pass of a writer (it yields to the socket between passes). */
const EVENTS_PER_PASS = 64;

/** How many event streams one app serves now (one counter per router). */
export interface EventStreamCount {
  open: number;
  max: number;
}

/**
 * `GET /api/v0/processes/events`: Server-Sent Events of process starts, exits, input waits and
 * listening ports, scoped like `list` (a chat caller sees its own chat's processes only; a caller
 * without a chat sees all). Each event's `id` is its sequence number: reconnecting with
 * `Last-Event-ID` (or `?after=`) replays what followed, from the supervisor's bounded history; a
 * reader behind that history first gets one `lost` event saying how many it missed. Without
 * either, the stream starts with the events after the request (`?after=0`: the whole history).
 * Ends when the service shuts down (after the last exits).
 */
export function handleEvents(ctx: RouteContext, supervisor: Supervisor, count: EventStreamCount): void {
  const parsed = v.safeParse(EventsQuerySchema, firstValues(ctx.query));
  if (!parsed.success) throw invalidQuery(parsed.issues);
  if (supervisor.isClosed) throw new ProcvisorError('SUPERVISOR_CLOSED', 'The service is shutting down.');
  if (count.open >= count.max) throw new ProcvisorError('TOO_MANY_CLIENTS', 'Too many event streams.', { detail: `At most ${count.max} are served at once; close another, or raise maxEventStreams.` });
  const lastEventId = ctx.get('last-event-id');
  const resumeAt = /^\d{1,16}$/.test(lastEventId) ? Number(lastEventId) : undefined;
  let after = parsed.output.after ?? resumeAt ?? supervisor.events.lastSeq;
  // An id from before a restart (newer than anything logged now): replay what there is.
  if (after > supervisor.events.lastSeq) after = 0;
  const stream = openEventStream(ctx, ctx.state.log);
  new EventsWriter(supervisor, stream, after, ctx.state.chat.chatId, count).start();
}

/** One reader: pumps the log from its cursor while the socket accepts data. */
class EventsWriter {
  private pumping = false;
  private closed = false;
  private readonly cleanups: (() => void)[] = [];
  private keepAliveTimer: unknown = null;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly stream: EventStream,
    private cursor: number,
    private readonly chatId: string | null,
    private readonly count: EventStreamCount,
  ) {}

  start(): void {
    this.count.open += 1;
    this.cleanups.push(() => (this.count.open -= 1));
    this.stream.onClose(() => this.close());
    this.cleanups.push(this.supervisor.events.subscribe(() => this.pump()));
    this.cleanups.push(this.supervisor.onClosed(() => this.stream.end()));
    this.keepAlive();
    this.pump();
  }

  private visible(event: LoggedEvent): boolean {
    return this.chatId === null || event.chatId === this.chatId;
  }

  private pump(): void {
    if (this.closed || this.pumping || this.stream.backedUp) return;
    this.pumping = true;
    try {
      while (!this.closed) {
        const { events, lost } = this.supervisor.events.after(this.cursor, EVENTS_PER_PASS);
        if (lost > 0) {
          const resumeAt = this.supervisor.events.firstSeq - 1;
          this.stream.send('lost', { lost_events: lost, resume_at: resumeAt } satisfies LostEventWire, resumeAt);
          this.cursor = resumeAt;
          continue;
        }
        if (events.length === 0) return;
        for (const event of events) {
          this.cursor = event.seq;
          if (this.visible(event)) this.stream.send(event.name, event.data, event.seq);
        }
        if (this.stream.backedUp) {
          // Hold no more than what was written: resume from the log when the socket drains.
          this.stream.onDrain(() => this.pump());
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private keepAlive(): void {
    const clock = this.supervisor.clockSource;
    this.keepAliveTimer = clock.setTimeout(() => {
      if (this.closed) return;
      if (!this.stream.backedUp) this.stream.comment('keep-alive');
      this.keepAlive();
    }, KEEPALIVE_MS);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.supervisor.clockSource.clearTimeout(this.keepAliveTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
