import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ProcvisorError, quote } from '../errors.js';
import type { Logger } from '../logger.js';

export const DATABASE_FILE = 'procvisor.db';

/** Schema version this code writes (`PRAGMA user_version`). */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS processes (
  id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  workdir TEXT NOT NULL,
  background INTEGER NOT NULL,
  chat_id TEXT,
  ancestor_chat_ids TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  stdin INTEGER NOT NULL,
  pty TEXT,
  timeout_ms INTEGER,
  idle_timeout_ms INTEGER,
  client_token TEXT,
  fingerprint TEXT,
  running INTEGER NOT NULL,
  exit_code INTEGER,
  exit_signal TEXT,
  exit_reason TEXT,
  exited_at INTEGER,
  output TEXT,
  truncation TEXT,
  total_bytes INTEGER
);
CREATE INDEX IF NOT EXISTS processes_by_exit ON processes (running, exited_at);
CREATE TABLE IF NOT EXISTS process_groups (
  pgid INTEGER PRIMARY KEY,
  start_ticks INTEGER,
  process_id TEXT,
  boot_id TEXT
);
CREATE TABLE IF NOT EXISTS chat_paths (
  chat_id TEXT NOT NULL,
  path TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (chat_id, path)
);
`;

/**
 * Opens (or creates) `<dataDir>/procvisor.db`: WAL journal, incremental auto-vacuum, the schema.
 * A database that cannot be opened or fails `quick_check` is moved aside to
 * `procvisor.db.corrupt-<time>` (with its -wal/-shm files) and a new one is created, with one
 * error log line saying so: a bad file never stops the service or makes it crash-loop. A
 * database written by a newer procvisor is not bad, only not ours to read: DATA_DIR_NEWER, and
 * the file is left as it is.
 */
export function openDatabase(dataDir: string, log: Logger, now: () => number = Date.now): Database.Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, DATABASE_FILE);
  refuseNewer(file);
  try {
    return prepare(new Database(file));
  } catch (error) {
    const aside = `${file}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    log.error({ err: error, file, moved_to: aside }, 'database unreadable; moved it aside and started a new one');
    return prepare(new Database(file));
  }
}

/** Throws DATA_DIR_NEWER if `file` is a database of a newer schema; reads it read-only, and only its header. */
function refuseNewer(file: string): void {
  if (!existsSync(file)) return;
  let version: number;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      version = db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  } catch {
    // Unreadable: openDatabase's recovery deals with it.
    return;
  }
  if (version > SCHEMA_VERSION) {
    throw new ProcvisorError('DATA_DIR_NEWER', `The database ${quote(file)} was written by a newer procvisor (schema version ${version}; this one knows ${SCHEMA_VERSION}).`, {
      detail: 'Run the newer procvisor, or set dataDir to another directory. The file is left untouched.',
    });
  }
}

function prepare(db: Database.Database): Database.Database {
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
