import { ProcvisorError, quote } from '../errors.js';
import { ClientTokens } from './client-tokens.js';
import type { ProcessRecord } from './process-record.js';
import type { ProcessStore } from './process-store.js';

/**
 * The records a supervisor holds (running and exited, in start order) and their client tokens:
 * lookup with chat isolation, listing, dropping. No timers and no I/O beyond telling the durable
 * store of a drop. Errors: PROCESS_NOT_FOUND (unknown, or another chat's).
 */
export class ProcessRegistry {
  private readonly records = new Map<string, ProcessRecord>();
  readonly clientTokens = new ClientTokens();

  constructor(private readonly store: ProcessStore | null) {}

  get size(): number {
    return this.records.size;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  add(record: ProcessRecord): void {
    this.records.set(record.info.id, record);
  }

  /** Forgets a start that failed: it was never stored and holds no client token. */
  remove(id: string): void {
    this.records.delete(id);
  }

  /** Every record held now (running and exited), in start order. */
  all(): ProcessRecord[] {
    return [...this.records.values()];
  }

  values(): IterableIterator<ProcessRecord> {
    return this.records.values();
  }

  /** The record of `id`; PROCESS_NOT_FOUND if unknown or, for a chat caller, another chat's. */
  get(id: string, chatId: string | null): ProcessRecord {
    const record = this.records.get(id);
    if (!record || !visibleTo(record, chatId)) throw notFound(id);
    return record;
  }

  /** Throws PROCESS_NOT_FOUND if `id` exists and belongs to another chat; a missing id passes. */
  assertNotForeign(id: string, chatId: string | null): void {
    const record = this.records.get(id);
    if (record && !visibleTo(record, chatId)) throw notFound(id);
  }

  /** A chat caller's own processes (all for `null`): running first, then newest first; at most `limit`. */
  list(chatId: string | null, limit: number): ProcessRecord[] {
    const matching = [...this.records.values()].filter((record) => chatId === null || record.info.chatId === chatId);
    matching.sort((a, b) => Number(b.running) - Number(a.running) || b.info.startedAt - a.info.startedAt);
    return matching.slice(0, limit);
  }

  /** Drops an exited record: its client token, its spilled output and its durable row go too. */
  drop(record: ProcessRecord): void {
    this.records.delete(record.info.id);
    this.clientTokens.forget(record.info.id);
    record.snapshot.context.buffer.spill?.delete();
    this.store?.dropped(record.info.id);
  }

  /** The process group ids of the running processes. */
  runningPids(): Set<number> {
    const pids = new Set<number>();
    for (const record of this.records.values()) {
      const pid = record.snapshot.context.pid;
      if (record.running && pid !== null) pids.add(pid);
    }
    return pids;
  }
}

function visibleTo(record: ProcessRecord, chatId: string | null): boolean {
  return chatId === null || record.info.chatId === null || record.info.chatId === chatId;
}

function notFound(id: string): ProcvisorError {
  return new ProcvisorError('PROCESS_NOT_FOUND', `Process ${quote(id)} not found.`);
}
