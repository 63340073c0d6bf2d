import { CONFIG_DEFAULTS } from '../config.js';
/** Truncation metadata of a rendered output, exactly as the reference reports it. */
export interface Truncation {
  originalBytes: number;
  retainedBytes: number;
  omittedBytes: number;
  strategy: 'head_tail';
}

/** A rendered output: the text a client sees and, when bytes were dropped, how many. */
export interface RenderedOutput {
  output: string;
  truncation: Truncation | null;
}

export interface HeadTailSizes {
  /** Bytes kept from the start of the output. */
  headBytes: number;
  /** Bytes kept from the end of the output (a ring). */
  tailBytes: number;
  /** Longest line in a rendered output; longer lines are cut and marked. */
  maxLineBytes: number;
}

export const DEFAULT_HEAD_TAIL_SIZES: HeadTailSizes = { headBytes: CONFIG_DEFAULTS.headBytes, tailBytes: CONFIG_DEFAULTS.tailBytes, maxLineBytes: CONFIG_DEFAULTS.maxLineBytes };

const LINE_TRUNCATED_SUFFIX = Buffer.from(' ... [truncated]');
const NEWLINE = 0x0a;

/**
 * Bounded memory for one process's output: the first `headBytes` bytes ever written plus a ring
 * of the last `tailBytes` bytes that did not fit in the head. Memory stays at most
 * `headBytes + tailBytes` whatever is written. `render()` produces the reference's format
 * (omission marker, line cuts, `\n` joiner). `freeze()` renders once and releases the Buffers:
 * Node forks to spawn, and Buffer memory held by thousands of exited records slows every spawn,
 * while the same bytes as a V8 string do not. Not thread-safe; Node runs it on one thread.
 */
export class HeadTailBuffer {
  private readonly sizes: HeadTailSizes;
  private head: Buffer | null = null;
  private headLength = 0;
  private tail: Buffer | null = null;
  private tailPos = 0;
  private tailFull = false;
  private total = 0;
  private frozen: RenderedOutput | null = null;

  constructor(sizes: Partial<HeadTailSizes> = {}) {
    this.sizes = { ...DEFAULT_HEAD_TAIL_SIZES, ...sizes };
  }

  /** A frozen buffer holding an output rendered earlier (durable state after a restart). */
  static restored(rendered: RenderedOutput, totalBytes: number, sizes: Partial<HeadTailSizes> = {}): HeadTailBuffer {
    const buffer = new HeadTailBuffer(sizes);
    buffer.total = totalBytes;
    buffer.frozen = rendered;
    return buffer;
  }

  /** Every byte ever written, including the ones no longer held. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes held now (head plus ring), at most headBytes + tailBytes. */
  get length(): number {
    return this.headLength + (this.tailFull ? this.sizes.tailBytes : this.tailPos);
  }

  get isFrozen(): boolean {
    return this.frozen !== null;
  }

  /** Appends bytes. Writes after `freeze()` are counted but dropped (the process has ended). */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (this.frozen) return;
    let offset = 0;
    const { headBytes } = this.sizes;
    if (this.headLength < headBytes) {
      this.head ??= Buffer.allocUnsafeSlow(headBytes);
      const n = Math.min(headBytes - this.headLength, chunk.length);
      this.head.set(chunk.subarray(0, n), this.headLength);
      this.headLength += n;
      offset = n;
    }
    if (offset < chunk.length) this.writeTail(chunk.subarray(offset));
  }

  private writeTail(bytes: Uint8Array): void {
    const size = this.sizes.tailBytes;
    this.tail ??= Buffer.allocUnsafeSlow(size);
    if (bytes.length >= size) {
      this.tail.set(bytes.subarray(bytes.length - size), 0);
      this.tailPos = 0;
      this.tailFull = true;
      return;
    }
    const first = Math.min(size - this.tailPos, bytes.length);
    this.tail.set(bytes.subarray(0, first), this.tailPos);
    if (first < bytes.length) {
      this.tail.set(bytes.subarray(first), 0);
      this.tailPos = bytes.length - first;
      this.tailFull = true;
    } else {
      this.tailPos += first;
      if (this.tailPos === size) {
        this.tailPos = 0;
        this.tailFull = true;
      }
    }
  }

  /** A copy of the held bytes, head then ordered tail, with no formatting. */
  bytes(): Buffer {
    return Buffer.concat([this.headView(), ...this.tailViews()]);
  }

  private headView(): Buffer {
    return this.head ? this.head.subarray(0, this.headLength) : Buffer.alloc(0);
  }

  private tailViews(): Buffer[] {
    if (!this.tail) return [];
    if (!this.tailFull) return [this.tail.subarray(0, this.tailPos)];
    return [this.tail.subarray(this.tailPos), this.tail.subarray(0, this.tailPos)];
  }

  /** The reference's rendering of the output so far (see the README, "Output format"). */
  render(): RenderedOutput {
    if (this.frozen) return this.frozen;
    if (this.total === 0) return { output: '', truncation: null };
    const tailParts = this.tailViews();
    const tailLength = tailParts.reduce((sum, part) => sum + part.length, 0);
    const head = truncateLines(this.headView(), this.sizes.maxLineBytes);
    if (this.headLength < this.sizes.headBytes || tailLength === 0) {
      return { output: head.toString('utf8'), truncation: null };
    }
    const omittedBytes = this.total - (this.headLength + tailLength);
    const joiner = omittedBytes > 0 ? Buffer.from(`\n\n... [omitted ${omittedBytes} bytes] ...\n\n`) : Buffer.from('\n');
    const tail = truncateLines(Buffer.concat(tailParts, tailLength), this.sizes.maxLineBytes);
    const result = Buffer.concat([head, joiner, tail]);
    return {
      output: result.toString('utf8'),
      truncation: { originalBytes: this.total, retainedBytes: result.length, omittedBytes, strategy: 'head_tail' },
    };
  }

  /** Renders once, keeps only that string, and releases the byte buffers. Idempotent. */
  freeze(): RenderedOutput {
    if (!this.frozen) {
      this.frozen = this.render();
      this.head = null;
      this.tail = null;
    }
    return this.frozen;
  }
}

/**
 * Cuts every line longer than `maxLineBytes` to `maxLineBytes - 16` bytes plus
 * `" ... [truncated]"`. Lines split on `\n` only; the cut is by byte and may split a UTF-8
 * sequence, as in the reference. Input no longer than `maxLineBytes` is returned as is.
 */
export function truncateLines(bytes: Buffer, maxLineBytes: number): Buffer {
  if (bytes.length <= maxLineBytes) return bytes;
  const keep = maxLineBytes - LINE_TRUNCATED_SUFFIX.length;
  const parts: Buffer[] = [];
  let start = 0;
  let changed = false;
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    if (end - start > maxLineBytes) {
      parts.push(bytes.subarray(start, start + keep), LINE_TRUNCATED_SUFFIX);
      changed = true;
    } else {
      parts.push(bytes.subarray(start, end));
    }
    if (newline === -1) break;
    parts.push(bytes.subarray(newline, newline + 1));
    start = newline + 1;
  }
  return changed ? Buffer.concat(parts) : bytes;
}
