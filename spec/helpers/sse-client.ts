/** One Server-Sent Event as received. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A test client for an SSE endpoint: collects every event and comment, and lets a test wait for
 * a condition on what arrived (woken by each new event, never polling). Always `close()` it, or
 * let the server end the stream; `ended` resolves either way.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the stream ended (by the server, or `close()`); never rejects: see `error`. */
  readonly ended: Promise<void>;
  /** Why reading failed, other than our own `close()`. */
  error: unknown = null;
  private readonly abort: AbortController;
  private readonly wakers = new Set<() => void>();
  private finished = false;

  private constructor(response: Response, abort: AbortController) {
    this.abort = abort;
    this.ended = this.read(response)
      .catch((error: unknown) => {
        this.error = error;
      })
      .finally(() => {
        this.finished = true;
        this.wake();
      });
  }

  /** Opens `url`; rejects unless the answer is a 200 event stream. */
  static async open(url: string): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      abort.abort();
      throw new Error(`expected an event stream from ${url}, got ${response.status} ${response.headers.get('content-type')}`);
    }
    return new SseClient(response, abort);
  }

  get isEnded(): boolean {
    return this.finished;
  }

  /** Parsed JSON data of every event named `name`. */
  data<T>(name: string): T[] {
    return this.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as T);
  }

  /** Resolves with `find(...)` once it returns something, checked now and after each event. */
  waitFor<T>(find: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = find();
        if (found === undefined || found === null || found === false) {
          if (this.finished) finish(() => reject(new Error(`stream ended before ${what}`)));
          return false;
        }
        finish(() => resolve(found));
        return true;
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.wakers.delete(waker);
        settle();
      };
      const waker = (): void => void check();
      this.wakers.add(waker);
      check();
    });
  }

  close(): void {
    this.abort.abort();
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }

  private async read(response: Response): Promise<void> {
    if (!response.body) return;
    const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        pending += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n\n')) !== -1) {
          this.parse(pending.slice(0, end));
          pending = pending.slice(end + 2);
        }
        this.wake();
      }
    } catch (error) {
      // Our own abort ends the stream too; anything else is worth seeing in a failing test.
      if (!this.abort.signal.aborted) throw error;
    }
  }

  private parse(frame: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice('event: '.length);
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
    }
    if (data.length > 0) this.events.push({ event, data: data.join('\n') });
  }
}
