import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ProcessEvent } from '../client/process-api.js';
import type { Logger } from '../logger.js';

type ExitedEvent = Extract<ProcessEvent, { event: 'exited' }>;

/** Processes watched at most (the oldest is forgotten first), and exits remembered for a late `track`. */
export const MAX_TRACKED_PROCESSES = 1000;

/** The `data` of the logging notification sent when a tracked process ends. */
export interface ExitNotice {
  event: 'process_exited';
  process_id: string;
  exit_code: number;
  exit_signal?: string;
  exit_reason: string;
  duration_ms: number;
  /** The last lines of its output (escape sequences stripped; as the events stream gives them). */
  last_lines: string[];
  message: string;
}

/**
 * Tells the MCP client when a process one of its tool calls left running ends: a
 * `notifications/message` (logging) notification, logger `procvisor`, level `info` (exit code 0)
 * or `warning`, whose `data` is an ExitNotice. Reads the service's events stream (`events`, e.g.
 * the SDK's processEvents) until it ends or fails (logged). `track(id)` marks a process the
 * client heard about as running; an exit seen shortly before the track (the race between the
 * tool's answer and the event) is remembered and sent at the track. Both sets are bounded
 * (MAX_TRACKED_PROCESSES, oldest dropped).
 */
export class ExitNotices {
  private readonly tracked = new Set<string>();
  private readonly recentExits = new Map<string, ExitedEvent>();

  constructor(
    private readonly server: Server,
    private readonly log: Logger,
  ) {}

  track(id: string): void {
    const exited = this.recentExits.get(id);
    if (exited !== undefined) {
      this.recentExits.delete(id);
      this.send(exited);
      return;
    }
    this.tracked.add(id);
    if (this.tracked.size > MAX_TRACKED_PROCESSES) this.tracked.delete(this.tracked.values().next().value as string);
  }

  /** Consumes `events` until it ends; resolves then (never rejects: a failure is logged). */
  async run(events: AsyncIterable<ProcessEvent>): Promise<void> {
    try {
      for await (const event of events) if (event.event === 'exited') this.exited(event);
    } catch (error) {
      // ABORTED is the owner closing the stream (shutdown); anything else stops the notices early.
      if ((error as { code?: unknown }).code === 'ABORTED') return;
      this.log.warn({ err: error }, 'process events stream ended: exit notifications stop');
    }
  }

  private exited(event: ExitedEvent): void {
    if (this.tracked.delete(event.id)) {
      this.send(event);
      return;
    }
    this.recentExits.set(event.id, event);
    if (this.recentExits.size > MAX_TRACKED_PROCESSES) this.recentExits.delete(this.recentExits.keys().next().value as string);
  }

  private send(event: ExitedEvent): void {
    const how = event.exit_signal ? `was ended by ${event.exit_signal}` : `exited with code ${event.exit_code}`;
    const data: ExitNotice = {
      event: 'process_exited',
      process_id: event.id,
      exit_code: event.exit_code,
      ...(event.exit_signal ? { exit_signal: event.exit_signal } : {}),
      exit_reason: event.exit_reason,
      duration_ms: event.duration_ms,
      last_lines: event.last_lines,
      message: `background process ${event.id} ${how} (${event.exit_reason}) after ${Math.round(event.duration_ms / 100) / 10} s; process_output gives its output`,
    };
    this.server
      .sendLoggingMessage({ level: event.exit_code === 0 && !event.exit_signal ? 'info' : 'warning', logger: 'procvisor', data })
      .catch((error: unknown) => this.log.debug({ err: error, id: event.id }, 'exit notification failed'));
  }
}

/** The ids a tool result (JSON text) reports as still running: `process_id` with `running: true`, or the reference's `background_process_id`. */
export function runningProcessIds(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const fields = parsed as Record<string, unknown>;
  const ids: string[] = [];
  if (typeof fields.background_process_id === 'string') ids.push(fields.background_process_id);
  if (typeof fields.process_id === 'string' && fields.running === true) ids.push(fields.process_id);
  return ids;
}
