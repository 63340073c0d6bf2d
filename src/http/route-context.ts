import type { Context } from 'koa';
import type { RequestState } from '../web/chat-context.js';

/** A Koa context inside a process route: the request's chat state and the route's params. */
export type RouteContext = Context & { state: RequestState; params: Record<string, string> };
