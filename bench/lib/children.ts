import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isFromChild, type ChildStats, type FromChild, type ProbeRequest, type ToChild } from './ipc.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Every child still alive, so the driver can kill them whatever happens. */
const live = new Set<ChildProcess>();

/** A forked server (the service or a floor) with its URL and an IPC channel. */
export class ServerChild {
  readonly name: string;
  readonly url: string;
  readonly proc: ChildProcess;
  private seq = 0;

  private constructor(name: string, url: string, proc: ChildProcess) {
    this.name = name;
    this.url = url;
    this.proc = proc;
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /**
   * Forks `bench/<script>` with tsx and resolves once it reported its URL. LOG_LEVEL defaults
   * to warn so that logging does not dominate what is measured.
   */
  static start(name: string, script: string, args: string[], timeoutMs = 20_000): Promise<ServerChild> {
    // --expose-gc only lets `stats({gc: true})` measure memory after a full collection.
    // BENCH_CHILD_NODE_ARGS adds node flags to every child (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = fork(`${BENCH_DIR}${script}`, args, {
      execArgv: ['--import', 'tsx', '--expose-gc', ...extra],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`${name}: not ready after ${timeoutMs} ms`)), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        proc.off('error', fail);
      };
      function fail(error: Error): void {
        cleanup();
        proc.kill('SIGKILL');
        reject(error);
      }
      function onExit(code: number | null, signal: NodeJS.Signals | null): void {
        fail(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
      }
      function onMessage(message: unknown): void {
        if (!isFromChild(message)) return;
        if (message.type === 'ready') {
          cleanup();
          resolve(new ServerChild(name, message.url, proc));
        } else if (message.type === 'error') {
          fail(new Error(`${name}: ${message.message}`));
        }
      }
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      proc.once('error', fail);
    });
  }

  /** The service under test: bench/serve.ts with config overrides. */
  static service(name: string, overrides: Record<string, unknown> = {}): Promise<ServerChild> {
    return ServerChild.start(name, 'serve.ts', [JSON.stringify(overrides)]);
  }

  static floor(kind: 'bare' | 'koa' | 'longpoll'): Promise<ServerChild> {
    return ServerChild.start(`${kind} floor`, 'floors.ts', [kind]);
  }

  /** Memory and counts of the child; after a full GC when `gc`. */
  async stats(gc = false, timeoutMs = 10_000): Promise<ChildStats> {
    const answer = await this.ask({ type: 'stats', seq: ++this.seq, gc }, timeoutMs);
    if (answer.type !== 'stats') throw new Error(`${this.name}: unexpected answer ${answer.type}`);
    return answer.stats;
  }

  /** Runs a diagnostic probe inside the service process; latencies in ms. */
  async probe(request: ProbeRequest): Promise<number[]> {
    const answer = await this.ask({ type: 'probe', seq: ++this.seq, ...request }, request.ms + 30_000);
    if (answer.type !== 'probe') throw new Error(`${this.name}: unexpected answer ${answer.type}`);
    if ('error' in answer) throw new Error(`${this.name}: probe failed: ${answer.error}`);
    return answer.latencies;
  }

  private ask(message: ToChild & { seq: number }, timeoutMs: number): Promise<FromChild> {
    const { seq } = message;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.proc.off('message', onMessage);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no answer to ${message.type} after ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (answer: unknown): void => {
        if (!isFromChild(answer) || !('seq' in answer) || answer.seq !== seq) return;
        cleanup();
        resolve(answer);
      };
      this.proc.on('message', onMessage);
      this.proc.send(message, (error) => {
        if (error) {
          cleanup();
          reject(error);
        }
      });
    });
  }

  /** Asks the child to close (the service terminates its process groups), SIGKILL after `graceMs`. */
  stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.proc.connected) this.proc.send({ type: 'close' }, () => undefined);
      else this.proc.kill('SIGTERM');
    });
  }
}

/**
 * Last resort (deadline, crash): SIGTERM every child still alive (the service then kills its
 * process groups), SIGKILL whatever is left after `graceMs`.
 */
export async function terminateAllChildren(graceMs = 3000): Promise<void> {
  const procs = [...live];
  for (const proc of procs) proc.kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && procs.some((proc) => proc.exitCode === null && proc.signalCode === null)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const proc of procs) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  live.clear();
}
