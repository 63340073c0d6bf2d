import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_DEFAULTS } from '../config.js';
import type { Logger } from '../logger.js';

/** Bounds of the whole-output files. */
export interface SpillLimits {
  /** Bytes of one process's output kept on disk; later bytes are not spilled (the window and tail still have them). */
  maxBytesPerProcess: number;
  /** Bytes of all spill files together; a process whose next chunk would pass it stops spilling. */
  maxBytesTotal: number;
}

export const DEFAULT_SPILL_LIMITS: SpillLimits = { maxBytesPerProcess: CONFIG_DEFAULTS.spillMaxBytesPerProcess, maxBytesTotal: CONFIG_DEFAULTS.spillMaxBytesTotal };

/**
 * Where processes spill their whole output: one file per process in `dir` (`<dataDir>/output`,
 * created 0700) or, without a data dir, in a private 0700 temporary directory that `close()`
 * removes. Keeps the total of all files under `maxBytesTotal`. Files are written synchronously
 * (page cache) from the output path, so a read right after a write sees it.
 */
export class SpillStore {
  readonly limits: SpillLimits;
  private readonly dir: string;
  private readonly ownsDir: boolean;
  private readonly log: Logger;
  private totalBytes = 0;
  private closed = false;

  constructor(options: { dataDir: string | null; limits?: Partial<SpillLimits>; log: Logger }) {
    this.limits = { ...DEFAULT_SPILL_LIMITS, ...options.limits };
    this.log = options.log;
    if (options.dataDir === null) {
      this.dir = mkdtempSync(join(tmpdir(), 'procvisor-output-'));
      this.ownsDir = true;
    } else {
      this.dir = join(options.dataDir, 'output');
      // Files of a previous run belong to records that are gone (only the head/tail is durable).
      rmSync(this.dir, { recursive: true, force: true });
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.ownsDir = false;
    }
  }

  /** Bytes held by all spill files now. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * The spill of process `id`, or null once the store is closed. Its file is created only when
   * it is needed (see OutputSpill): creating a file cost ~0.5 ms on this machine's disk, a fifth
   * of a whole `sh -c true` round trip, and most commands print little.
   */
  create(id: string, log: Logger): OutputSpill | null {
    if (this.closed) return null;
    return new OutputSpill(join(this.dir, `${id}.out`), this, log);
  }

  /** Reserves `bytes` of the total; false when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.totalBytes + bytes > this.limits.maxBytesTotal) return false;
    this.totalBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.totalBytes = Math.max(0, this.totalBytes - bytes);
  }

  /** Removes the temporary directory (when it owns one). Spills are deleted with their records before. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsDir) return;
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch (error) {
      this.log.warn({ err: error, dir: this.dir }, 'cannot remove the output spill directory');
    }
  }
}

/** Why a spill stopped taking bytes, if it did. */
export type SpillStop = 'process_limit' | 'total_limit' | 'write_failed' | 'not_needed' | null;

/** Bytes a spill holds in memory before it creates its file (the first chunks of every process). */
export const SPILL_DEFER_BYTES = 65_536;

/**
 * The whole output of one process from offset 0 up to `end` (fewer than the process wrote once
 * a limit was reached: `stopped` says which). The first SPILL_DEFER_BYTES stay in memory; the
 * file is created when the output outgrows them, or at the exit when the caller still needs the
 * bytes (`seal(true)`: an output longer than its head and tail); a short output never touches
 * the disk. The file stays readable after the process exited; `delete()` removes it and gives
 * its bytes back to the store.
 */
export class OutputSpill {
  private fd: number | null = null;
  private onDisk = false;
  /** Chunks not yet on disk (copies; at most SPILL_DEFER_BYTES). */
  private pending: Buffer[] = [];
  private endOffset = 0;
  private stoppedBy: SpillStop = null;
  private deleted = false;

  constructor(
    private readonly path: string,
    private readonly store: SpillStore,
    private readonly log: Logger,
  ) {}

  /** Bytes held: offsets [0, end) are readable. */
  get end(): number {
    return this.endOffset;
  }

  get stopped(): SpillStop {
    return this.stoppedBy;
  }

  /** Appends `chunk`, unless a limit was reached (then nothing more is appended, so the file stays a prefix). */
  write(chunk: Uint8Array): void {
    if (this.stoppedBy !== null || this.deleted) return;
    if (this.endOffset + chunk.length > this.store.limits.maxBytesPerProcess) return this.stop('process_limit');
    if (!this.store.reserve(chunk.length)) return this.stop('total_limit');
    if (!this.onDisk && this.endOffset + chunk.length <= SPILL_DEFER_BYTES) {
      this.pending.push(Buffer.from(chunk));
      this.endOffset += chunk.length;
      return;
    }
    if (!this.onDisk && !this.materialize()) return this.store.release(chunk.length);
    try {
      this.writeAt(chunk, this.endOffset);
      this.endOffset += chunk.length;
    } catch (error) {
      this.store.release(chunk.length);
      this.log.warn({ err: error, path: this.path }, 'output spill write failed; the rest of the output is not spilled');
      this.stop('write_failed');
    }
  }

  /** Creates the file and writes what was held in memory; false (logged, spill stopped) when it cannot. */
  private materialize(): boolean {
    try {
      this.fd = openSync(this.path, 'w+', 0o600);
      this.onDisk = true;
      let at = 0;
      for (const chunk of this.pending) {
        this.writeAt(chunk, at);
        at += chunk.length;
      }
      this.pending = [];
      return true;
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'cannot write the output spill file; grep and match waits cover the stream window only');
      this.stop('write_failed');
      return false;
    }
  }

  private writeAt(chunk: Uint8Array, position: number): void {
    if (this.fd === null) throw new Error('the spill file is closed');
    let written = 0;
    while (written < chunk.length) written += writeSync(this.fd, chunk, written, chunk.length - written, position + written);
  }

  private stop(reason: Exclude<SpillStop, null>): void {
    this.stoppedBy = reason;
    this.log.info({ spilled_bytes: this.endOffset, reason }, 'output spill stopped');
  }

  /** Up to `maxBytes` bytes from `from` (clamped to what is on disk). Empty after `delete()`. */
  read(from: number, maxBytes: number): Buffer {
    const start = Math.max(0, Math.min(from, this.endOffset));
    const length = Math.max(0, Math.min(maxBytes, this.endOffset - start));
    if (length === 0 || this.deleted) return Buffer.alloc(0);
    if (!this.onDisk) return Buffer.concat(this.pending).subarray(start, start + length);
    const out = Buffer.allocUnsafe(length);
    // After the process exited the write descriptor is closed: reads open the file for the moment.
    let fd: number;
    try {
      fd = this.fd ?? openSync(this.path, 'r');
    } catch (error) {
      // Removed under us (the service shut down, or someone cleaned the directory).
      this.log.debug({ err: error, path: this.path }, 'output spill file is gone');
      return Buffer.alloc(0);
    }
    try {
      let got = 0;
      while (got < length) {
        const n = readSync(fd, out, got, length - got, start + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? out : out.subarray(0, got);
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
  }

  /**
   * At exit: closes the write descriptor (an exited record holds no file descriptor). Bytes still
   * held in memory go to the file when `keep` (the caller needs them later), else they are dropped
   * with their reservation and the spill reads as empty, never complete (`stopped: 'not_needed'`).
   */
  seal(keep = false): void {
    if (!this.onDisk && !this.deleted && this.stoppedBy === null && this.endOffset > 0) {
      if (keep) this.materialize();
      else {
        this.pending = [];
        this.store.release(this.endOffset);
        this.endOffset = 0;
        this.stoppedBy = 'not_needed';
      }
    }
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'cannot close the output spill file');
    }
  }

  /** Removes the file and gives its bytes back. Idempotent. */
  delete(): void {
    if (this.deleted) return;
    this.seal();
    this.deleted = true;
    this.store.release(this.endOffset);
    this.pending = [];
    if (!this.onDisk) return;
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err: error, path: this.path }, 'cannot delete the output spill file');
    }
  }
}
