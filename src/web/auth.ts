import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Clock } from '../clock.js';
import { ProcvisorError } from '../errors.js';
import type { BearerVerdict, UpgradeCheck } from '../protocol/bearer-verdict.js';
import type { ChatContext } from '../protocol/chat-headers.js';
import type { RequestState } from './chat-context.js';
import { CredentialStore } from './credential-store.js';

/** Paths answered without a token: liveness probes (load balancers, systemd, k8s) carry none. */
export const AUTH_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/healthz']);

/** The challenge sent with every 401 (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="procvisor"';

/**
 * Compares two strings in time that depends on neither their contents nor their lengths: both
 * are hashed to SHA-256 first, so `timingSafeEqual` always sees two 32-byte buffers (it throws
 * on unequal lengths, and an early length check would leak the token's length).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}

/**
 * Builds the check of an `Authorization` header value against `token`: `ok`, `missing` (no
 * header, or another scheme) or `invalid` (a Bearer credential that is not the token). The
 * scheme is case-insensitive (RFC 7235). For any transport that sees raw headers: the Koa
 * middleware below, and WebSocket upgrade handlers (`checkBearer(req.headers.authorization)`).
 */
export function createBearerCheck(token: string): (authorization: string | undefined) => BearerVerdict {
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match?.[1]) return 'missing';
    return constantTimeEqual(match[1], token) ? 'ok' : 'invalid';
  };
}

/**
 * The UNAUTHORIZED (401) error for a verdict other than `ok`. The caller also sends
 * `WWW-Authenticate: ` + `challengeFor(verdict)`.
 */
export function unauthorizedError(verdict: Exclude<BearerVerdict, 'ok'>): ProcvisorError {
  if (verdict === 'missing') return new ProcvisorError('UNAUTHORIZED', 'Authentication required.', { detail: 'Send the header "Authorization: Bearer <token>".' });
  if (verdict === 'invalid_ticket') {
    return new ProcvisorError('UNAUTHORIZED', 'Invalid or expired ticket.', {
      detail: `A ticket is valid once, for ${TICKET_TTL_MS / 1000} s: get a new one with POST /api/v0/auth/ticket (bearer token required).`,
    });
  }
  return new ProcvisorError('UNAUTHORIZED', 'Invalid bearer token.', { detail: 'The token does not match the authToken setting.' });
}

/** The `WWW-Authenticate` value for a refusal: RFC 6750 adds `error="invalid_token"` for a wrong token. */
export function challengeFor(verdict: Exclude<BearerVerdict, 'ok'>): string {
  return verdict === 'missing' ? BEARER_CHALLENGE : `${BEARER_CHALLENGE}, error="invalid_token"`;
}

/** The cookie that carries a view session (never the token) for the `/inspect` view only. */
export const INSPECT_COOKIE = 'procvisor_inspect';
/** A `/inspect` view session lasts this long; then the page needs `?token=` again. */
export const INSPECT_SESSION_MS = 12 * 60 * 60 * 1000;
/** View sessions at most (one per browser that traded the token); the oldest goes first. */
const MAX_INSPECT_SESSIONS = 64;
/** A ticket is valid this long, and once. */
export const TICKET_TTL_MS = 30_000;
/** Unredeemed tickets at most; the oldest goes first. */
const MAX_TICKETS = 1024;

/**
 * The credentials that stand in for the token where a browser cannot send a header, all in
 * memory (a restart revokes them): `tickets` (single-use, TICKET_TTL_MS, accepted as `?ticket=`
 * on a process's SSE stream and the git watch upgrade only) and `inspectSessions` (the
 * `/inspect` cookie, INSPECT_SESSION_MS, accepted under `/inspect` only).
 */
export interface AccessCredentials {
  /** Scoped to the chat of the request that asked for the ticket (no chat: every chat, as the token). */
  tickets: CredentialStore<ChatContext>;
  inspectSessions: CredentialStore;
}

export function createAccessCredentials(clock: Clock): AccessCredentials {
  return {
    tickets: new CredentialStore<ChatContext>({ clock, ttlMs: TICKET_TTL_MS, maxEntries: MAX_TICKETS, singleUse: true }),
    inspectSessions: new CredentialStore<null>({ clock, ttlMs: INSPECT_SESSION_MS, maxEntries: MAX_INSPECT_SESSIONS, singleUse: false }),
  };
}

function isInspectPath(path: string): boolean {
  return path === '/inspect' || path.startsWith('/inspect/');
}

/** The one HTTP route that takes a `?ticket=`: a process's SSE stream (EventSource sends no headers). */
const TICKET_PATH = /^\/api\/v0\/processes\/[^/]+\/stream$/;

/**
 * Requires the bearer token on every request except AUTH_EXEMPT_PATHS; with `token` null it
 * lets everything through. Sits inside the error middleware (which writes the 401 body) and
 * before everything else, routes included, so routes added later are covered too and an
 * unauthenticated caller learns nothing, not even which paths exist. Two stand-ins, each good
 * for one place only: a view-session cookie under `/inspect`, and a ticket on `GET
 * /api/v0/processes/{id}/stream` (a bad ticket is a 401 even if a header is also sent).
 */
export function bearerAuth(token: string | null, credentials: AccessCredentials): Middleware<RequestState> {
  if (token === null) return (_ctx, next) => next();
  const checkCaller = createUpgradeCheck(token, credentials.tickets);
  return async (ctx, next) => {
    if (AUTH_EXEMPT_PATHS.has(ctx.path)) {
      await next();
      return;
    }
    if (isInspectPath(ctx.path)) {
      // A browser cannot send a bearer header: `/inspect?token=…` trades the token for a random
      // view session in a cookie scoped to the read-only view (the API never accepts it, and it
      // is not the token, so a leaked cookie grants nothing else and dies with its expiry or a
      // restart), then reloads the page without the token in its address.
      const offered = ctx.query.token;
      if (ctx.path === '/inspect' && typeof offered === 'string' && constantTimeEqual(offered, token)) {
        const session = credentials.inspectSessions.issue(null);
        ctx.cookies.set(INSPECT_COOKIE, session.value, { httpOnly: true, sameSite: 'strict', path: '/inspect', maxAge: session.expiresInMs, overwrite: true });
        ctx.redirect('/inspect');
        return;
      }
      const cookie = ctx.cookies.get(INSPECT_COOKIE);
      if (cookie !== undefined && credentials.inspectSessions.redeem(cookie) !== null) {
        await next();
        return;
      }
    }
    const ticket = ctx.method === 'GET' && TICKET_PATH.test(ctx.path) ? ctx.query.ticket : undefined;
    // A repeated `?ticket=` is no ticket at all.
    const { verdict, ticketChat } = Array.isArray(ticket) ? REPEATED_TICKET : checkCaller(ctx.get('authorization') || undefined, ticket ?? null);
    // The request acts as the chat the ticket was issued to (see chatContextMiddleware).
    if (ticketChat !== null) ctx.state.ticketChat = ticketChat;
    if (verdict !== 'ok') {
      // The error middleware keeps headers set here when it writes the body.
      ctx.set('WWW-Authenticate', challengeFor(verdict));
      throw unauthorizedError(verdict);
    }
    await next();
  };
}

const REPEATED_TICKET: UpgradeCheck = { verdict: 'invalid_ticket', ticketChat: null };

/**
 * The check of a caller that may bring a ticket (a process stream, a git watch upgrade): a
 * `?ticket=` (redeemed: single-use) when the URL has one, else the `Authorization` header. A
 * ticket asked for by a chat acts as that chat (`ticketChat`); a ticket of no chat leaves the
 * request's own headers in charge, as the token would.
 */
export function createUpgradeCheck(token: string, tickets: CredentialStore<ChatContext>): (authorization: string | undefined, ticket: string | null) => UpgradeCheck {
  const check = createBearerCheck(token);
  return (authorization, ticket) => {
    if (ticket === null) return { verdict: check(authorization), ticketChat: null };
    const redeemed = tickets.redeem(ticket);
    return redeemed === null ? { verdict: 'invalid_ticket', ticketChat: null } : { verdict: 'ok', ticketChat: redeemed.scope.chatId === null ? null : redeemed.scope };
  };
}
