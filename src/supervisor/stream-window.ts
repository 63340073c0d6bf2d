/** A read from the stream window: bytes from `from` to `to` (absolute offsets). */
export interface WindowRead {
  data: Buffer;
  from: number;
  to: number;
  /** Bytes between the requested cursor and `from` that fell out of the window (lost to this reader). */
  gapBytes: number;
}

const INITIAL_CAPACITY = 4096;

/**
 * The last `maxBytes` bytes of a process's output, addressed by absolute byte offsets (offset 0
 * is the first byte the process ever wrote). Grows by doubling up to `maxBytes`, so a quiet
 * process costs little. `freeze(keepBytes)` keeps only the last `keepBytes` as a latin1 string
 * (one byte per char in the V8 heap, exact bytes) and releases the Buffer: exited processes must
 * not hold Buffer memory (it slows every later fork).
 */
export class StreamWindow {
  private readonly maxBytes: number;
  private ring: Buffer | null = null;
  /** Total bytes ever written: the offset one past the newest byte. */
  private endOffset = 0;
  /** Bytes currently held (≤ ring length). */
  private held = 0;
  /**
   * After freeze: the kept bytes as latin1 text, in three parts: `head` and `tail` are slices of
   * a string held anyway (the rendered output), which V8 does not copy; `own` is the rest.
   */
  private frozen: FrozenText | null = null;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** A frozen, empty window whose end is `end` (a process restored from durable state). */
  static restoredEmpty(end: number): StreamWindow {
    const window = new StreamWindow(0);
    window.endOffset = end;
    window.frozen = { start: end, head: '', own: '', tail: '' };
    return window;
  }

  /** Offset one past the newest byte (the cursor that means "nothing new yet"). */
  get end(): number {
    return this.endOffset;
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return this.frozen ? this.frozen.start : this.endOffset - this.held;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.frozen) {
      this.endOffset += chunk.length;
      return;
    }
    this.ensureCapacity(this.held + chunk.length);
    const ring = this.ring!;
    const size = ring.length;
    let bytes = chunk;
    if (bytes.length > size) bytes = bytes.subarray(bytes.length - size);
    // Offset o lives at ring index o % size (the first byte kept may not be the chunk's first).
    const pos = (this.endOffset + chunk.length - bytes.length) % size;
    const first = Math.min(size - pos, bytes.length);
    ring.set(bytes.subarray(0, first), pos);
    if (first < bytes.length) ring.set(bytes.subarray(first), 0);
    this.endOffset += chunk.length;
    this.held = Math.min(size, this.held + chunk.length);
  }

  private ensureCapacity(needed: number): void {
    const current = this.ring?.length ?? 0;
    if (current >= Math.min(needed, this.maxBytes)) return;
    let capacity = Math.max(current, INITIAL_CAPACITY);
    while (capacity < needed && capacity < this.maxBytes) capacity *= 2;
    capacity = Math.min(capacity, this.maxBytes);
    const next = Buffer.allocUnsafeSlow(capacity);
    // Copy what is held so that offset o sits at index o % capacity in the new ring.
    if (this.ring && this.held > 0) {
      const held = this.copyRange(this.endOffset - this.held, this.endOffset);
      const startIndex = (this.endOffset - this.held) % capacity;
      const first = Math.min(capacity - startIndex, held.length);
      next.set(held.subarray(0, first), startIndex);
      if (first < held.length) next.set(held.subarray(first), 0);
    }
    this.ring = next;
  }

  private copyRange(from: number, to: number): Buffer {
    const ring = this.ring!;
    const size = ring.length;
    const out = Buffer.allocUnsafe(to - from);
    const startIndex = from % size;
    const first = Math.min(size - startIndex, out.length);
    ring.copy(out, 0, startIndex, startIndex + first);
    if (first < out.length) ring.copy(out, first, 0, out.length - first);
    return out;
  }

  /**
   * Up to `maxBytes` bytes from `cursor` on. A cursor older than the window snaps forward to
   * its start and reports the gap; a cursor past the end is clamped to the end.
   */
  read(cursor: number, maxBytes: number): WindowRead {
    const start = this.start;
    const from = Math.min(Math.max(cursor, start), this.endOffset);
    const gapBytes = Math.max(0, Math.min(start, this.endOffset) - Math.max(cursor, 0));
    const frozen = this.frozen;
    const to = Math.min(this.endOffset, from + maxBytes, frozen ? frozen.start + frozen.head.length + frozen.own.length + frozen.tail.length : this.endOffset);
    if (to <= from) return { data: Buffer.alloc(0), from, to: from, gapBytes };
    const data = frozen ? readFrozen(frozen, from - frozen.start, to - frozen.start) : this.copyRange(from, to);
    return { data, from, to, gapBytes };
  }

  /** Drops everything held (later reads report a gap up to the end). Idempotent. */
  release(): void {
    this.ring = null;
    this.held = 0;
    this.frozen = { start: this.endOffset, head: '', own: '', tail: '' };
  }

  /**
   * Keeps only the last `keepBytes` bytes, as a string, and releases the Buffer. Idempotent.
   * `sharing` is a string the caller holds anyway (the rendered output, which starts at offset
   * 0): its longest suffix whose latin1 bytes are the window's last bytes, and (when the window
   * starts at offset 0) its longest prefix that is the window's first bytes, are kept as slices
   * of it, not as copies. For an output the head/tail view keeps whole, that is the whole
   * window; for a longer one, all but the omitted middle. Checked byte by byte, so reads stay
   * exact whatever the rendering did (line cuts, UTF-8 decoding).
   *
   * `sharedOnly` (the bytes are on disk anyway, see ProcessOutput): keep no copy at all. When
   * the shared parts do not cover the kept bytes, only the shared suffix stays (the window then
   * starts after the omitted middle, and older cursors are the caller's to serve).
   */
  freeze(keepBytes: number, sharing = '', sharedOnly = false): void {
    if (this.frozen) return;
    const keep = Math.min(keepBytes, this.held);
    const from = this.endOffset - keep;
    const bytes = keep > 0 ? this.copyRange(from, this.endOffset) : Buffer.alloc(0);
    const tail = matchingSuffix(bytes, sharing);
    const head = from === 0 ? matchingPrefix(bytes, sharing, Math.min(keep - tail, sharing.length - tail)) : 0;
    if (sharedOnly && head + tail < keep) {
      this.frozen = { start: this.endOffset - tail, head: '', own: '', tail: tail > 0 ? sharing.slice(sharing.length - tail) : '' };
      this.ring = null;
      this.held = tail;
      return;
    }
    this.frozen = {
      start: from,
      head: sharing.slice(0, head),
      own: bytes.toString('latin1', head, keep - tail),
      tail: tail > 0 ? sharing.slice(sharing.length - tail) : '',
    };
    this.ring = null;
    this.held = keep;
  }

}

interface FrozenText {
  start: number;
  head: string;
  own: string;
  tail: string;
}

/** Bytes `[a, b)` of a frozen window (offsets relative to its start). */
function readFrozen(frozen: FrozenText, a: number, b: number): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const text of [frozen.head, frozen.own, frozen.tail]) {
    const lo = Math.max(a, offset);
    const hi = Math.min(b, offset + text.length);
    if (lo < hi) parts.push(Buffer.from(text.slice(lo - offset, hi - offset), 'latin1'));
    offset += text.length;
  }
  return parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts);
}

/** How many trailing chars of `text` are, as latin1, exactly the trailing bytes of `bytes`. */
function matchingSuffix(bytes: Buffer, text: string): number {
  const max = Math.min(bytes.length, text.length);
  let n = 0;
  while (n < max && text.charCodeAt(text.length - 1 - n) === bytes[bytes.length - 1 - n]) n++;
  return n;
}

/** How many leading chars of `text` (at most `max`) are, as latin1, exactly the leading bytes of `bytes`. */
function matchingPrefix(bytes: Buffer, text: string, max: number): number {
  let n = 0;
  while (n < max && text.charCodeAt(n) === bytes[n]) n++;
  return n;
}
