import type { ProcessApi } from '../client/process-api.js';
import { UsageError } from './usage-error.js';

/** A full process id (procvisor's are UUIDs; a Coder agent's too). */
const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The process id `given` names: a full id as is; a prefix (the short id `ps` shows) is looked up
 * in the list (which holds the running and the most recent processes). A prefix that matches
 * nothing is passed on unchanged, so the service answers with its own "not found"; one that
 * matches several is a UsageError naming them.
 */
export async function resolveId(api: ProcessApi, given: string, signal?: AbortSignal): Promise<string> {
  if (FULL_ID.test(given) || given === '') return given;
  const { processes } = await api.listProcesses({ signal });
  const matches = processes.filter((process) => process.id.startsWith(given.toLowerCase()));
  if (matches.length > 1) throw new UsageError(`Process id prefix ${JSON.stringify(given)} is ambiguous: ${matches.map((p) => p.id).join(', ')}.`);
  return matches[0]?.id ?? given;
}
