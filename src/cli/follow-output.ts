import type { ProcvisorClient } from '../client/procvisor-client.js';
import type { StreamExitEvent } from '../client/process-api.js';
import type { CliIo } from './cli-io.js';
import type { OutputSink } from './output-sink.js';

export interface FollowOptions {
  client: ProcvisorClient;
  id: string;
  io: CliIo;
  sink: OutputSink;
  /** Each event as one JSON line (NDJSON) instead of the raw output bytes. */
  json: boolean;
  signal: AbortSignal;
}

/**
 * Copies a process's output stream to stdout from its first retained byte until it exits, and
 * resolves with the exit event. Output goes out as the exact bytes (the stream is read in
 * base64), or with `json` as one event per line (`{"event":"output","text":…}`); a `gap` (output that scrolled out of the server's window before it was read) is noted
 * on stderr. Resumes after dropped connections (the SDK's `streamOutput`). Resolves with null
 * when stdout broke; rejects with the SDK's ClientError otherwise.
 */
export async function followOutput(options: FollowOptions): Promise<StreamExitEvent | null> {
  const { io, sink } = options;
  // JSON lines carry text, which the server decodes across chunk boundaries; raw output the exact bytes.
  const events = options.client.streamOutput(options.id, { encoding: options.json ? 'utf8' : 'base64', signal: options.signal });
  for await (const event of events) {
    if (sink.error !== null) return null;
    if (options.json) {
      await sink.write(`${JSON.stringify(event)}\n`);
    } else if (event.event === 'output') {
      await sink.write(Buffer.from(event.data ?? '', 'base64'));
    } else if (event.event === 'gap') {
      io.stderr.write(`procvisor: ${event.lost_bytes} bytes of output were no longer kept; continuing at byte ${event.resume_at}\n`);
    }
    if (event.event === 'exit') return sink.error === null ? event : null;
  }
  throw new Error('the output stream ended without an exit event');
}
