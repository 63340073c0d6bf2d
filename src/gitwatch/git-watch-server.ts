import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../clock.js';
import { ProcvisorError } from '../errors.js';
import { ANCESTOR_CHAT_IDS_HEADER, CHAT_ID_HEADER, parseChatContext } from '../protocol/chat-headers.js';
import type { Logger } from '../logger.js';
import { handleClientMessage, sendMessage } from './client-messages.js';
import type { GitRunner } from './git-runner.js';
import type { PathStore } from './path-store.js';
import { resolveTargetChat, type TargetChat } from './target-chat.js';
import { challengeFor, unauthorizedError } from '../web/auth.js';
import type { UpgradeCheck } from '../protocol/bearer-verdict.js';
import { requestFacts, type BrowserGuard } from '../web/browser-guard.js';
import { rejectUpgrade } from './upgrade-rejection.js';
import { WatchSession } from './watch-session.js';

/** The check's outcome when no token is set: every upgrade passes, as itself. */
const OPEN: UpgradeCheck = { verdict: 'ok', ticketChat: null };

export const WATCH_PATH = '/api/v0/git/watch';

/** Largest client message, bytes; clients only ever send `{"type":"refresh"}`. */
const MAX_CLIENT_MESSAGE_BYTES = 65_536;
/** Unsent bytes past which a watcher skips scans until its client catches up. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** At shutdown, sockets that did not finish the closing handshake by then are cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/** Settings of the WebSocket side of git watch; times on `clock` (pings, scans), sizes in bytes. */
export interface GitWatchServerOptions {
  store: PathStore;
  git: GitRunner;
  clock: Clock;
  log: Logger;
  cooldownMs: number;
  pollIntervalMs: number;
  pingIntervalMs: number;
  maxDiffBytes: number;
  maxMessageDiffBytes: number;
  maxSockets: number;
  /** The service's Host / Origin check, the same as on its HTTP routes; absent: none. */
  guard?: BrowserGuard;
  /** The service's token check (the header, or a `?ticket=` when the URL has one); absent when access control is off. */
  authorize?: (authorization: string | undefined, ticket: string | null) => UpgradeCheck;
}

export interface GitWatchStats {
  sockets: number;
  scans: number;
  gitProcesses: number;
}

interface Connection {
  ws: WebSocket;
  session: WatchSession;
  /** Settles when the socket closed and its session stopped (timers cleared, git killed). */
  done: Promise<void>;
}

/**
 * `GET /api/v0/git/watch?chat_id=<uuid>` on the service's HTTP server. Upgrades are checked
 * before the handshake (chat headers, chat id, isolation, socket count) and refused with the
 * API's JSON errors; each accepted socket gets a WatchSession, pings for liveness, and one log
 * line when it closes. `close()` closes every socket and leaves no timer or git process.
 */
export class GitWatchServer {
  private readonly options: GitWatchServerOptions;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });
  private readonly connections = new Set<Connection>();
  private closing: Promise<void> | null = null;

  constructor(options: GitWatchServerOptions) {
    this.options = options;
    this.wss.on('error', (error) => options.log.error({ err: error }, 'git watch server error'));
  }

  /** Starts answering upgrade requests on `server`. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  /** Open sockets, scans their sessions started, and git processes running for them. */
  stats(): GitWatchStats {
    let scans = 0;
    for (const { session } of this.connections) scans += session.stats().scans;
    return { sockets: this.connections.size, scans, gitProcesses: this.options.git.running };
  }

  /** Refuses new sockets, closes the open ones (1001 going away) and waits until every session stopped. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const pending = [...this.connections];
      for (const { ws } of pending) ws.close(1001, 'procvisor is shutting down');
      const cutOff = setTimeout(() => pending.forEach(({ ws }) => ws.terminate()), CLOSE_HANDSHAKE_MS);
      await Promise.all(pending.map(({ done }) => done));
      clearTimeout(cutOff);
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.options.log.debug({ err: error }, 'git watch upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://procvisor');
    // Host and Origin first, as on every HTTP route: a page on another origin (cross-site
    // WebSocket hijacking) or behind a rebound name gets no socket, whatever it carries.
    const refusal = this.options.guard?.(requestFacts(req)) ?? null;
    if (refusal) {
      const status = rejectUpgrade(socket, refusal);
      this.options.log.info({ path: url.pathname.slice(0, 200), status, code: refusal.code }, 'git watch refused');
      return;
    }
    // The token next, as on every HTTP route: a stranger learns nothing else.
    // A browser's WebSocket cannot send a header: it brings a single-use ticket instead.
    const { verdict, ticketChat } = this.options.authorize?.(req.headers.authorization, url.searchParams.get('ticket')) ?? OPEN;
    if (verdict !== 'ok') {
      const status = rejectUpgrade(socket, unauthorizedError(verdict), { 'WWW-Authenticate': challengeFor(verdict) });
      // The path only: the query may hold a ticket, which is never logged.
      this.options.log.info({ path: url.pathname.slice(0, 200), status, code: 'UNAUTHORIZED' }, 'git watch refused');
      return;
    }
    let target: TargetChat;
    try {
      if (url.pathname !== WATCH_PATH) {
        throw new ProcvisorError('ROUTE_NOT_FOUND', `No WebSocket endpoint at ${url.pathname.slice(0, 200)}.`, { detail: `Git watch lives at ${WATCH_PATH}?chat_id=<uuid>.` });
      }
      if (this.closing) throw new ProcvisorError('SUPERVISOR_CLOSED', 'Git watch is shutting down.');
      // A ticket asked for by a chat watches that chat only, as that chat's own header would.
      const caller = ticketChat ?? parseChatContext(firstHeader(req, CHAT_ID_HEADER), firstHeader(req, ANCESTOR_CHAT_IDS_HEADER));
      target = resolveTargetChat(caller, url.searchParams.get('chat_id'), 'chat_id query parameter');
      if (this.connections.size >= this.options.maxSockets) {
        throw new ProcvisorError('WATCH_LIMIT_REACHED', 'Too many git watch connections.', { detail: `The limit is ${this.options.maxSockets}; close another watcher first.` });
      }
    } catch (error) {
      const refusal = error instanceof ProcvisorError ? error : new ProcvisorError('INTERNAL', 'Internal error.', { cause: error, detail: 'See the service log for details.' });
      const status = rejectUpgrade(socket, refusal);
      this.options.log.info({ path: url.pathname.slice(0, 200), status, code: refusal.code, ...(status >= 500 ? { err: error } : {}) }, 'git watch refused');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, target));
  }

  private open(ws: WebSocket, target: TargetChat): void {
    // The handshake completes synchronously here, but a socket must never outlive close().
    if (this.closing) {
      ws.terminate();
      return;
    }
    const { clock, pingIntervalMs } = this.options;
    const log = this.options.log.child(target.logFields);
    const openedAt = performance.now();
    const session = new WatchSession({
      ...this.options,
      chatId: target.chatId,
      log,
      send: (message) => sendMessage(ws, message, log),
      canSend: () => ws.bufferedAmount < MAX_BUFFERED_BYTES,
    });
    let alive = true;
    let pingTimer: unknown = null;
    const ping = (): void => {
      if (!alive) {
        log.info('git watch client stopped answering pings');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
      pingTimer = clock.setTimeout(ping, pingIntervalMs);
    };
    pingTimer = clock.setTimeout(ping, pingIntervalMs);
    ws.on('pong', () => (alive = true));
    ws.on('error', (error) => log.warn({ err: error }, 'git watch socket error'));
    ws.on('message', (data, isBinary) => handleClientMessage(data, isBinary, session, ws, log));
    const done = new Promise<void>((resolve) => {
      ws.once('close', (code, reason) => {
        clock.clearTimeout(pingTimer);
        session.close().then(
          () => {
            this.connections.delete(connection);
            const stats = session.stats();
            log.info({ close_code: code, reason: reason.toString('utf8').slice(0, 123), duration_ms: Math.round(performance.now() - openedAt), ...stats }, 'git watch closed');
            resolve();
          },
          (error: unknown) => {
            this.connections.delete(connection);
            log.error({ err: error }, 'git watch session failed to stop');
            resolve();
          },
        );
      });
    });
    const connection: Connection = { ws, session, done };
    this.connections.add(connection);
    log.debug('git watch opened');
    void session.start();
  }
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
