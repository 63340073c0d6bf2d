import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** The real service (`npm start`'s entry) as a child process, with its parsed log lines. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  /** POST a JSON body to `path` (starting with `/`) and parse the JSON answer. */
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  get(path: string): Promise<Record<string, unknown>>;
  /** SIGKILLs the service and waits for its exit. */
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx src/main.ts` with `env` (PORT=0, LOG_LEVEL=info unless given) and
 * resolves once it logs "procvisor listening". The caller must end it (kill9 or SIGTERM).
 */
export async function launchService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`service exited early with ${code}`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      if (parsed.msg === 'procvisor listening') {
        child.off('exit', onExit);
        resolve(String(parsed.url));
      }
    });
  });
  const json = async (response: Response): Promise<Record<string, unknown>> => (await response.json()) as Record<string, unknown>;
  return {
    child,
    url,
    lines,
    post: async (path, body) => json(await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) })),
    get: async (path) => json(await fetch(`${url}${path}`)),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      return ((await exited) as [number | null])[0];
    },
    kill9: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The live (not zombie) processes of group `pgid`, read from /proc independently of the code
 * under test: `pid comm` strings.
 */
export function liveGroupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (pgrp === String(pgid) && state !== 'Z') members.push(`${entry} ${stat.slice(stat.indexOf('(') + 1, close)}`);
  }
  return members;
}

/** The pid of the crash sentinel started by the service `parent` (its child running the sentinel script), or null. */
export function sentinelPidOf(parent: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('procvisor-sentinel')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
