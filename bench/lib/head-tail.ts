/**
 * The floor's output store: the first `headBytes` bytes plus a ring of the last `tailBytes`
 * bytes, nothing else. Deliberately minimal (no rendering, no line cuts): it is what a plain
 * Node program that keeps a bounded head and tail of a child's output must at least do.
 */
export class HeadRing {
  private readonly head: Buffer;
  private readonly ring: Buffer;
  private headLength = 0;
  private ringPos = 0;
  private ringLength = 0;
  total = 0;

  constructor(headBytes: number, tailBytes: number) {
    this.head = Buffer.allocUnsafe(headBytes);
    this.ring = Buffer.allocUnsafe(tailBytes);
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    let offset = 0;
    if (this.headLength < this.head.length) {
      offset = chunk.copy(this.head, this.headLength, 0, Math.min(chunk.length, this.head.length - this.headLength));
      this.headLength += offset;
    }
    const size = this.ring.length;
    // Only the last `size` bytes of the chunk can survive in the ring.
    if (chunk.length - offset > size) offset = chunk.length - size;
    while (offset < chunk.length) {
      const copied = chunk.copy(this.ring, this.ringPos, offset, Math.min(chunk.length, offset + size - this.ringPos));
      offset += copied;
      this.ringPos = (this.ringPos + copied) % size;
      this.ringLength = Math.min(size, this.ringLength + copied);
    }
  }

  /** Bytes held: head plus ring. */
  get held(): number {
    return this.headLength + this.ringLength;
  }
}
