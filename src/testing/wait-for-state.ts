import { waitFor } from 'xstate';
import type { ProcessRecord, ProcessSnapshot } from '../supervisor/process-record.js';

/** The top-level state names of a process actor. */
export type ProcessStateName = 'starting' | 'running' | 'exited';

/**
 * Resolves with the snapshot once `record`'s actor is in `state` (at once if it already is).
 * Rejects if the actor ends elsewhere or `timeoutMs` of real time passes.
 */
export function waitForState(record: ProcessRecord, state: ProcessStateName, timeoutMs = 5000): Promise<ProcessSnapshot> {
  return waitFor(record.actor, (snapshot) => snapshot.matches(state), { timeout: timeoutMs });
}
