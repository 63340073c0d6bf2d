import { connect, type Socket } from 'node:net';
import { nowMs } from './stats.js';

export interface HeldResult {
  /** Completion time (nowMs) of each answered request. */
  times: number[];
  /** Requests that failed: a socket error, a close before the answer, or a status other than 200. */
  failed: number;
  firstError: string | null;
}

/**
 * N HTTP/1.1 GET requests, each on its own raw TCP socket (one socket per held request: HTTP/1.1
 * cannot hold two requests in flight on one connection), opened in bounded batches. A raw socket
 * with a minimal response parser keeps the client's own cost small next to the servers'.
 * Sockets stay open until `close()`, so that tearing them down does not overlap the measurement.
 */
export class HeldRequests {
  private readonly sockets: Socket[] = [];
  private readonly times: number[] = [];
  private failed = 0;
  private firstError: string | null = null;
  private readonly n: number;
  private resolveDone!: (result: HeldResult) => void;
  readonly done: Promise<HeldResult>;

  constructor(n: number) {
    this.n = n;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get answered(): number {
    return this.times.length;
  }

  get settled(): number {
    return this.times.length + this.failed;
  }

  /** Connects and sends every request, `batch` connections at a time. */
  async open(port: number, path: string, batch = 500): Promise<void> {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    for (let start = 0; start < this.n; start += batch) {
      const opening: Promise<void>[] = [];
      for (let i = start; i < Math.min(this.n, start + batch); i++) opening.push(this.openOne(port, request));
      await Promise.all(opening);
    }
  }

  private openOne(port: number, request: string): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      this.sockets.push(socket);
      let text = '';
      let settled = false;
      const settle = (error: string | null): void => {
        if (settled) return;
        settled = true;
        if (error === null) this.times.push(nowMs());
        else {
          this.failed += 1;
          this.firstError ??= error;
        }
        if (this.settled === this.n) this.resolveDone({ times: this.times, failed: this.failed, firstError: this.firstError });
      };
      socket.once('connect', () => {
        socket.write(request);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        if (settled) return;
        text += chunk.toString('latin1');
        const headerEnd = text.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = text.slice(0, headerEnd);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length) {
          settle(`answer without content-length: ${head.slice(0, 100)}`);
          return;
        }
        if (text.length - headerEnd - 4 < Number(length[1])) return;
        settle(head.startsWith('HTTP/1.1 200') ? null : `status ${head.slice(0, 40)}`);
      });
      socket.once('error', (error) => {
        settle(error.message);
        resolve();
      });
      socket.once('close', () => settle('closed before the answer'));
    });
  }

  /** Destroys every socket. */
  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.length = 0;
  }
}
