import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync, writev } from 'node:fs';
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
 * removes. Keeps the total of all files under `maxBytesTotal`. Files are written off the output
 * path (see OutputSpill); a read right after a write sees its bytes (from memory until they are
 * in the file).
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
 * Bytes at most waiting in memory for the disk. Past it the spill writes them synchronously (the
 * disk is slower than the process: the output path waits, as it did when every write was
 * synchronous), so a process's spill never holds more than this in memory.
 */
export const SPILL_QUEUE_BYTES = 4 * 1024 * 1024;

/** The blocks bytes waiting for the disk are packed into. */
const QUEUE_BLOCK_BYTES = 256 * 1024;

/**
 * The whole output of one process from offset 0 up to `end` (fewer than the process wrote once
 * a limit was reached: `stopped` says which). The first SPILL_DEFER_BYTES stay in memory; the
 * file is created when the output outgrows them, or at the exit when the caller still needs the
 * bytes (`seal(true)`: an output longer than its head and tail); a short output never touches
 * the disk. Writes to the file leave the output path: chunks queue in memory (at most
 * SPILL_QUEUE_BYTES) and one asynchronous `writev` at a time takes everything queued, so the
 * event loop never waits for the disk; reads see queued bytes from memory, so `[0, end)` is
 * always readable. The file stays readable after the process exited; `delete()` removes it and
 * gives its bytes back to the store.
 */
export class OutputSpill {
  private fd: number | null = null;
  private onDisk = false;
  /** Bytes [0, diskEnd) are in the file. */
  private diskEnd = 0;
  /** Bytes [diskEnd, end) in order (views of `block`s): the first bytes held in memory, then bytes waiting for the disk. */
  private queue: Buffer[] = [];
  /** The block new bytes are copied into, and how much of it is used. */
  private block: Buffer | null = null;
  private blockUsed = 0;
  /** Whether the last queue entry may still grow (no write took it yet), and where it starts in `block`. */
  private entryOpen = false;
  private entryStart = 0;
  /** Buffers at the front of `queue` that the write in flight is writing (0: none in flight). */
  private inFlight = 0;
  /** Bumped when the queue is taken by other means (a synchronous flush, delete): the write in flight then only ends. */
  private generation = 0;
  private endOffset = 0;
  private stoppedBy: SpillStop = null;
  private sealed = false;
  private deleted = false;
  private idleWaiters: (() => void)[] = [];

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
      this.append(chunk);
      return;
    }
    if (!this.onDisk && !this.open()) return this.store.release(chunk.length);
    this.append(chunk);
    if (this.endOffset - this.diskEnd > SPILL_QUEUE_BYTES) this.flushSync();
    else this.flush();
  }

  /**
   * Copies `chunk` (lent by the spawner for the call only) to the end of the queue, packed into
   * blocks: 4 KiB growing to 64 KiB while the output is held in memory, 256 KiB once it goes to
   * the file. No allocation per chunk; a short output holds one small block.
   */
  private append(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.block === null || this.blockUsed === this.block.length) {
        const size = this.onDisk ? QUEUE_BLOCK_BYTES : Math.min(SPILL_DEFER_BYTES, Math.max(4096, 2 * this.endOffset, chunk.length - at));
        this.block = Buffer.allocUnsafeSlow(size);
        this.blockUsed = 0;
        this.entryOpen = false;
      }
      const n = Math.min(chunk.length - at, this.block.length - this.blockUsed);
      this.block.set(n === chunk.length ? chunk : chunk.subarray(at, at + n), this.blockUsed);
      if (this.entryOpen) this.queue[this.queue.length - 1] = this.block.subarray(this.entryStart, this.blockUsed + n);
      else {
        // The entry a write in flight took stays as it was: later bytes make a new one.
        this.entryStart = this.blockUsed;
        this.queue.push(this.block.subarray(this.blockUsed, this.blockUsed + n));
        this.entryOpen = true;
      }
      this.blockUsed += n;
      this.endOffset += n;
      at += n;
    }
  }

  /** Empties the queue (its bytes are on disk, or dropped). */
  private clearQueue(): void {
    this.queue = [];
    this.entryOpen = false;
  }

  /** Creates the file; false (logged, spill stopped) when it cannot. What is queued goes out with the next flush. */
  private open(): boolean {
    try {
      this.fd = openSync(this.path, 'w+', 0o600);
      this.onDisk = true;
      return true;
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'cannot write the output spill file; grep and match waits cover the stream window only');
      this.stop('write_failed');
      return false;
    }
  }

  /** Starts one asynchronous write of everything queued, unless one is in flight (its end starts the next). */
  private flush(): void {
    if (this.fd === null || this.inFlight > 0 || this.queue.length === 0) return;
    const generation = this.generation;
    this.inFlight = this.queue.length;
    this.entryOpen = false;
    writev(this.fd, this.queue.slice(), this.diskEnd, (error, written) => this.written(generation, error, written));
  }

  private written(generation: number, error: NodeJS.ErrnoException | null, written: number): void {
    const inFlight = this.inFlight;
    this.inFlight = 0;
    if (generation === this.generation) {
      if (error) this.writeFailed(error);
      else this.advance(written, inFlight);
    }
    if (this.queue.length > 0 && !this.deleted && this.stoppedBy !== 'write_failed') this.flush();
    else this.settle();
  }

  /** `written` bytes of the first `buffers` queued buffers reached the file. */
  private advance(written: number, buffers: number): void {
    this.diskEnd += written;
    let left = written;
    let dropped = 0;
    while (dropped < buffers && left >= this.queue[dropped]!.length) left -= this.queue[dropped++]!.length;
    this.queue.splice(0, dropped);
    // A short write (a full disk reports its error on the next one): the rest is written again.
    if (left > 0) this.queue[0] = this.queue[0]!.subarray(left);
  }

  /** Writes everything queued now (the disk fell behind by SPILL_QUEUE_BYTES). A write in flight writes the same bytes at the same offsets; its end is ignored. */
  private flushSync(): void {
    this.generation++;
    try {
      let at = this.diskEnd;
      for (const chunk of this.queue) {
        this.writeAt(chunk, at);
        at += chunk.length;
      }
      this.clearQueue();
      this.diskEnd = at;
    } catch (error) {
      this.writeFailed(error as NodeJS.ErrnoException);
    }
  }

  /** The bytes past the file are lost to it: the spill keeps the prefix on disk and stops. */
  private writeFailed(error: NodeJS.ErrnoException): void {
    this.store.release(this.endOffset - this.diskEnd);
    this.endOffset = this.diskEnd;
    this.clearQueue();
    this.log.warn({ err: error, path: this.path }, 'output spill write failed; the rest of the output is not spilled');
    this.stop('write_failed');
  }

  /** Nothing in flight: closes the file when nothing more will be written to it, and wakes `idle()` waiters when nothing is queued. */
  private settle(): void {
    if (this.inFlight > 0) return;
    if (this.fd !== null && (this.deleted || (this.sealed && this.queue.length === 0) || this.stoppedBy === 'write_failed')) this.closeFile();
    if (this.queue.length === 0 || this.deleted || !this.onDisk) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private writeAt(chunk: Uint8Array, position: number): void {
    if (this.fd === null) throw new Error('the spill file is closed');
    let written = 0;
    while (written < chunk.length) written += writeSync(this.fd, chunk, written, chunk.length - written, position + written);
  }

  private closeFile(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'cannot close the output spill file');
    }
  }

  private stop(reason: Exclude<SpillStop, null>): void {
    this.stoppedBy = reason;
    this.log.info({ spilled_bytes: this.endOffset, reason }, 'output spill stopped');
  }

  /** Resolves when nothing waits for the disk: every byte held is in the file (or the spill holds nothing on disk). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && (this.queue.length === 0 || this.deleted || !this.onDisk)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Up to `maxBytes` bytes from `from` (clamped to what is held). Empty after `delete()`. */
  read(from: number, maxBytes: number): Buffer {
    const start = Math.max(0, Math.min(from, this.endOffset));
    const length = Math.max(0, Math.min(maxBytes, this.endOffset - start));
    if (length === 0 || this.deleted) return Buffer.alloc(0);
    const fromDisk = Math.max(0, Math.min(length, this.diskEnd - start));
    const disk = fromDisk > 0 ? this.readFile(start, fromDisk) : null;
    if (disk !== null && disk.length < fromDisk) return disk;
    if (fromDisk === length) return disk!;
    const memory = this.readQueue(start + fromDisk - this.diskEnd, length - fromDisk);
    return disk === null ? memory : Buffer.concat([disk, memory]);
  }

  /** `length` bytes from `offset` of the queue (offset 0 = diskEnd). */
  private readQueue(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let skip = offset;
    let got = 0;
    for (const chunk of this.queue) {
      if (got === length) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      got += chunk.copy(out, got, skip, Math.min(chunk.length, skip + length - got));
      skip = 0;
    }
    return out;
  }

  private readFile(start: number, length: number): Buffer {
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
   * At exit: no more bytes come; the file closes once what is queued is written (an exited record
   * holds no file descriptor). Bytes still held in memory go to the file when `keep` (the caller
   * needs them later), else they are dropped with their reservation and the spill reads as
   * empty, never complete (`stopped: 'not_needed'`).
   */
  seal(keep = false): void {
    if (!this.onDisk && !this.deleted && this.stoppedBy === null && this.endOffset > 0) {
      if (!keep) {
        this.clearQueue();
        this.store.release(this.endOffset);
        this.endOffset = 0;
        this.stoppedBy = 'not_needed';
      } else if (this.open()) this.flush();
      else {
        this.store.release(this.endOffset);
        this.endOffset = 0;
        this.clearQueue();
      }
    }
    this.sealed = true;
    // No more bytes come: the open block is only referenced by the queue now.
    this.block = null;
    this.settle();
  }

  /** Removes the file and gives its bytes back. Idempotent. */
  delete(): void {
    if (this.deleted) return;
    this.sealed = true;
    this.deleted = true;
    this.generation++;
    this.store.release(this.endOffset);
    this.clearQueue();
    this.block = null;
    // A write in flight still uses the descriptor: it is closed when that write ends.
    this.settle();
    if (!this.onDisk) return;
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err: error, path: this.path }, 'cannot delete the output spill file');
    }
  }
}
