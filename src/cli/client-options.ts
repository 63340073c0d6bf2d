import type { Command } from 'commander';
import { readAuthTokenFile } from '../auth-token-file.js';
import { chatHeaders } from '../client/chat-headers.js';
import type { ProcvisorError } from '../errors.js';
import { ProcvisorClient } from '../client/procvisor-client.js';
import type { CliIo } from './cli-io.js';
import { reportError } from './report-error.js';
import { UsageError } from './usage-error.js';

/** Where the CLI looks for the service when neither `--url` nor `PROCVISOR_URL` says: `npm start`'s address. */
export const DEFAULT_URL = 'http://127.0.0.1:8420';

/** The options every command that talks to a running service takes. */
export interface ClientFlags {
  url?: string;
  token?: string;
  chatId?: string;
  json?: boolean;
}

/** A client for the service the flags name, and how to report on it. */
export interface ClientContext {
  client: ProcvisorClient;
  /** The URL as the user gave it (`unix:/…` stays so), for messages. */
  url: string;
  json: boolean;
}

/** Adds `--url`, `--token`, `--chat-id` and `--json` to a command. Defaults are resolved in openClient, so the token never shows in `--help`. */
export function addClientOptions(command: Command): Command {
  return command
    .option('--url <url>', `service to talk to: http(s)://host:port or unix:/path.sock (default: $PROCVISOR_URL or ${DEFAULT_URL})`)
    .option('--token <token>', 'bearer token (default: $PROCVISOR_AUTH_TOKEN, else the file $PROCVISOR_AUTH_TOKEN_FILE)')
    .option('--chat-id <uuid>', 'act as this chat (Coder-Chat-Id): start, see and signal only its processes')
    .option('--json', 'print JSON instead of text');
}

/** The URL the flags name; UsageError unless it is http, https or unix. */
export function resolveUrl(flags: ClientFlags, env: NodeJS.ProcessEnv): string {
  const url = flags.url ?? (env.PROCVISOR_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a URL.`);
  }
  if (!['http:', 'https:', 'unix:'].includes(parsed.protocol)) throw new UsageError(`--url ${JSON.stringify(url)} must be http://, https:// or unix:/path.`);
  return url;
}

/**
 * The token in the file `PROCVISOR_AUTH_TOKEN_FILE` names (the one the service reads), checked as
 * the service checks it; undefined when the variable is unset or empty. UsageError if unusable.
 */
function tokenFromFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readAuthTokenFile(path);
  } catch (error) {
    const { message, detail } = error as ProcvisorError;
    throw new UsageError(`${message.replace(/^Invalid configuration: /, 'PROCVISOR_AUTH_TOKEN_FILE: ')}${detail ? ` ${detail}` : ''}`);
  }
}

/** Opens a client with the flags' URL, bearer token and chat id. The caller closes it. */
export function openClient(flags: ClientFlags, io: CliIo): ClientContext {
  const url = resolveUrl(flags, io.env);
  const token = flags.token ?? (io.env.PROCVISOR_AUTH_TOKEN || undefined) ?? tokenFromFile(io.env.PROCVISOR_AUTH_TOKEN_FILE);
  const headers: Record<string, string> = {
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...(flags.chatId === undefined ? {} : chatHeaders(flags.chatId)),
  };
  return { client: new ProcvisorClient({ url, headers }), url, json: flags.json === true };
}

/**
 * Runs `body` with a client for the flags, closes the client, and turns any failure (a bad
 * `--url` included) into a reported error and its exit code.
 */
export async function withClient(flags: ClientFlags, io: CliIo, body: (context: ClientContext) => Promise<number>): Promise<number> {
  let context: ClientContext;
  try {
    context = openClient(flags, io);
  } catch (error) {
    return reportError(error, { url: flags.url ?? '', json: flags.json === true }, io);
  }
  try {
    return await body(context);
  } catch (error) {
    return reportError(error, context, io);
  } finally {
    await context.client.close();
  }
}
