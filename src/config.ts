import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import * as v from 'valibot';
import { readAuthTokenFile } from './auth-token-file.js';
import { describeIssues } from './describe-issues.js';
import { ProcvisorError } from './errors.js';

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Linux's `sun_path` holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;
/** A bearer token shorter than this is guessable; longer than the max is a mistake (or an attack on memory). */
export const MIN_AUTH_TOKEN_CHARS = 16;
export const MAX_AUTH_TOKEN_CHARS = 4096;

/** What makes a bearer token acceptable, wherever it comes from. */
const AuthTokenSchema = v.pipe(
  v.string(),
  v.minLength(MIN_AUTH_TOKEN_CHARS, `must be at least ${MIN_AUTH_TOKEN_CHARS} characters`),
  v.maxLength(MAX_AUTH_TOKEN_CHARS, `must be at most ${MAX_AUTH_TOKEN_CHARS} characters`),
  v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
);

/** Entries of `allowedHosts` / `allowedOrigins` at most. */
export const MAX_ALLOWED_ENTRIES = 256;

/** A host name (no port, no scheme), `.name` for a domain and its subdomains, or `*`; lower-cased. */
const AllowedHostSchema = v.pipe(
  v.string(),
  v.regex(/^(\*|\.?[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])$/, 'must be a host name without scheme or port, ".name" or "*"'),
  v.toLowerCase(),
);

/** An origin as browsers send it: `http(s)://host[:port]`, no path; lower-cased, a trailing `/` dropped. */
const AllowedOriginSchema = v.pipe(
  v.string(),
  v.regex(/^https?:\/\/([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/, 'must be an origin: http(s)://host[:port], without a path'),
  v.transform((origin) => origin.toLowerCase().replace(/\/$/, '')),
);

/** Every setting of the service, with its bound. Units are in the names. */
export const ConfigSchema = v.object({
  host: v.pipe(v.string(), v.nonEmpty()),
  port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)),
  /** Path of a Unix socket to listen on instead of TCP (`host` and `port` are then unused). */
  socket: v.nullable(
    v.pipe(
      v.string(),
      v.nonEmpty(),
      v.check((path) => Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES, `must be at most ${MAX_SOCKET_PATH_BYTES} bytes (the Unix socket path limit)`),
    ),
  ),
  /** Bearer token every request must carry (except `GET /healthz`); null turns access control off. */
  authToken: v.nullable(AuthTokenSchema),
  /**
   * File holding the bearer token (read once at start-up, surrounding whitespace trimmed); it must
   * be readable by its owner only. Exclusive with `authToken`.
   */
  authTokenFile: v.nullable(v.pipe(v.string(), v.nonEmpty())),
  /**
   * Host names served besides the loopback names and `host` (DNS rebinding guard): `name`, `.name`
   * (the name and its subdomains) or `*` (any: only behind a token). At most MAX_ALLOWED_ENTRIES.
   */
  allowedHosts: v.pipe(v.array(AllowedHostSchema), v.maxLength(MAX_ALLOWED_ENTRIES, `must list at most ${MAX_ALLOWED_ENTRIES} hosts`)),
  /** Web origins (`scheme://host[:port]`) whose pages may call the API besides the service's own. */
  allowedOrigins: v.pipe(v.array(AllowedOriginSchema), v.maxLength(MAX_ALLOWED_ENTRIES, `must list at most ${MAX_ALLOWED_ENTRIES} origins`)),
  /** Lets a non-loopback `host` run without `authToken`. Off: such a config is refused at start-up. */
  allowUnauthenticatedRemote: v.boolean(),
  logLevel: v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** The configured working directory: used when a start request names none and it exists. */
  workdir: v.nullable(v.string()),
  /** Where the durable state lives (procvisor.db); null keeps everything in memory only. */
  dataDir: v.nullable(v.pipe(v.string(), v.nonEmpty())),
  /** Size the database file may reach; the oldest exited records go first beyond it. */
  maxDatabaseBytes: v.pipe(v.number(), v.integer(), v.minValue(1_048_576)),
  headBytes: positiveInt,
  tailBytes: positiveInt,
  maxLineBytes: v.pipe(v.number(), v.integer(), v.minValue(32)),
  /** Recent output addressable by cursor (streams, cursor reads, match waits), per running process. */
  streamWindowBytes: positiveInt,
  /**
   * Each process writes its whole output to a file (under `dataDir/output`, or a private 0700
   * temporary directory removed at shutdown), so grep reads and pattern waits cover all of it.
   */
  spillOutput: v.boolean(),
  /** Bytes of one process's output kept on disk; past it, only the window and head/tail have the rest. */
  spillMaxBytesPerProcess: positiveInt,
  /** Bytes of all processes' spill files together; past it, processes stop spilling until records are reaped. */
  spillMaxBytesTotal: positiveInt,
  /** Part of that window kept after the process exited. */
  exitedStreamBytes: nonNegativeInt,
  /** How long an exited process keeps that part of its window; after it, only the head/tail view. */
  exitedStreamKeepMs: nonNegativeInt,
  drainTimeoutMs: nonNegativeInt,
  maxWaitMs: positiveInt,
  reapAfterMs: nonNegativeInt,
  reapIntervalMs: positiveInt,
  maxExitedRecords: positiveInt,
  listLimit: positiveInt,
  shutdownGraceMs: nonNegativeInt,
  /** SIGTERM → SIGKILL grace when a lifetime or idle timeout ends a process. */
  killGraceMs: nonNegativeInt,
  /** Watch processes in /proc (Linux): input waits and listening ports. Off: neither is reported. */
  processWatch: v.boolean(),
  /** Quiet time (no output, no input) before a process blocked on its stdin counts as waiting for input. */
  inputSettleMs: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(60_000)),
  /** Period of the listening-port scan. */
  portScanMs: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(60_000)),
  /** Events the events stream keeps for Last-Event-ID resumption. */
  maxEventHistory: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  /** Open `/api/v0/processes/events` streams at most; more get 503 TOO_MANY_CLIENTS. */
  maxEventStreams: positiveInt,
  /**
   * Which implementation starts pipe processes: `auto` (the native posix_spawn addon when it is
   * built and the kernel has pidfd_open, else child_process, logged once at start-up), `native`
   * (refuse to start without it) or `node` (child_process). Terminals always use node-pty.
   */
  spawner: v.picklist(['auto', 'native', 'node']),
  /** Give children an OOM score adjustment and niceness (Linux), like the reference's agent-exec. */
  processPriority: v.boolean(),
  /** null: 0 if the service's own is negative, 1000 if it is ≥ 998, else 998. */
  oomScoreAdj: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(-1000), v.maxValue(1000))),
  /** null: the service's niceness + 5, at most 19. */
  niceScore: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(-20), v.maxValue(19))),
  maxBodyBytes: positiveInt,
  requestTimeoutMs: positiveInt,
  headersTimeoutMs: positiveInt,
  keepAliveTimeoutMs: positiveInt,
  /** The git executable, looked up in PATH unless it is a path. */
  gitPath: v.pipe(v.string(), v.nonEmpty()),
  /** Each git subprocess is killed after this long. */
  gitCommandTimeoutMs: positiveInt,
  /** Git subprocesses running at once across every watcher. */
  gitMaxConcurrentCommands: positiveInt,
  /** A watcher scans on its own when it has not scanned for this long (the reference: 5 s). */
  gitWatchPollIntervalMs: positiveInt,
  /** Least time between two scans of one watcher (the reference: 1 s). */
  gitWatchCooldownMs: nonNegativeInt,
  /** WebSocket ping period; a client that missed the previous ping is disconnected. */
  gitWatchPingIntervalMs: positiveInt,
  /** A repository's diff larger than this is replaced by a placeholder (the reference: 3 MiB). */
  gitWatchMaxDiffBytes: positiveInt,
  /** Diff bytes in one message; more changed repositories go out in the next scan. */
  gitWatchMaxMessageDiffBytes: positiveInt,
  /** Open git watch sockets; more are refused with 503. */
  gitWatchMaxSockets: positiveInt,
  /** Chats the path store remembers paths for. */
  pathStoreMaxChats: positiveInt,
  /** Paths remembered per chat (the most recently added win). */
  pathStoreMaxPathsPerChat: positiveInt,
  /** Stately inspector WebSocket (`ws://…`) that receives every actor's inspection events; null = off. */
  inspectorUrl: v.nullable(v.pipe(v.string(), v.regex(/^wss?:\/\/\S+$/, 'must be a ws:// or wss:// URL'))),
  /** Serve the built-in view at `/inspect` (read-only; shows every process, like a non-chat caller). */
  inspectPage: v.boolean(),
  /** Processes the view shows at most (running first, then newest). */
  inspectMaxProcesses: positiveInt,
  /** Concurrent `/inspect/events` streams at most; more get 503 TOO_MANY_CLIENTS. */
  inspectMaxClients: positiveInt,
  /** Output tail per process in the view, bytes (at most the ring's `tailBytes` is meaningful). */
  inspectTailBytes: positiveInt,
});

export type Config = v.InferOutput<typeof ConfigSchema>;

const DEFAULT_FILE = new URL('../config/default.json', import.meta.url);

/** Environment variables with a short conventional name; every key also has `PROCVISOR_<KEY>`. */
const SHORT_NAMES: Partial<Record<keyof Config, string>> = { port: 'PORT', host: 'HOST', logLevel: 'LOG_LEVEL' };

function readJson(file: URL | string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ProcvisorError('CONFIG_INVALID', `Cannot read config file ${String(file)}.`, { cause, detail: String(cause) });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ProcvisorError('CONFIG_INVALID', `Config file ${String(file)} is not valid JSON.`, { cause, detail: String(cause) });
  }
}

/**
 * Every setting's default: config/default.json, read and validated once when this module loads.
 * The one source of default values: a module that takes settings (the supervisor, output sizes,
 * spill limits, watches) defaults from here, so a default is changed in that file alone.
 */
const DEFAULT_JSON: Readonly<Record<string, unknown>> = Object.freeze(readJson(DEFAULT_FILE));
export const CONFIG_DEFAULTS: Readonly<Config> = Object.freeze(v.parse(ConfigSchema, DEFAULT_JSON));

function envName(key: string): string {
  return `PROCVISOR_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Turns an environment string into the JSON type the schema expects for that key. */
const NULLABLE_NUMBERS: ReadonlySet<string> = new Set(['oomScoreAdj', 'niceScore']);

function fromEnv(key: keyof Config, raw: string, defaults: Record<string, unknown>): unknown {
  if (NULLABLE_NUMBERS.has(key)) return raw.trim() === '' || raw === 'null' ? null : Number(raw);
  if (typeof defaults[key] === 'number') return raw.trim() === '' ? raw : Number(raw);
  // Anything but the two words stays a string, which the schema then names as the bad setting.
  if (typeof defaults[key] === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (key === 'workdir' || key === 'socket' || key === 'authToken' || key === 'authTokenFile' || key === 'dataDir' || key === 'inspectorUrl') return raw === '' ? null : raw;
  // Lists: comma-separated (`PROCVISOR_ALLOWED_HOSTS=box.lan,.dev.example`); empty means none.
  if (Array.isArray(defaults[key])) return raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return raw;
}

/**
 * Loads the configuration once: `config/default.json`, then the JSON file named by
 * `PROCVISOR_CONFIG` (if set), then environment overrides (`PORT`, `HOST`, `LOG_LEVEL` and
 * `PROCVISOR_<KEY>` for every key), then `overrides`. Throws a ProcvisorError whose message
 * names every bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const defaults = DEFAULT_JSON;
  const merged: Record<string, unknown> = { ...defaults };
  if (env.PROCVISOR_CONFIG) Object.assign(merged, readJson(env.PROCVISOR_CONFIG));
  for (const key of Object.keys(ConfigSchema.entries) as (keyof Config)[]) {
    const short = SHORT_NAMES[key];
    const raw = env[envName(key)] ?? (short === undefined ? undefined : env[short]);
    if (raw !== undefined) merged[key] = fromEnv(key, raw, defaults);
  }
  Object.assign(merged, overrides);
  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) {
    throw new ProcvisorError('CONFIG_INVALID', `Invalid configuration: ${describeIssues(result.issues)}.`, {
      detail: 'Check config/default.json, PROCVISOR_CONFIG and the PORT, HOST, LOG_LEVEL and PROCVISOR_* variables.',
    });
  }
  const config = withTokenFromFile(result.output);
  assertSafeExposure(config);
  return config;
}

/** With `authTokenFile` set: the config with `authToken` read from that file (see readAuthTokenFile). */
function withTokenFromFile(config: Config): Config {
  if (config.authTokenFile === null) return config;
  if (config.authToken !== null) {
    throw new ProcvisorError('CONFIG_INVALID', 'Invalid configuration: authToken and authTokenFile are both set.', {
      detail: 'Give the token one way: PROCVISOR_AUTH_TOKEN_FILE (preferred, see README "Access control") or PROCVISOR_AUTH_TOKEN.',
    });
  }
  const token = v.safeParse(AuthTokenSchema, readAuthTokenFile(config.authTokenFile));
  if (!token.success) {
    throw new ProcvisorError('CONFIG_INVALID', `Invalid configuration: the token in authTokenFile ${JSON.stringify(config.authTokenFile)} ${token.issues[0].message}.`, {
      detail: 'Put only the token in the file, e.g. openssl rand -hex 32.',
    });
  }
  return { ...config, authToken: token.output };
}

// BlockList also matches IPv4-mapped IPv6 forms (`::ffff:127.0.0.1`) against the IPv4 subnet.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for hosts that only this machine can reach: `localhost`, 127.0.0.0/8, `::1` and
 * IPv4-mapped 127.x. Any other name may resolve to a routable address, so it counts as remote.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Refuses a config that would serve the process API (remote command execution by design) to
 * the network without a token: a non-loopback `host`, no `authToken`, and no explicit
 * `allowUnauthenticatedRemote: true`. A Unix socket never listens on the network, so it passes.
 */
export function assertSafeExposure(config: Pick<Config, 'host' | 'socket' | 'authToken' | 'allowUnauthenticatedRemote'>): void {
  if (config.socket !== null || config.authToken !== null || config.allowUnauthenticatedRemote || isLoopbackHost(config.host)) return;
  throw new ProcvisorError('CONFIG_INVALID', `Invalid configuration: host ${JSON.stringify(config.host)} is reachable from other machines and no authToken is set.`, {
    detail:
      'Anyone who can reach this port could run commands as this user. Set PROCVISOR_AUTH_TOKEN (and put TLS in front), ' +
      'listen on 127.0.0.1 or a Unix socket (PROCVISOR_SOCKET), or, if a firewall or network namespace already protects the port, set PROCVISOR_ALLOW_UNAUTHENTICATED_REMOTE=true.',
  });
}
