import type Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ExitReason } from '../protocol/exit-reasons.js';
import type { RenderedOutput, Truncation } from '../supervisor/head-tail-buffer.js';
import type { ProcessRecord } from '../supervisor/process-record.js';
import type { ProcessStore, SavedProcess } from '../supervisor/process-store.js';

/** How long writes wait to be batched into one transaction. */
export const FLUSH_DELAY_MS = 25;
/** Most queued writes; past it the queue is flushed at once instead of waiting. */
const MAX_QUEUED = 1000;

type Write = { kind: 'process'; record: ProcessRecord } | { kind: 'drop'; id: string } | { kind: 'paths'; chatIds: string[]; paths: string[]; at: number };

interface ProcessRow {
  id: string;
  command: string;
  workdir: string;
  background: number;
  chat_id: string | null;
  ancestor_chat_ids: string;
  started_at: number;
  stdin: number;
  pty: string | null;
  timeout_ms: number | null;
  idle_timeout_ms: number | null;
  client_token: string | null;
  fingerprint: string | null;
  running: number;
  exit_code: number | null;
  exit_signal: string | null;
  exit_reason: string | null;
  exited_at: number | null;
  output: string | null;
  truncation: string | null;
  total_bytes: number | null;
}

/**
 * procvisor's durable state in SQLite: exited processes with their final output and client
 * tokens, and git watch's chat paths. Writes are queued and committed in one transaction per
 * batch (FLUSH_DELAY_MS later, off the request path), except an exit: it commits at once, with
 * whatever is queued, before any client can read it (measured cost in the README); a failed
 * batch is logged with its size and dropped, never thrown. The file stays under `maxBytes`: after each batch the oldest exited
 * processes are deleted until the used pages fit.
 */
export class DurableStore implements ProcessStore {
  private readonly queue: Write[] = [];
  private timer: unknown = null;
  private closed = false;
  private readonly upsert;
  private readonly remove;
  private readonly addPath;
  private readonly trimPaths;

  constructor(
    private readonly db: Database.Database,
    private readonly options: { log: Logger; clock: Clock; maxBytes: number; maxPathRows: number },
  ) {
    this.upsert = db.prepare(`INSERT OR REPLACE INTO processes VALUES (@id, @command, @workdir, @background, @chat_id, @ancestor_chat_ids,
      @started_at, @stdin, @pty, @timeout_ms, @idle_timeout_ms, @client_token, @fingerprint, @running, @exit_code, @exit_signal,
      @exit_reason, @exited_at, @output, @truncation, @total_bytes)`);
    this.remove = db.prepare('DELETE FROM processes WHERE id = ?');
    this.addPath = db.prepare('INSERT OR REPLACE INTO chat_paths (chat_id, path, added_at) VALUES (?, ?, ?)');
    // The newest maxPathRows paths stay (git watch's own bounds are per chat; this bounds the file).
    this.trimPaths = db.prepare('DELETE FROM chat_paths WHERE rowid IN (SELECT rowid FROM chat_paths ORDER BY added_at DESC LIMIT -1 OFFSET ?)');
  }

  /**
   * The exited processes to restore: those that exited within `keepMs` of now. Processes still
   * marked running were cut off by a crash or a kill of the service: they come back as ended by
   * `swept` when their id is in `swept` (the crash sweep ended their group at this start-up), else
   * by `shutdown`, with exit code -1 and no output; older rows are deleted.
   */
  load(keepMs: number, swept: ReadonlySet<string> = new Set()): SavedProcess[] {
    const now = this.options.clock.now();
    const markSwept = this.db.prepare("UPDATE processes SET running = 0, exit_code = -1, exit_reason = 'swept', exited_at = ?, output = '', total_bytes = 0 WHERE running = 1 AND id = ?");
    for (const id of swept) markSwept.run(now, id);
    this.db.prepare("UPDATE processes SET running = 0, exit_code = -1, exit_reason = 'shutdown', exited_at = ?, output = '', total_bytes = 0 WHERE running = 1").run(now);
    this.db.prepare('DELETE FROM processes WHERE exited_at < ?').run(now - keepMs);
    const rows = this.db.prepare('SELECT * FROM processes ORDER BY started_at').all() as ProcessRow[];
    return rows.map(toSaved);
  }

  /** Git watch's paths per chat, oldest first. */
  loadPaths(): { chatId: string; path: string }[] {
    return (this.db.prepare('SELECT chat_id AS chatId, path FROM chat_paths ORDER BY added_at').all() as { chatId: string; path: string }[]);
  }

  /**
   * Commits the start now, as the exit is: the client is answered `started` right after, and an
   * id it was given must still be known after a crash (then as `shutdown` or `swept`).
   */
  started(record: ProcessRecord): void {
    this.commitNow(record);
  }

  /** Commits the exit (and everything queued before it) now: a client may read it next. */
  exited(record: ProcessRecord): void {
    this.commitNow(record);
  }

  /** Writes the process row of `record` (its state now) and everything queued before it, synchronously. */
  private commitNow(record: ProcessRecord): void {
    if (this.closed) return;
    this.queue.push({ kind: 'process', record });
    this.flush();
  }

  dropped(processId: string): void {
    this.enqueue({ kind: 'drop', id: processId });
  }

  /** Git watch added `paths` to `chatIds`. */
  pathsAdded(chatIds: readonly string[], paths: readonly string[]): void {
    this.enqueue({ kind: 'paths', chatIds: [...chatIds], paths: [...paths], at: this.options.clock.now() });
  }

  private enqueue(write: Write): void {
    if (this.closed) return;
    this.queue.push(write);
    if (this.queue.length >= MAX_QUEUED) {
      this.flush();
      return;
    }
    this.timer ??= this.options.clock.setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes everything queued, in one transaction. Never throws. */
  flush(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0);
    try {
      this.db.transaction(() => {
        for (const write of batch) this.apply(write);
        if (batch.some((write) => write.kind === 'paths')) this.trimPaths.run(this.options.maxPathRows);
      })();
      this.enforceSize();
    } catch (error) {
      this.options.log.error({ err: error, writes: batch.length }, 'failed to write durable state; this batch is lost');
    }
  }

  private apply(write: Write): void {
    if (write.kind === 'drop') {
      this.remove.run(write.id);
    } else if (write.kind === 'paths') {
      for (const chatId of write.chatIds) for (const path of write.paths) this.addPath.run(chatId, path, write.at);
    } else {
      this.upsert.run(toRow(write.record));
    }
  }

  /** Deletes the oldest exited processes while the used pages exceed `maxBytes`. */
  private enforceSize(): void {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const used = (): number => ((this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
    let rounds = 0;
    while (used() > this.options.maxBytes && rounds < 100) {
      const deleted = this.db.prepare('DELETE FROM processes WHERE id IN (SELECT id FROM processes WHERE running = 0 ORDER BY exited_at LIMIT 100)').run().changes;
      rounds += 1;
      if (deleted === 0) break;
    }
    if (rounds > 0) {
      this.db.pragma('incremental_vacuum');
      this.options.log.warn({ max_bytes: this.options.maxBytes, rounds }, 'database at its size cap; dropped the oldest exited processes');
    }
  }

  /** Flushes what is queued and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    try {
      this.db.close();
    } catch (error) {
      this.options.log.error({ err: error }, 'failed to close the database');
    }
  }
}

function toRow(record: ProcessRecord): ProcessRow {
  const { info } = record;
  const snapshot = record.snapshot;
  const exited = snapshot.status === 'done';
  const context = snapshot.context;
  const output = exited ? context.output : null;
  return {
    id: info.id,
    command: info.command,
    workdir: info.workdir,
    background: info.background ? 1 : 0,
    chat_id: info.chatId,
    ancestor_chat_ids: JSON.stringify(info.ancestorChatIds),
    started_at: info.startedAt,
    stdin: info.stdin ? 1 : 0,
    pty: info.pty ? JSON.stringify(info.pty) : null,
    timeout_ms: info.timeoutMs,
    idle_timeout_ms: info.idleTimeoutMs,
    client_token: info.clientToken,
    fingerprint: info.fingerprint,
    running: exited ? 0 : 1,
    exit_code: exited ? (context.exitCode ?? -1) : null,
    exit_signal: exited ? context.exitSignal : null,
    exit_reason: exited ? context.exitReason : null,
    exited_at: exited ? context.exitedAt : null,
    output: output ? output.output : null,
    truncation: output?.truncation ? JSON.stringify(output.truncation) : null,
    total_bytes: exited ? context.buffer.totalBytes : null,
  };
}

function toSaved(row: ProcessRow): SavedProcess {
  const output: RenderedOutput = { output: row.output ?? '', truncation: row.truncation ? (JSON.parse(row.truncation) as Truncation) : null };
  return {
    info: {
      id: row.id,
      command: row.command,
      workdir: row.workdir,
      background: row.background === 1,
      chatId: row.chat_id,
      ancestorChatIds: JSON.parse(row.ancestor_chat_ids) as string[],
      startedAt: row.started_at,
      stdin: row.stdin === 1,
      pty: row.pty ? (JSON.parse(row.pty) as SavedProcess['info']['pty']) : null,
      timeoutMs: row.timeout_ms,
      idleTimeoutMs: row.idle_timeout_ms,
      clientToken: row.client_token,
      fingerprint: row.fingerprint,
    },
    exitCode: row.exit_code ?? -1,
    exitSignal: row.exit_signal as NodeJS.Signals | null,
    exitReason: (row.exit_reason ?? 'shutdown') as ExitReason,
    exitedAt: row.exited_at ?? row.started_at,
    output,
    totalBytes: row.total_bytes ?? 0,
  };
}
