import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { isLoopbackHost } from '../config.js';
import { SupervisorError, quote } from '../errors.js';
import type { RequestState } from './chat-context.js';

/** What the guard decides on, taken from a request's raw headers and socket. */
export interface RequestFacts {
  /** The `Host` header as sent; absent only for HTTP/1.0 clients (never a browser). */
  host: string | undefined;
  /** The `Origin` header as sent; absent for curl, SDKs, Coder's Go client. */
  origin: string | undefined;
  /** The request came in on a Unix socket: no browser page can address one. */
  overUnixSocket: boolean;
}

/** Settings of the guard, as in the config: `host` it listens on, `allowedHosts`, `allowedOrigins` (lower case). */
export interface BrowserGuardOptions {
  host: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/** The guard: null lets the request through, else the refusal (HOST_NOT_ALLOWED or ORIGIN_NOT_ALLOWED, 403). */
export type BrowserGuard = (facts: RequestFacts) => SupervisorError | null;

/** Longest Host or Origin value quoted back in an error message. */
const MAX_QUOTED_CHARS = 200;

/** The facts of a Node request (HTTP route or WebSocket upgrade alike). */
export function requestFacts(req: IncomingMessage): RequestFacts {
  const origin = req.headers.origin;
  return {
    host: req.headers.host,
    origin: Array.isArray(origin) ? origin.join(', ') : origin,
    // A TCP socket always has a local port; a Unix socket's is undefined.
    overUnixSocket: req.socket.localPort === undefined,
  };
}

/** `Host` value → lower-case host name without port and trailing dot (`[::1]` keeps its brackets), or null if malformed. */
export function hostName(host: string): string | null {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(:\d{1,5})?$/i.exec(host);
  return match?.[1] ? match[1].toLowerCase().replace(/\.$/, '') : null;
}

function hostAllowed(name: string, configured: string, allowed: readonly string[]): boolean {
  if (isLoopbackHost(name) || name === configured) return true;
  for (const entry of allowed) {
    if (entry === '*' || entry === name) return true;
    if (entry.startsWith('.') && (name === entry.slice(1) || name.endsWith(entry))) return true;
  }
  return false;
}

function clip(value: string): string {
  return quote(value.slice(0, MAX_QUOTED_CHARS));
}

/**
 * Builds the check that keeps web pages from driving the service (DNS rebinding, cross-site
 * requests, cross-site WebSocket hijacking), the same for every route and the git watch upgrade:
 * - `Host` must name a loopback address (`localhost`, 127.0.0.0/8, `[::1]`, any port), the
 *   configured `host`, or match `allowedHosts`; a Unix socket is exempt (no page reaches it).
 *   This is what defeats DNS rebinding: a re-pointed name still arrives as that name.
 * - `Origin`, when present, must be the service's own origin (`http://` + the `Host` the request
 *   came in on) or be listed in `allowedOrigins`. `null` (sandboxed frames, file pages) is
 *   foreign. No `Origin` at all passes: browsers send one on every cross-origin POST, form,
 *   EventSource and WebSocket, while curl, the SDKs and Coder's Go client send none.
 */
export function createBrowserGuard(options: BrowserGuardOptions): BrowserGuard {
  const configured = hostName(options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host) ?? '';
  const allowedOrigins = new Set(options.allowedOrigins);
  // Nearly every request of a client carries the same Host: remember the last one served, so
  // the usual request costs one string comparison, not a parse and an address lookup.
  let lastServedHost: string | null = null;
  return ({ host, origin, overUnixSocket }) => {
    if (!overUnixSocket && host !== undefined && host !== lastServedHost) {
      const name = hostName(host);
      if (name !== null && hostAllowed(name, configured, options.allowedHosts)) lastServedHost = host;
      else {
        return new SupervisorError('HOST_NOT_ALLOWED', `Host ${clip(host)} is not allowed.`, {
          detail:
            'procvisor answers only requests addressed to localhost, 127.0.0.1, [::1] or its configured host (this guards against DNS rebinding). ' +
            'If this name is meant to reach it, add it to allowedHosts (PROCVISOR_ALLOWED_HOSTS=name,.domain).',
        });
      }
    }
    if (origin === undefined) return null;
    const normalized = origin.toLowerCase();
    if (host !== undefined && normalized === `http://${host.toLowerCase()}`) return null;
    if (allowedOrigins.has(normalized)) return null;
    return new SupervisorError('ORIGIN_NOT_ALLOWED', `Origin ${clip(origin)} is not allowed.`, {
      detail:
        'A web page may call procvisor only from procvisor\'s own origin; nothing was run or read. ' +
        'If pages from this origin are meant to drive it, add the origin to allowedOrigins (PROCVISOR_ALLOWED_ORIGINS=https://app.example).',
    });
  };
}

/**
 * The guard as Koa middleware: before everything that answers (auth, body parsing, routes), so
 * a refused request runs nothing and reads nothing. Sits inside the error middleware, which
 * writes the 403.
 */
export function browserGuardMiddleware(guard: BrowserGuard): Middleware<RequestState> {
  // Not async: a middleware that does nothing after `next` returns its promise (one promise and
  // one resumption less per request; a throw still reaches the error middleware as a rejection).
  return (ctx, next) => {
    const refusal = guard(requestFacts(ctx.req));
    if (refusal) {
      ctx.state.log.info({ code: refusal.code, host: ctx.get('host').slice(0, MAX_QUOTED_CHARS), origin: ctx.get('origin').slice(0, MAX_QUOTED_CHARS) }, 'browser request refused');
      throw refusal;
    }
    return next();
  };
}
