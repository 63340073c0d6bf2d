import { randomUUID } from 'node:crypto';
import { createActor, type InspectionEvent } from 'xstate';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ProcessMachine } from './process-machine.js';
import { ProcessOutput, type ProcessOutputSizes } from './process-output.js';
import { ProcessRecord, stateName, type ProcessActor, type ProcessRequestInfo } from './process-record.js';
import type { ProcessStore } from './process-store.js';
import type { SpillStore } from './spill-store.js';
import { startFingerprint, type StartRequest } from './start-request.js';
import { resolveWorkdir } from './workdir.js';

/** What the first steps of a start need from the supervisor. */
export interface RecordDeps {
  machine: ProcessMachine;
  clock: Clock;
  /** The supervisor's one shared clock function (see the note on closures below). */
  now: () => number;
  settings: { buffer: ProcessOutputSizes; drainTimeoutMs: number; killGraceMs: number };
  store: ProcessStore | null;
  spill: SpillStore | null;
  inspect: ((event: InspectionEvent) => void) | undefined;
}

/** The facts of a start request, fixed when it arrives: id, resolved working directory, start time (`now`, epoch ms), limits. */
export function requestInfo(
  request: StartRequest,
  chatId: string | null,
  ancestorChatIds: string[],
  settings: { workdir: string | null; home: () => string },
  now: number,
): ProcessRequestInfo {
  return {
    id: randomUUID(),
    command: request.command,
    workdir: resolveWorkdir(request.workdir, settings.workdir, settings.home),
    background: request.background ?? false,
    chatId,
    ancestorChatIds,
    startedAt: now,
    stdin: request.stdin === true || request.pty !== undefined,
    pty: request.pty ?? null,
    timeoutMs: request.timeoutMs ?? null,
    idleTimeoutMs: request.idleTimeoutMs ?? null,
    clientToken: request.clientToken ?? null,
    fingerprint: request.clientToken === undefined ? null : startFingerprint(request),
  };
}

/** The logger of one process: its id and chat fields on every line. */
export function processLogger(log: Logger, info: ProcessRequestInfo): Logger {
  return log.child({
    process_id: info.id,
    ...(info.chatId === null ? {} : { chat_id: info.chatId }),
    ...(info.ancestorChatIds.length > 0 ? { ancestor_chat_ids: info.ancestorChatIds } : {}),
  });
}

/**
 * A process actor (not started yet) and its record; every event it takes lands in the record's
 * history, and with a store its exit is committed before a waiter or a reader can see it.
 */
export function createProcessRecord(deps: RecordDeps, info: ProcessRequestInfo, log: Logger, env: Record<string, string>, request: StartRequest): ProcessRecord {
  const created: { record?: ProcessRecord; actor?: ProcessActor } = {};
  const actor = createActor(deps.machine, {
    id: info.id,
    clock: deps.clock,
    inspect: (event) => {
      // Events arrive during createActor() too, before the record exists; those are the
      // actor's own creation, which the history does not need.
      if (event.type === '@xstate.snapshot' && created.record && event.actorRef === created.actor) {
        created.record.recordEvent({ at: deps.clock.now(), type: event.event.type, state: stateName((event.snapshot as { value?: unknown }).value) });
      }
      deps.inspect?.(event);
    },
    input: {
      request: { command: info.command, cwd: info.workdir, env, ...(request.stdin ? { stdin: true } : {}), ...(request.pty ? { pty: request.pty } : {}) },
      // Closures made here would share this scope's V8 context (env, the actor, the request)
      // and keep it alive for as long as the exited record: ~8.5 KiB each, measured. So the
      // clock is one shared function and the error handler is made outside.
      buffer: new ProcessOutput(deps.settings.buffer, deps.now, listenerErrorLogger(log), undefined, deps.spill?.create(info.id, log) ?? null),
      drainTimeoutMs: deps.settings.drainTimeoutMs,
      timeoutMs: info.timeoutMs,
      idleTimeoutMs: info.idleTimeoutMs,
      killGraceMs: deps.settings.killGraceMs,
      now: deps.now,
      // The same start a restored record counts from: `duration_ms` is the same before and after a restart.
      startedAt: info.startedAt,
    },
  });
  created.actor = actor;
  // The exit is committed to the store before a waiter or a reader can see it.
  // A start that failed (or never ran) is dropped, as in the reference: it is never stored.
  const store = deps.store;
  const commitExit = store ? (record: ProcessRecord): void => {
    const { spawnError, pid } = record.snapshot.context;
    if (spawnError === null && pid !== null) store.exited(record);
  } : undefined;
  created.record = new ProcessRecord(info, actor, log, commitExit);
  return created.record;
}

/** Logs what an output listener threw; a module-level factory so it captures `log` only. */
function listenerErrorLogger(log: Logger): (error: unknown) => void {
  return (error) => log.error({ err: error }, 'an output listener failed');
}
