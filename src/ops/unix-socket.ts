import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { ProcvisorError, quote } from '../errors.js';

/** Owner read/write only: connecting to a Unix socket needs write permission on its file. */
export const SOCKET_MODE = 0o600;

/** How long a probe of an existing socket file may take before it counts as in use. */
const PROBE_TIMEOUT_MS = 1000;

function listenFailed(path: string, message: string, cause?: unknown): ProcvisorError {
  return new ProcvisorError('LISTEN_FAILED', `Cannot listen on Unix socket ${quote(path)}: ${message}`, {
    ...(cause === undefined ? {} : { cause, detail: cause instanceof Error ? cause.message : JSON.stringify(cause) }),
  });
}

/** Resolves true if a server accepts connections on `path`, false if the file is a dead socket. */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = connect({ path });
    const finish = (outcome: boolean | Error): void => {
      probe.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    // Something that neither accepts nor refuses in time is alive enough not to be deleted.
    probe.setTimeout(PROBE_TIMEOUT_MS, () => finish(true));
    probe.once('connect', () => finish(true));
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish(false);
      else if (error.code === 'ENOENT') finish(false);
      else finish(error);
    });
  });
}

/**
 * Makes `path` free for a new socket: nothing there is fine; a socket file nobody listens on
 * (left by a crash) is removed; anything else is refused with LISTEN_FAILED: a live socket
 * (another procvisor?) and any non-socket file (never deleted: the path may be a typo, or a
 * symlink planted by someone else). Between the probe and the unlink another server could
 * bind the path; that window is the usual one for Unix sockets and is accepted.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw listenFailed(path, 'cannot inspect the path.', error);
  }
  if (!stats.isSocket()) throw listenFailed(path, 'the path exists and is not a socket; refusing to replace it.');
  let live: boolean;
  try {
    live = await isListening(path);
  } catch (error) {
    throw listenFailed(path, 'cannot probe the existing socket.', error);
  }
  if (live) throw listenFailed(path, 'another server is listening on it.');
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw listenFailed(path, 'cannot remove the stale socket file.', error);
  }
}

/**
 * Listens on the Unix socket `path` with mode 0600, and resolves only once that mode is set, so
 * nobody else can connect between the bind and the announcement. Node binds synchronously inside
 * `listen()`, so a umask of 077 around that one call makes the file private from its creation;
 * the chmod afterwards makes the mode exact whatever umask the service started with. Node
 * removes the file when the server closes.
 */
export async function listenOnSocket(server: Server, path: string): Promise<void> {
  await clearStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(listenFailed(path, error.message, error));
    server.once('error', onError);
    // The umask is process-wide: it is held only for this synchronous call, and 077 can only
    // make a file created concurrently by the thread pool more private, never less.
    const previousUmask = process.umask(0o077);
    try {
      server.listen(path, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      process.umask(previousUmask);
    }
  });
  try {
    await chmod(path, SOCKET_MODE);
  } catch (error) {
    server.close();
    throw listenFailed(path, 'cannot set its mode to 0600.', error);
  }
}
