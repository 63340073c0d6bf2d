import { WebSocket } from 'ws';
import type { RepoChanges, WatchMessage } from '../../src/gitwatch/watch-messages.js';

/** A refused upgrade: the HTTP status and the parsed JSON body. */
export interface Refusal {
  status: number;
  body: Record<string, unknown>;
}

/** How an upgrade of the git watch socket ended: 101 (opened, then closed at once), or the refusal's status, headers and body text. */
export interface UpgradeOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Tries the upgrade of `/api/v0/git/watch<query>` with `headers`; never leaves the socket open. */
export function tryUpgrade(baseUrl: string, query: string, headers: Record<string, string> = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v0/git/watch${query}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        ws.terminate();
      });
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, headers: {}, body: '' });
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/**
 * A test client of `/api/v0/git/watch`: keeps every message, and `next` waits for the first one
 * after the previous match that satisfies a predicate (real-time timeout, so a missing message
 * fails the test instead of hanging it).
 */
export class WatchClient {
  readonly messages: WatchMessage[] = [];
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse((data as Buffer).toString('utf8')) as WatchMessage);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a socket; rejects with a Refusal when the server answers the upgrade with an error. */
  static open(baseUrl: string, query: string, headers: Record<string, string> = {}): Promise<WatchClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v0/git/watch${query}`, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WatchClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { refusal: { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> } })));
      });
      ws.once('error', reject);
    });
  }

  /** Like `open`, but expects a refusal and returns it. */
  static async refusal(baseUrl: string, query: string, headers: Record<string, string> = {}): Promise<Refusal> {
    try {
      const client = await WatchClient.open(baseUrl, query, headers);
      await client.close();
    } catch (error) {
      const refusal = (error as { refusal?: Refusal }).refusal;
      if (refusal) return refusal;
      throw error;
    }
    throw new Error('the upgrade was accepted');
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next message (after the last one returned) that satisfies `predicate`. */
  async next(predicate: (message: WatchMessage) => boolean = () => true, what = 'a message', timeoutMs = 8000): Promise<WatchMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const message = this.messages[this.cursor++] as WatchMessage;
        if (predicate(message)) return message;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  /** The next `changes` message that reports `root`, and that repository's entry. */
  async nextRepo(root: string, predicate: (repo: RepoChanges) => boolean = () => true, what = `a change of ${root}`): Promise<RepoChanges> {
    const find = (message: WatchMessage): RepoChanges | undefined =>
      message.type === 'changes' ? message.repositories?.find((repo) => repo.repo_root === root && predicate(repo)) : undefined;
    return find(await this.next((message) => find(message) !== undefined, what)) as RepoChanges;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
