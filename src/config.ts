import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { SupervisorError } from './errors.js';

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Every setting of the service, with its bound. Units are in the names. */
export const ConfigSchema = v.object({
  host: v.pipe(v.string(), v.nonEmpty()),
  port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)),
  logLevel: v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** The configured working directory: used when a start request names none and it exists. */
  workdir: v.nullable(v.string()),
  headBytes: positiveInt,
  tailBytes: positiveInt,
  maxLineBytes: v.pipe(v.number(), v.integer(), v.minValue(32)),
  drainTimeoutMs: nonNegativeInt,
  maxWaitMs: positiveInt,
  reapAfterMs: nonNegativeInt,
  reapIntervalMs: positiveInt,
  maxExitedRecords: positiveInt,
  listLimit: positiveInt,
  shutdownGraceMs: nonNegativeInt,
  maxBodyBytes: positiveInt,
  requestTimeoutMs: positiveInt,
  headersTimeoutMs: positiveInt,
  keepAliveTimeoutMs: positiveInt,
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
    throw new SupervisorError('INVALID_REQUEST', `Cannot read config file ${String(file)}.`, { cause, detail: String(cause) });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new SupervisorError('INVALID_REQUEST', `Config file ${String(file)} is not valid JSON.`, { cause, detail: String(cause) });
  }
}

function envName(key: string): string {
  return `PROCVISOR_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Turns an environment string into the JSON type the schema expects for that key. */
function fromEnv(key: keyof Config, raw: string, defaults: Record<string, unknown>): unknown {
  if (typeof defaults[key] === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (typeof defaults[key] === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (key === 'workdir' || key === 'inspectorUrl') return raw === '' ? null : raw;
  return raw;
}

/**
 * Loads the configuration once: `config/default.json`, then the JSON file named by
 * `PROCVISOR_CONFIG` (if set), then environment overrides (`PORT`, `HOST`, `LOG_LEVEL` and
 * `PROCVISOR_<KEY>` for every key), then `overrides`. Throws a SupervisorError whose message
 * names every bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const defaults = readJson(DEFAULT_FILE);
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
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
    throw new SupervisorError('INVALID_REQUEST', `Invalid configuration: ${problems.join('; ')}.`, {
      detail: 'Check config/default.json, PROCVISOR_CONFIG and the PORT, HOST, LOG_LEVEL and PROCVISOR_* variables.',
    });
  }
  return result.output;
}
