import { request } from 'node:http';

/** Answers an HTTP probe: the status code, or null when the request failed or timed out. */
export type HttpProbe = (target: { host: string; port: number; path: string }, timeoutMs: number) => Promise<number | null>;

/**
 * A GET with node:http, no keep-alive, the body discarded. Never rejects: a refused connection,
 * a reset or the timeout answer null. Callers give loopback hosts only.
 */
export const httpGetStatus: HttpProbe = (target, timeoutMs) =>
  new Promise((resolve) => {
    let settled = false;
    const settle = (status: number | null): void => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    const req = request({ host: target.host, port: target.port, path: target.path, method: 'GET', agent: false, timeout: timeoutMs, headers: { 'user-agent': 'procvisor-probe' } }, (res) => {
      settle(res.statusCode ?? null);
      res.resume();
      res.on('error', () => undefined);
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', () => settle(null));
    req.end();
  });
