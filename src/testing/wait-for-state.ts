import { waitFor } from 'xstate';
import type { ProcessRecord, ProcessState } from '../supervisor/process-record.js';

/** The top-level state names of a process actor. */
export type ProcessStateName = 'starting' | 'running' | 'exited';

/**
 * Resolves with the snapshot once `record`'s actor is in `state` (at once if it already is).
 * Rejects if the actor ends elsewhere or `timeoutMs` of real time passes.
 */
export async function waitForState(record: ProcessRecord, state: ProcessStateName, timeoutMs = 5000): Promise<ProcessState> {
  if (record.snapshot.matches(state)) return record.snapshot;
  if (!record.running) throw new Error(`process ${record.info.id} exited without reaching ${state}`);
  await waitFor(record.actor, (snapshot) => snapshot.matches(state), { timeout: timeoutMs });
  // Read through the record: an exited process answers with its frozen state.
  return record.snapshot;
}
