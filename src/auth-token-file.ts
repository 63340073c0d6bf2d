import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ProcvisorError, quote } from './errors.js';

/** Largest token file read, bytes: a token is at most 4096 characters, plus a newline or two. */
const MAX_TOKEN_FILE_BYTES = 8192;

function refuse(path: string, message: string, detail: string, cause?: unknown): ProcvisorError {
  return new ProcvisorError('CONFIG_INVALID', `Invalid configuration: authTokenFile ${quote(path)} ${message}`, {
    detail,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Reads the bearer token from `path` (surrounding whitespace trimmed). Refuses with
 * INVALID_REQUEST a file that cannot be read, is not a regular file, is larger than 8 KiB, or
 * grants any permission to its group or to others (like ssh with a private key): a token other
 * users may read, or replace, protects nothing. Mode and content come from the same open file,
 * so a swap between the check and the read cannot slip through.
 */
export function readAuthTokenFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw refuse(path, 'cannot be read.', `${String(cause)}. Create it readable by the service's user only: (umask 077; openssl rand -hex 32 > file).`, cause);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse(path, 'is not a regular file.', 'Point authTokenFile (PROCVISOR_AUTH_TOKEN_FILE) at a file that holds the token.');
    if ((stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
      throw refuse(path, `is accessible to its group or to others (mode ${mode}).`, `Make it readable by its owner only: chmod 600 ${quote(path)}.`);
    }
    if (stats.size > MAX_TOKEN_FILE_BYTES) throw refuse(path, `is larger than ${MAX_TOKEN_FILE_BYTES} bytes.`, 'The file must hold the token only.');
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_TOKEN_FILE_BYTES) throw refuse(path, `is larger than ${MAX_TOKEN_FILE_BYTES} bytes.`, 'The file must hold the token only.');
    }
    return buffer.subarray(0, length).toString('utf8').trim();
  } catch (error) {
    if (error instanceof ProcvisorError) throw error;
    throw refuse(path, 'cannot be read.', String(error), error);
  } finally {
    closeSync(fd);
  }
}
