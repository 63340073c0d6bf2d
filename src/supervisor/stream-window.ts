/** A read from the stream window: bytes from `from` to `to` (absolute offsets). */
export interface WindowRead {
  data: Buffer;
  from: number;
  to: number;
  /** Bytes between the requested cursor and `from` that fell out of the window (lost to this reader). */
  gapBytes: number;
}

/** Chunks at least this long are kept as they came (no copy); shorter ones are copied into blocks. */
const KEEP_CHUNK_BYTES = 8192;
/** The first block of short chunks (a quiet process costs little), then the usual block. */
const FIRST_BLOCK_BYTES = 4096;
const BLOCK_BYTES = 16_384;

/**
 * The last `maxBytes` bytes of a process's output, addressed by absolute byte offsets (offset 0
 * is the first byte the process ever wrote). While the process runs the bytes are a list of
 * pieces: a chunk of at least KEEP_CHUNK_BYTES is kept as the stream delivered it (it is the
 * window's now: a spawner never reuses a chunk it handed over), so bulk output is not copied
 * again; short chunks are packed into 4 KiB, then 16 KiB blocks, so a quiet process costs
 * little and a chatty one holds no object per line. Memory: at most `maxBytes` plus the part of
 * the oldest piece already out of the window (less than one chunk or block).
 * `freeze(keepBytes)` keeps only the last `keepBytes` as a latin1 string (one byte per char in
 * the V8 heap, exact bytes) and releases the Buffers.
 */
export class StreamWindow {
  private readonly maxBytes: number;
  /** The held bytes, oldest first: `pieces[first..]` (a consumed prefix is dropped in batches). */
  private pieces: Buffer[] = [];
  private first = 0;
  /** The block short chunks are packed into (the last piece is a view of its used part), or null. */
  private block: Buffer | null = null;
  private blockUsed = 0;
  /** Total bytes ever written: the offset one past the newest byte. */
  private endOffset = 0;
  /** Bytes currently held (≤ maxBytes). */
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
    this.endOffset += chunk.length;
    if (this.frozen || this.maxBytes <= 0) return;
    if (chunk.length >= this.maxBytes) {
      // Only its last maxBytes can stay: a copy of them, so the rest of the chunk is not kept alive.
      this.pieces = [Buffer.from(chunk.subarray(chunk.length - this.maxBytes))];
      this.first = 0;
      this.block = null;
      this.held = this.maxBytes;
      return;
    }
    if (chunk.length >= KEEP_CHUNK_BYTES) {
      this.pieces.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.block = null;
    } else this.pack(chunk);
    this.held += chunk.length;
    this.trim();
  }

  /** Copies a short chunk into the current block (starting a new one when it does not fit). */
  private pack(chunk: Uint8Array): void {
    let block = this.block;
    if (block === null || block.length - this.blockUsed < chunk.length) {
      block = Buffer.allocUnsafeSlow(Math.min(this.maxBytes, this.held === 0 ? FIRST_BLOCK_BYTES : BLOCK_BYTES));
      if (block.length < chunk.length) block = Buffer.allocUnsafeSlow(chunk.length);
      this.block = block;
      this.blockUsed = 0;
      this.pieces.push(block.subarray(0, 0));
    }
    block.set(chunk, this.blockUsed);
    this.blockUsed += chunk.length;
    this.pieces[this.pieces.length - 1] = block.subarray(0, this.blockUsed);
  }

  /** Drops the oldest bytes past maxBytes: whole pieces, then the front of the oldest one. */
  private trim(): void {
    let excess = this.held - this.maxBytes;
    if (excess <= 0) return;
    const pieces = this.pieces;
    while (excess >= pieces[this.first]!.length) {
      excess -= pieces[this.first]!.length;
      this.held -= pieces[this.first]!.length;
      this.first++;
    }
    if (excess > 0) {
      pieces[this.first] = pieces[this.first]!.subarray(excess);
      this.held -= excess;
    }
    // The newest piece is never dropped whole (it is shorter than maxBytes), so the block stays live.
    if (this.first > 64 && this.first * 2 > pieces.length) {
      this.pieces = pieces.slice(this.first);
      this.first = 0;
    }
  }

  /** A copy of bytes [from, to), all held. */
  private copyRange(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    let offset = this.endOffset - this.held;
    let got = 0;
    for (let i = this.first; i < this.pieces.length && got < out.length; i++) {
      const piece = this.pieces[i]!;
      const pieceEnd = offset + piece.length;
      if (pieceEnd > from) got += piece.copy(out, got, Math.max(0, from - offset), Math.min(piece.length, to - offset));
      offset = pieceEnd;
    }
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
    this.dropPieces();
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
      this.dropPieces();
      this.held = tail;
      return;
    }
    this.frozen = {
      start: from,
      head: sharing.slice(0, head),
      own: bytes.toString('latin1', head, keep - tail),
      tail: tail > 0 ? sharing.slice(sharing.length - tail) : '',
    };
    this.dropPieces();
    this.held = keep;
  }

  private dropPieces(): void {
    this.pieces = [];
    this.first = 0;
    this.block = null;
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
