import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { ANCESTOR_CHAT_IDS_HEADER, CHAT_ID_HEADER, chatLogFields, parseChatContext, type ChatContext } from '../protocol/chat-headers.js';

/** The request state every route sees: the parsed chat headers and the request logger. */
export interface RequestState {
  chat: ChatContext;
  log: Logger;
  /** Set by the auth middleware when the request came with a ticket asked for by a chat: that chat. */
  ticketChat?: ChatContext;
}

/**
 * Sets `ctx.state.chat` and enriches `ctx.state.log` (the request logger) with the chat fields.
 * A request that came with a ticket acts as the chat the ticket was issued to, whatever its own
 * headers say (a browser's EventSource sends none): a ticket asked for by a chat reads that
 * chat's processes only.
 */
export function chatContextMiddleware(): Middleware<RequestState> {
  // Not async (see browserGuardMiddleware): nothing to do after `next`.
  return (ctx, next) => {
    const chat = ctx.state.ticketChat ?? parseChatContext(ctx.get(CHAT_ID_HEADER) || undefined, ctx.get(ANCESTOR_CHAT_IDS_HEADER) || undefined);
    ctx.state.chat = chat;
    if (chat.logChatId !== null) ctx.state.log = ctx.state.log.child(chatLogFields(chat));
    return next();
  };
}
