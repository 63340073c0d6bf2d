import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { chatLogFields } from '../protocol/chat-headers.js';
import type { RequestState } from '../web/chat-context.js';

/** Longest request path written to the access log. */
const MAX_LOGGED_PATH_CHARS = 512;

/**
 * Gives each request a logger (`ctx.state.log`) and writes one access-log line when the
 * response is done: method, path, status, duration, and the chat fields when there are any.
 */
export function accessLog(log: Logger): Middleware<RequestState> {
  const logged = async (ctx: Parameters<Middleware<RequestState>>[0], next: () => Promise<unknown>): Promise<void> => {
    const startedAt = performance.now();
    try {
      await next();
    } finally {
      const chat = (ctx.state as Partial<RequestState>).chat;
      ctx.state.log.info(
        {
          ...(chat ? chatLogFields(chat) : {}),
          method: ctx.method,
          path: ctx.path.slice(0, MAX_LOGGED_PATH_CHARS),
          status: ctx.status,
          duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
        },
        'request',
      );
    }
  };
  return (ctx, next) => {
    ctx.state.log = log;
    // Measured: the line costs ~10% of a small request; skip all of it (and the async frame)
    // when it would be dropped.
    return log.isLevelEnabled('info') ? logged(ctx, next) : next();
  };
}
