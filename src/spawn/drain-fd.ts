import { readSync } from 'node:fs';

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Reads what the non-blocking `fd` holds right now, up to `maxBytes`, handing each chunk to
 * `output` (a cut-off takes what is already in the pipe or terminal before closing it). Stops at
 * end of file or at an error: EAGAIN (nothing more for now), EIO (a terminal's other side is
 * gone) and EBADF (already closed) end it quietly; any other error goes to `onError` (without
 * one, every error ends it quietly).
 */
export function drainFd(fd: number, maxBytes: number, output: (chunk: Buffer) => void, onError?: (error: Error) => void): void {
  let total = 0;
  while (total < maxBytes) {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, maxBytes - total));
    let bytes: number;
    try {
      bytes = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (onError !== undefined && code !== 'EAGAIN' && code !== 'EIO' && code !== 'EBADF') onError(error as Error);
      return;
    }
    if (bytes === 0) return;
    total += bytes;
    output(buffer.subarray(0, bytes));
  }
}
