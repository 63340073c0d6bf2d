import type { ChatContext } from './chat-headers.js';

/**
 * What an `Authorization` header (or a `?ticket=`) says about the caller: `ok`, `missing` (no
 * header, or another scheme), `invalid` (a Bearer credential that is not the token) or
 * `invalid_ticket` (an unknown, used or expired ticket). Transport-free, so git watch and the
 * public `Service` type name it without reaching the Koa middleware.
 */
export type BearerVerdict = 'ok' | 'missing' | 'invalid' | 'invalid_ticket';

/**
 * The outcome of a git watch upgrade's check: the verdict, and the chat a ticket was issued to
 * (null: a header, or a ticket of no chat). Here, not beside the check in web/auth: public
 * declarations (git watch) must never reach Koa's types.
 */
export interface UpgradeCheck {
  verdict: BearerVerdict;
  ticketChat: ChatContext | null;
}
