import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { ProcvisorError } from '../errors.js';
import { listenOnSocket } from './unix-socket.js';

/**
 * Starts `server` listening where the config says: the Unix socket `socket` (mode 0600) when set,
 * else TCP `host:port`. Resolves with the service URL: `unix:/path/to.sock`, or
 * `http://host:port` with the real port when the config said 0. Rejects with LISTEN_FAILED.
 */
export async function listen(server: Server, config: Pick<Config, 'host' | 'port' | 'socket'>): Promise<string> {
  if (config.socket !== null) {
    await listenOnSocket(server, config.socket);
    return `unix:${config.socket}`;
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new ProcvisorError('LISTEN_FAILED', `Cannot listen on ${config.host}:${config.port}: ${error.message}`, { cause: error, detail: String(error) }));
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
