import type { ExitFieldsWire, ProcessInfoWire, ProcessOutputWire } from '../protocol/response-schemas.js';
import type { ProcessContext } from './process-machine.js';
import type { ProcessRecord } from './process-record.js';
import { portsOf } from './port-watch.js';

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Maps a record to the list entry, fields in the reference's order; omitted ones follow its
 * `omitempty`. `now` (epoch ms, the supervisor's clock) dates `waiting_for_input`.
 */
export function toProcessInfo(record: ProcessRecord, now: number): ProcessInfoWire {
  const snapshot = record.snapshot;
  const { info } = record;
  const exit = snapshot.status === 'done' ? snapshot.context : null;
  return {
    id: info.id,
    command: info.command,
    ...(info.workdir === '' ? {} : { workdir: info.workdir }),
    background: info.background,
    running: exit === null,
    ...(exit === null ? {} : exitFields(exit)),
    started_at_unix: seconds(info.startedAt),
    ...(exit?.exitedAt == null ? {} : { exited_at_unix: seconds(exit.exitedAt) }),
    ...(exit === null ? watchFields(record, now) : {}),
  };
}

/** `waiting_for_input` and `listening_ports` of a running process, each only while it holds. */
function watchFields(record: ProcessRecord, now: number): Pick<ProcessInfoWire, 'waiting_for_input' | 'listening_ports'> {
  const waiting = record.waitingForInput;
  return {
    ...(waiting === null ? {} : { waiting_for_input: { since_ms: Math.max(0, now - waiting.since), prompt: waiting.prompt } }),
    ...(record.listening.length === 0 ? {} : { listening_ports: portsOf(record.listening) }),
  };
}

/**
 * Maps a record to the output response. The status is read first and the output second (the
 * reference's TOCTOU fix): an exited actor holds its frozen, complete output; a running one's
 * buffer may still grow, which is fine because the status says running.
 */
export function toProcessOutput(record: ProcessRecord, now: number): ProcessOutputWire {
  const snapshot = record.snapshot;
  const exit = snapshot.status === 'done' ? snapshot.context : null;
  const rendered = exit?.output ?? snapshot.context.buffer.render();
  const t = rendered.truncation;
  return {
    output: rendered.output,
    ...(t === null
      ? {}
      : { truncated: { original_bytes: t.originalBytes, retained_bytes: t.retainedBytes, omitted_bytes: t.omittedBytes, strategy: t.strategy } }),
    running: exit === null,
    ...(exit === null ? {} : exitFields(exit)),
    ...(exit === null && record.waitingForInput !== null ? { waiting_for_input: watchFields(record, now).waiting_for_input } : {}),
  };
}

/**
 * The exit fields of an exited process's context, in wire order: the status answers, the
 * `exited` event and the stream's `exit` event all carry these. An exited context always has its
 * reason and exit time; the fallbacks only keep the type honest.
 */
export function exitFields(context: ProcessContext): ExitFieldsWire {
  return {
    exit_code: context.exitCode ?? -1,
    ...(context.exitSignal === null ? {} : { exit_signal: context.exitSignal }),
    exit_reason: context.exitReason ?? 'exited',
    duration_ms: (context.exitedAt ?? context.startedAt) - context.startedAt,
  };
}
