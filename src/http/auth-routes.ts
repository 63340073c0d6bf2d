import { Router } from '@koa/router';
import type { RequestState } from '../web/chat-context.js';
import type { ChatContext } from '../protocol/chat-headers.js';
import type { CredentialStore } from '../web/credential-store.js';
import { sendJson } from '../web/json.js';

export const TICKET_ROUTE = '/api/v0/auth/ticket';

/**
 * `POST /api/v0/auth/ticket`: a fresh ticket `{ticket, expires_in_ms}` for a browser, which can
 * send no `Authorization` header on an EventSource or a WebSocket. The route itself needs the
 * bearer token (the auth middleware runs first); the ticket is accepted once, within its
 * lifetime, as `?ticket=` on `GET /api/v0/processes/{id}/stream` and the git watch upgrade only,
 * so the long-lived token never appears in a URL. A ticket asked for with `Coder-Chat-Id` acts as
 * that chat where it is redeemed (its processes' streams, its git watch); one asked for without
 * a chat acts as the token does. Without a token configured, tickets are
 * issued but nothing asks for them. The body, if any, is not read.
 */
export function createAuthRouter(deps: { tickets: CredentialStore<ChatContext> }): Router<RequestState> {
  const router = new Router<RequestState>();
  router.post(TICKET_ROUTE, (ctx) => {
    // Scoped to the asking request's chat: a chat's ticket reads that chat's processes only.
    const ticket = deps.tickets.issue(ctx.state.chat);
    ctx.set('Cache-Control', 'no-store');
    sendJson(ctx, 200, { ticket: ticket.value, expires_in_ms: ticket.expiresInMs });
  });
  return router;
}
