import type { Middleware } from 'koa';
import { MAX_QUOTED_CHARS, requestFacts, type BrowserGuard } from './browser-guard.js';
import type { RequestState } from './chat-context.js';

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
