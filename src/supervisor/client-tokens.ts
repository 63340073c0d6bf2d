import { ProcvisorError } from '../errors.js';
import type { ProcessRecord } from './process-record.js';

/** Longest accepted client token. */
export const MAX_CLIENT_TOKEN_CHARS = 256;

interface Entry {
  fingerprint: string;
  /** The first start's outcome; later starts with the token attach to it. */
  started: Promise<ProcessRecord>;
  processId: string | null;
}

/**
 * Idempotent starts: the first start with a token reserves it *before* spawning, so concurrent
 * retries wait for that start and attach to its process instead of running the command again.
 * Tokens are scoped per chat (one chat cannot attach to another's). A token reused with
 * different parameters is a CLIENT_TOKEN_CONFLICT. A failed start frees its token (a retry may
 * try again); a token is forgotten when its process is reaped, so their number is bounded by
 * the records held plus the starts in flight.
 */
export class ClientTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly keyByProcess = new Map<string, string>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `start` for a new token, or returns the process of an earlier start with the same
   * token and fingerprint (`attached: true`).
   */
  async startOnce(
    chatId: string | null,
    token: string,
    fingerprint: string,
    start: () => Promise<ProcessRecord>,
  ): Promise<{ record: ProcessRecord; attached: boolean }> {
    const key = `${chatId ?? ''}\u0000${token}`;
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new ProcvisorError('CLIENT_TOKEN_CONFLICT', 'Client token was already used to start a process with different parameters.', {
          detail: `Token ${JSON.stringify(token)} started ${existing.processId === null ? 'a process' : `process ${JSON.stringify(existing.processId)}`}; use a new token for a different command.`,
        });
      }
      return { record: await existing.started, attached: true };
    }
    const entry: Entry = { fingerprint, started: start(), processId: null };
    this.entries.set(key, entry);
    try {
      const record = await entry.started;
      entry.processId = record.info.id;
      this.keyByProcess.set(record.info.id, key);
      return { record, attached: false };
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  /** Re-registers a token of a process restored from durable state. */
  restore(chatId: string | null, token: string, fingerprint: string, record: ProcessRecord): void {
    const key = `${chatId ?? ''}\u0000${token}`;
    this.entries.set(key, { fingerprint, started: Promise.resolve(record), processId: record.info.id });
    this.keyByProcess.set(record.info.id, key);
  }

  /** Forgets the tokens of a process (when it is reaped). */
  forget(processId: string): void {
    const key = this.keyByProcess.get(processId);
    if (key === undefined) return;
    this.keyByProcess.delete(processId);
    this.entries.delete(key);
  }
}
