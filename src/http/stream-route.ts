import { StringDecoder } from 'node:string_decoder';
import * as v from 'valibot';
import { invalidQuery } from './request-checks.js';
import type { ProcessRecord } from '../supervisor/process-record.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { exitFields } from '../supervisor/process-view.js';
import type { StreamEventWire } from '../protocol/response-schemas.js';
import type { RouteContext } from './route-context.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { firstValues } from './output-query.js';

/** Most bytes one `output` event carries. */
export const MAX_EVENT_BYTES = 65_536;
/** A comment line this often keeps proxies from closing a quiet stream. */
export const KEEPALIVE_MS = 15_000;
/** The `retry:` hint: how soon an EventSource reconnects after a dropped stream, ms. */
export const STREAM_RETRY_MS = 1000;

const StreamQuerySchema = v.object({
  cursor: v.optional(v.pipe(v.string(), v.regex(/^\d{1,16}$/, 'must be a whole number'), v.transform(Number))),
  encoding: v.optional(v.picklist(['utf8', 'base64']), 'utf8'),
});

/**
 * `GET /{id}/stream`: Server-Sent Events of the process's output from a cursor (the
 * `Last-Event-ID` header, else `?cursor=`, else 0), then its exit. Events:
 * - `output`: `{offset, bytes, text | data}`, its `id` the cursor after it (resume from there);
 * - `gap`: the cursor fell out of the stream window and the spill file does not hold those bytes
 *   (spilling off, or stopped at a limit): `{offset, lost_bytes, resume_at}`;
 * - `exit`: `{exit_code, exit_signal?, exit_reason, duration_ms, next_cursor}`; then it ends.
 * `encoding=base64` sends exact bytes in `data`; the default `utf8` sends `text`, decoded
 * across chunk boundaries (invalid bytes become U+FFFD). A slow reader never blocks the process
 * or other readers: it is written to only while its socket accepts data, and holds at most one
 * event; if it falls behind the window it reads on from the spill file, and gets a `gap` only for
 * bytes that file does not hold. A `retry:` hint opens the stream. A reader
 * whose given cursor is already at the end of an exited process is answered `204` with no
 * body: EventSource reconnects after every `exit` (with its id as Last-Event-ID) and stops only on 204.
 */
export async function handleStream(ctx: RouteContext, supervisor: Supervisor): Promise<void> {
  const record = supervisor.get(ctx.params.id ?? '', ctx.state.chat.chatId);
  const parsed = v.safeParse(StreamQuerySchema, firstValues(ctx.query));
  if (!parsed.success) {
    throw invalidQuery(parsed.issues);
  }
  const lastEventId = ctx.get('last-event-id');
  const resumeAt = /^\d{1,16}$/.test(lastEventId) ? Number(lastEventId) : undefined;
  // Last-Event-ID wins: a reconnecting EventSource sends it along with the URL it was opened
  // with, whose ?cursor is where it started, not where it stopped.
  const given = resumeAt ?? parsed.output.cursor;
  const cursor = given ?? 0;
  // Exit read after the end: the status first, then the size (an exited process's output is final).
  if (given !== undefined && !record.running && given >= record.snapshot.context.buffer.totalBytes) {
    ctx.status = 204;
    return;
  }

  const stream = openEventStream(ctx, ctx.state.log, { retryMs: STREAM_RETRY_MS });
  await new StreamWriter(record, supervisor, stream, cursor, parsed.output.encoding, ctx.state.log).run();
}

/** One SSE reader: pumps cursor reads (window, else spill file) into the stream while its socket accepts them. */
class StreamWriter {
  private cursor: number;
  private closed = false;
  private pumping = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly cleanups: (() => void)[] = [];
  private finish!: () => void;

  constructor(
    private readonly record: ProcessRecord,
    private readonly supervisor: Supervisor,
    private readonly stream: EventStream,
    cursor: number,
    private readonly encoding: 'utf8' | 'base64',
    private readonly log: RouteContext['state']['log'],
  ) {
    this.cursor = cursor;
  }

  run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    this.record.streamReaders += 1;
    this.cleanups.push(() => (this.record.streamReaders -= 1));
    this.stream.onClose(() => this.close());
    this.cleanups.push(this.record.snapshot.context.buffer.subscribe(() => this.pump()));
    this.record.exited.then(
      () => this.pump(),
      (error: unknown) => this.log.error({ err: error }, 'exit watcher failed'),
    );
    this.keepAlive();
    this.pump();
    return done;
  }

  private keepAlive(): void {
    const clock = this.supervisor.clockSource;
    const timer = clock.setTimeout(() => {
      if (this.closed) return;
      if (!this.stream.backedUp) this.stream.comment('keep-alive');
      this.keepAlive();
    }, KEEPALIVE_MS);
    this.cleanups.push(() => clock.clearTimeout(timer));
  }

  private pump(): void {
    if (this.closed || this.pumping || this.stream.backedUp) return;
    this.pumping = true;
    try {
      const output = this.record.snapshot.context.buffer;
      while (!this.closed) {
        const read = output.read(this.cursor, MAX_EVENT_BYTES);
        if (read.gapBytes > 0) {
          this.stream.send('gap', { offset: this.cursor, lost_bytes: read.gapBytes, resume_at: read.from } satisfies StreamEventWire['gap'], read.from);
          this.cursor = read.from;
          // A character cut by the gap is lost; do not glue its first bytes to later ones.
          this.decoder.end();
        }
        if (read.data.length > 0) {
          const payload: StreamEventWire['output'] =
            this.encoding === 'base64'
              ? { offset: read.from, bytes: read.data.length, data: read.data.toString('base64') }
              : { offset: read.from, bytes: read.data.length, text: this.decoder.write(read.data) };
          this.cursor = read.to;
          this.stream.send('output', payload, read.to);
          if (this.stream.backedUp) {
            // Hold no more than this one event: resume from the window when the socket drains.
            this.stream.onDrain(() => this.pump());
            return;
          }
          continue;
        }
        // Caught up. The status is read after the last read, and an exited actor has all its
        // output, so nothing can arrive after the exit event.
        if (!this.record.running) this.end();
        return;
      }
    } finally {
      this.pumping = false;
    }
  }

  private end(): void {
    const context = this.record.snapshot.context;
    this.stream.send(
      'exit',
      {
        ...exitFields(context),
        next_cursor: this.cursor,
      } satisfies StreamEventWire['exit'],
      this.cursor,
    );
    this.stream.end();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.finish();
  }
}
