import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { SupervisorError } from '../errors.js';
import type { BearerVerdict } from '../protocol/bearer-verdict.js';
import type { RequestState } from './chat-context.js';

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

export type { BearerVerdict } from '../protocol/bearer-verdict.js';

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
export function unauthorizedError(verdict: Exclude<BearerVerdict, 'ok'>): SupervisorError {
  return verdict === 'missing'
    ? new SupervisorError('UNAUTHORIZED', 'Authentication required.', { detail: 'Send the header "Authorization: Bearer <token>".' })
    : new SupervisorError('UNAUTHORIZED', 'Invalid bearer token.', { detail: 'The token does not match the authToken setting.' });
}

/** The `WWW-Authenticate` value for a refusal: RFC 6750 adds `error="invalid_token"` for a wrong token. */
export function challengeFor(verdict: Exclude<BearerVerdict, 'ok'>): string {
  return verdict === 'invalid' ? `${BEARER_CHALLENGE}, error="invalid_token"` : BEARER_CHALLENGE;
}

/** The cookie that carries the token for the `/inspect` view only. */
export const INSPECT_COOKIE = 'procvisor_inspect';

function isInspectPath(path: string): boolean {
  return path === '/inspect' || path.startsWith('/inspect/');
}

/**
 * Requires the bearer token on every request except AUTH_EXEMPT_PATHS; with `token` null it
 * lets everything through. Sits inside the error middleware (which writes the 401 body) and
 * before everything else, routes included, so routes added later are covered too and an
 * unauthenticated caller learns nothing, not even which paths exist.
 */
export function bearerAuth(token: string | null): Middleware<RequestState> {
  if (token === null) return (_ctx, next) => next();
  const check = createBearerCheck(token);
  return async (ctx, next) => {
    if (AUTH_EXEMPT_PATHS.has(ctx.path)) {
      await next();
      return;
    }
    if (isInspectPath(ctx.path)) {
      // A browser cannot send a bearer header: `/inspect?token=…` trades the token for a cookie
      // scoped to the read-only view (never accepted by the API routes, so no cross-site POST
      // can use it), then reloads the page without the token in its address.
      const offered = ctx.query.token;
      if (ctx.path === '/inspect' && typeof offered === 'string' && constantTimeEqual(offered, token)) {
        ctx.cookies.set(INSPECT_COOKIE, offered, { httpOnly: true, sameSite: 'strict', path: '/inspect', overwrite: true });
        ctx.redirect('/inspect');
        return;
      }
      const cookie = ctx.cookies.get(INSPECT_COOKIE);
      if (cookie !== undefined && constantTimeEqual(cookie, token)) {
        await next();
        return;
      }
    }
    const verdict = check(ctx.get('authorization') || undefined);
    if (verdict !== 'ok') {
      // The error middleware keeps headers set here when it writes the body.
      ctx.set('WWW-Authenticate', challengeFor(verdict));
      throw unauthorizedError(verdict);
    }
    await next();
  };
}
