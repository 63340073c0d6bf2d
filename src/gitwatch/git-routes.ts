import { isAbsolute } from 'node:path';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { ProcvisorError, quote } from '../errors.js';
import type { RequestState } from '../web/chat-context.js';
import { AddPathsBodySchema } from '../protocol/request-schemas.js';
import { sendJson } from '../web/json.js';
import { readJsonBody } from '../web/request-body.js';
import type { PathStore } from './path-store.js';
import { resolveTargetChat } from './target-chat.js';

export interface GitRouteDeps {
  store: PathStore;
  maxBodyBytes: number;
}

type RouteContext = Context & { state: RequestState };

/**
 * The HTTP side of git watch, mounted at `/api/v0/git`: `POST /paths` adds paths to a chat (and
 * the ancestors in the caller's headers) for clients that change files without the process API;
 * a plain `GET /watch` is told to upgrade (426); the WebSocket itself is GitWatchServer's.
 */
export function createGitRouter(deps: GitRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: '/api/v0/git' });
  router.post('/paths', (ctx) => handleAddPaths(ctx as RouteContext, deps));
  router.get('/watch', () => {
    throw new ProcvisorError('UPGRADE_REQUIRED', 'Git watch is a WebSocket endpoint.', {
      detail: 'Connect with a WebSocket client: GET /api/v0/git/watch?chat_id=<uuid> with Upgrade: websocket.',
    });
  });
  return router;
}

async function handleAddPaths(ctx: RouteContext, deps: GitRouteDeps): Promise<void> {
  const body = await readJsonBody(ctx, AddPathsBodySchema, deps.maxBodyBytes);
  for (const path of body.paths) {
    if (path.includes('\0')) throw new ProcvisorError('INVALID_REQUEST', 'Paths must not contain NUL bytes.');
    if (!isAbsolute(path)) throw new ProcvisorError('INVALID_REQUEST', `Path ${quote(path.slice(0, 200))} is not absolute.`, { detail: 'Send absolute paths.' });
  }
  const target = resolveTargetChat(ctx.state.chat, body.chat_id, 'chat_id field');
  const paths = deps.store.addPaths(target.chatIds, body.paths);
  sendJson(ctx, 200, { chat_ids: target.chatIds, paths });
}
