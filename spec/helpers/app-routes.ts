import type Koa from 'koa';
import { PathStore } from '../../src/gitwatch/path-store.js';
import { createApp } from '../../src/http/app.js';
import { mountedRouters } from '../../src/http/http-metrics.js';
import { createTestSupervisor } from '../../src/testing/create-test-supervisor.js';

/** One route as a router registered it: method and Koa path (`/api/v0/processes/:id/output`). */
export interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * Every route registered in the routers mounted on `app`, found by introspection: each route is
 * a layer of its router's stack. HEAD, which the router adds to every GET, is left out.
 */
export function registeredRoutes<S>(app: Koa<S>): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const router of mountedRouters(app)) {
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string') continue;
      for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method, path: layer.path });
    }
  }
  return routes;
}

/** The routes of the app procvisor's service builds (auth on, so nothing is left out). */
export async function serviceRoutes(): Promise<RegisteredRoute[]> {
  const kit = createTestSupervisor();
  try {
    const app = createApp({ supervisor: kit.supervisor, log: kit.log, maxWaitMs: 1000, maxBodyBytes: 1024, authToken: 'a-token-for-introspection', pathStore: new PathStore() });
    return registeredRoutes(app);
  } finally {
    await kit.supervisor.close();
  }
}

/** `/api/v0/processes/:id/output` → `/api/v0/processes/{id}/output`. */
export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:(\w+)/g, '{$1}');
}
