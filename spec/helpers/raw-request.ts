import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with exactly the headers given (fetch would not let a spec set `Host`, and
 * adds its own): `target` is `http://host:port` or `{ socketPath }`. `Host` defaults to the
 * target's `host:port` (`localhost` on a socket). Resolves with the whole answer.
 */
export function rawRequest(
  target: string | { socketPath: string },
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const where = typeof target === 'string' ? { host: new URL(target).hostname, port: Number(new URL(target).port) } : target;
  return new Promise((resolve, reject) => {
    const host = typeof target === 'string' ? new URL(target).host : 'localhost';
    const headers = { host, ...options.headers };
    const req = request({ ...where, path, method: options.method ?? 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
