import { spawn } from 'node:child_process';
import { ProcvisorError } from '../errors.js';
import { gitEnvironment, GIT_CONFIG_ARGS } from './git-environment.js';
import { Semaphore } from './semaphore.js';

/** Settings of a GitRunner. */
export interface GitRunnerOptions {
  /** The git executable: a name looked up in PATH, or a path. */
  gitPath: string;
  /** Each git process is SIGKILLed after this many ms (real time: git runs in real time). */
  commandTimeoutMs: number;
  /** Git processes running at once across every watcher; the rest wait their turn. */
  maxConcurrent: number;
}

/** One git invocation's bounds and cancellation. */
export interface GitRunOptions {
  /** Stdout bytes kept; later bytes are only counted. */
  maxStdoutBytes: number;
  /** Once this many stdout bytes were seen the process is killed and the output marked truncated. */
  killAfterBytes?: number;
  /** Exit codes that count as success (default `[0]`). */
  okExitCodes?: readonly number[];
  /** Aborting kills the process and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface GitOutput {
  stdout: Buffer;
  /** Every stdout byte seen, kept or not. */
  stdoutBytes: number;
  /** True when stdout went past `maxStdoutBytes` (or the process was cut at `killAfterBytes`). */
  truncated: boolean;
  exitCode: number;
}

const MAX_STDERR_BYTES = 8192;

/**
 * Runs `git -C <dir> <safe config> <args>` with bounded output, a timeout, an abort signal and a
 * global concurrency cap. Never prompts, pages or colours (see git-environment.ts). Rejects with
 * GIT_FAILED (detail: the command and git's stderr, or the spawn error) or with the abort reason.
 */
export class GitRunner {
  private readonly options: GitRunnerOptions;
  private readonly slots: Semaphore;
  private live = 0;

  constructor(options: GitRunnerOptions) {
    this.options = options;
    this.slots = new Semaphore(options.maxConcurrent);
  }

  /** Git processes alive right now (for leak tests and health checks). */
  get running(): number {
    return this.live;
  }

  /** The output of `git --version`, or null (with the reason) when git cannot run. */
  async probe(signal?: AbortSignal): Promise<{ version: string } | { error: string }> {
    try {
      const output = await this.run(null, ['--version'], { maxStdoutBytes: 256, ...(signal ? { signal } : {}) });
      return { version: output.stdout.toString('utf8').trim() };
    } catch (error) {
      if (signal?.aborted) throw error;
      return { error: error instanceof ProcvisorError ? (error.detail ?? error.message) : String(error) };
    }
  }

  /** Runs git in `dir` (no `-C` when null). */
  async run(dir: string | null, args: readonly string[], options: GitRunOptions): Promise<GitOutput> {
    const release = await this.slots.acquire(options.signal);
    try {
      return await this.spawnGit(dir === null ? [...args] : ['-C', dir, ...GIT_CONFIG_ARGS, ...args], options);
    } finally {
      release();
    }
  }

  private spawnGit(argv: string[], options: GitRunOptions): Promise<GitOutput> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const describe = (): string => `git ${argv.join(' ').slice(0, 300)}`;
    return new Promise<GitOutput>((resolve, reject) => {
      let child;
      try {
        child = spawn(this.options.gitPath, argv, { env: gitEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        // Invalid arguments (a NUL byte) throw synchronously instead of emitting 'error'.
        reject(new ProcvisorError('GIT_FAILED', 'Git could not be started.', { cause: error, detail: `${describe()}: ${(error as Error).message}` }));
        return;
      }
      this.live += 1;
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let stdoutBytes = 0;
      let cut = false;
      let stderr = '';
      let failure: Error | null = null;
      const kill = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        failure ??= new ProcvisorError('GIT_FAILED', 'Git timed out.', { detail: `${describe()}: killed after ${this.options.commandTimeoutMs} ms` });
        kill();
      }, this.options.commandTimeoutMs);
      const onAbort = (): void => {
        failure ??= signal?.reason as Error;
        kill();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (keptBytes < options.maxStdoutBytes) {
          const part = chunk.subarray(0, options.maxStdoutBytes - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        }
        if (options.killAfterBytes !== undefined && stdoutBytes >= options.killAfterBytes && !cut) {
          cut = true;
          kill();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8', 0, MAX_STDERR_BYTES - stderr.length);
      });
      // Node reports a missing binary as an async 'error' event (then 'close'), never a throw.
      child.on('error', (error) => {
        failure ??= new ProcvisorError('GIT_FAILED', 'Git could not be started.', { cause: error, detail: `${describe()}: ${error.message}` });
      });
      child.on('close', (code, killSignal) => {
        this.live -= 1;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        const output = { stdout: Buffer.concat(kept, keptBytes), stdoutBytes, truncated: cut || stdoutBytes > keptBytes, exitCode: code ?? -1 };
        if (cut || (code !== null && (options.okExitCodes ?? [0]).includes(code))) return resolve(output);
        const status = code === null ? `signal ${killSignal ?? 'unknown'}` : `exit code ${code}`;
        reject(new ProcvisorError('GIT_FAILED', 'Git failed.', { detail: `${describe()}: ${status}: ${stderr.trim()}` }));
      });
    });
  }
}
