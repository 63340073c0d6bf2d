import { Agent, request } from 'node:http';

/** One keep-alive agent for the bench's own API calls (bounded sockets). */
export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** Refuses anything but a loopback URL: the bench loads 127.0.0.1 only. */
export function assertLoopback(url: string): URL {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || host.startsWith('127.'))) throw new Error(`refusing non-loopback target ${url}`);
  return parsed;
}

/** A JSON request over the keep-alive agent; rejects on a status >= 400 or a transport error. */
export function requestJson(method: 'GET' | 'POST', url: string, body?: unknown, timeoutMs = 120_000): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            reject(new Error(`${method} ${url} -> ${status}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve({ status, body: JSON.parse(text) as unknown });
          } catch (error) {
            reject(new Error(`${method} ${url}: response is not JSON: ${text.slice(0, 200)}`, { cause: error }));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(data);
  });
}

export interface OutputBody {
  output: string;
  running: boolean;
  exit_code?: number;
  truncated?: { original_bytes: number; retained_bytes: number; omitted_bytes: number };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The v0 process API of one service. */
export class ServiceClient {
  readonly base: string;

  constructor(base: string) {
    this.base = assertLoopback(base).href.replace(/\/$/, '');
  }

  async start(command: string): Promise<string> {
    const { body } = await requestJson('POST', `${this.base}/api/v0/processes/start`, { command });
    if (!isRecord(body) || typeof body.id !== 'string') throw new Error(`start: unexpected answer ${JSON.stringify(body)}`);
    return body.id;
  }

  async output(id: string, wait: boolean): Promise<OutputBody> {
    const { body } = await requestJson('GET', `${this.base}${this.outputPath(id, wait)}`);
    if (!isRecord(body) || typeof body.output !== 'string' || typeof body.running !== 'boolean') {
      throw new Error(`output: unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
    }
    return body as unknown as OutputBody;
  }

  outputPath(id: string, wait: boolean): string {
    return `/api/v0/processes/${encodeURIComponent(id)}/output${wait ? '?wait=true' : ''}`;
  }

  async signal(id: string, signal: 'kill' | 'terminate'): Promise<void> {
    await requestJson('POST', `${this.base}/api/v0/processes/${encodeURIComponent(id)}/signal`, { signal });
  }

  /** start + wait for exit; throws if the wait came back while the process still ran. */
  async run(command: string): Promise<OutputBody> {
    const out = await this.output(await this.start(command), true);
    if (out.running) throw new Error(`wait=true answered while ${command} still ran`);
    return out;
  }
}
