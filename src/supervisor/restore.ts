import { createActor } from 'xstate';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ProcessMachine } from './process-machine.js';
import { ProcessRecord } from './process-record.js';
import type { ProcessRegistry } from './process-registry.js';
import type { SavedProcess } from './process-store.js';
import { restoredContext } from './restored-context.js';

export interface RestoreDeps {
  registry: ProcessRegistry;
  machine: ProcessMachine;
  clock: Clock;
  log: Logger;
  settings: { drainTimeoutMs: number; killGraceMs: number };
}

/**
 * Brings back exited processes from durable state, as actors already in `exited` (no child
 * is spawned): their status, exit and final output read as before the restart, their client
 * tokens attach again, and they are reaped on the usual schedule. An id already held is skipped.
 */
export function restoreProcesses(saved: readonly SavedProcess[], deps: RestoreDeps): void {
  const { registry, machine, clock, log, settings } = deps;
  const now = (): number => clock.now();
  for (const entry of saved) {
    const { info } = entry;
    if (registry.has(info.id)) continue;
    const context = restoredContext(entry, { drainTimeoutMs: settings.drainTimeoutMs, killGraceMs: settings.killGraceMs, now });
    const snapshot = machine.resolveState({ value: 'exited', context });
    const actor = createActor(machine, {
      id: info.id,
      clock,
      snapshot,
      input: { request: context.request, buffer: context.buffer, drainTimeoutMs: 0, killGraceMs: 0, now },
    });
    // Already exited: the record freezes it at once; the actor is never started.
    const record = new ProcessRecord(info, actor, log.child({ process_id: info.id, ...(info.chatId === null ? {} : { chat_id: info.chatId }) }));
    registry.add(record);
    if (info.clientToken !== null && info.fingerprint !== null) registry.clientTokens.restore(info.chatId, info.clientToken, info.fingerprint, record);
  }
  if (saved.length > 0) log.info({ restored: saved.length }, 'restored exited processes from durable state');
}
