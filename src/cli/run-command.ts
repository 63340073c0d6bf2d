import type { Command } from 'commander';
import type { ProcvisorClient } from '../client/procvisor-client.js';
import type { ProcessOutputResponse, StartProcessRequest } from '../client/process-api.js';
import type { CliIo } from './cli-io.js';
import { addClientOptions, withClient, type ClientContext, type ClientFlags } from './client-options.js';
import { BROKEN_PIPE_EXIT_CODE, shellExitCode } from './exit-status.js';
import { followOutput } from './follow-output.js';
import { OutputSink } from './output-sink.js';
import { durationMs, envPair } from './parse-arguments.js';
import { toShellCommand } from './shell-command.js';
import { SignalForwarder } from './signal-forwarder.js';
import { ClientError } from '../client/client-error.js';

interface RunFlags extends ClientFlags {
  workdir?: string;
  env?: Record<string, string>;
  timeout?: number;
  idleTimeout?: number;
  pty?: boolean;
  stdin?: boolean;
  detach?: boolean;
}

/** Exit reasons worth a line on stderr: the process did not end by itself or by the user's signal. */
const NOTED_REASONS: Record<string, string> = {
  timeout: 'its --timeout ran out',
  idle_timeout: 'it printed nothing for its --idle-timeout',
  shutdown: 'the service shut down',
  drain_cutoff: 'it exited, but a background process held its output open past the drain timeout',
  internal_error: 'procvisor failed to supervise it (see the service log)',
  swept: 'the service was killed, and its next start ended the process',
};

/** `procvisor run -- <command…>`: runs a command on the service as if it ran here. */
export function registerRun(program: Command, io: CliIo, finish: (code: number) => void): void {
  addClientOptions(
    program
      .command('run')
      .summary('run a command, stream its output, exit with its code')
      .description('Runs a command on the service, streams its output here as it is written, and exits with its exit code (128+n if signal n ended it). Ctrl-C interrupts the command; a second Ctrl-C kills it.')
      .argument('<command...>', 'one shell command line (quoted), or a program and its arguments after --')
      .passThroughOptions()
      .option('-w, --workdir <dir>', 'working directory (default: the service\'s)')
      .option('-e, --env <NAME=VALUE>', 'set an environment variable (repeatable)', envPair)
      .option('--timeout <ms>', 'end the process (terminate, then kill) after this many ms', durationMs)
      .option('--idle-timeout <ms>', 'end it when it prints nothing for this many ms', durationMs)
      .option('--pty', 'run it on a pseudo-terminal the size of this one')
      .option('-i, --stdin', "forward this command's stdin to the process (end of input closes its stdin)")
      .option('-d, --detach', 'start it, print its id, and return at once'),
  ).action(async (args: string[], flags: RunFlags) => finish(await run(args, flags, io)));
}

/**
 * Starts the command and, unless detached, copies its output to stdout byte for byte as it is
 * written, then exits with its exit code (128 + n when signal n ended it). Ctrl-C sends
 * `interrupt` to the process and keeps waiting for its exit (see SignalForwarder). With `--json`
 * nothing streams; one JSON result (`{id, output, exit_code, …}`, the output as the service
 * renders it) is printed at the end, and the exit code still passes through.
 */
export async function run(args: string[], flags: RunFlags, io: CliIo): Promise<number> {
  return withClient(flags, io, async (context) => {
    const { client, json } = context;
    const request = startRequest(args, flags, io);
    if (flags.detach) {
      const started = await client.startProcess(request);
      io.stdout.write(json ? `${JSON.stringify(started)}\n` : `${started.id}\n`);
      return 0;
    }
    const forwarder = new SignalForwarder(client, io, context.url);
    try {
      const { id } = await client.startProcess(request);
      forwarder.attach(id);
      const stopInput = new AbortController();
      const forwarding = flags.stdin && io.stdin ? forwardStdin(client, id, io.stdin, io, stopInput.signal) : Promise.resolve();
      try {
        return json ? await waitForResult(context, id, forwarder, io) : await streamToExit(context, id, forwarder, io);
      } finally {
        stopInput.abort();
        await forwarding;
      }
    } finally {
      await forwarder.close();
    }
  });
}

function startRequest(args: string[], flags: RunFlags, io: CliIo): StartProcessRequest {
  return {
    command: toShellCommand(args),
    ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
    ...(flags.env === undefined ? {} : { env: flags.env }),
    ...(flags.timeout === undefined ? {} : { timeout_ms: flags.timeout }),
    ...(flags.idleTimeout === undefined ? {} : { idle_timeout_ms: flags.idleTimeout }),
    ...(flags.pty ? { pty: { cols: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24 } } : {}),
    ...(flags.stdin ? { stdin: true } : {}),
  };
}

/**
 * Copies `input` to the process's stdin, one `POST /input` per chunk, in order, then sends the
 * end of input. Stops quietly when the process no longer takes input (it exited or closed its
 * stdin: 409); any other failure is reported once on stderr. Never rejects.
 */
async function forwardStdin(client: ProcvisorClient, id: string, input: NodeJS.ReadableStream, io: CliIo, signal: AbortSignal): Promise<void> {
  try {
    for await (const chunk of input) {
      if (signal.aborted) return;
      await client.sendInput(id, { data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk }, { signal });
    }
    if (!signal.aborted) await client.sendInput(id, { eof: true }, { signal });
  } catch (error) {
    if (signal.aborted || (error instanceof ClientError && error.status === 409)) return;
    io.stderr.write(`procvisor: stopped forwarding stdin: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

async function streamToExit(context: ClientContext, id: string, forwarder: SignalForwarder, io: CliIo): Promise<number> {
  const sink = new OutputSink(io.stdout);
  const stop = new AbortController();
  const onAbandon = (): void => stop.abort(new Error('stopped waiting'));
  forwarder.abandoned.signal.addEventListener('abort', onAbandon);
  void sink.broken.then(() => stop.abort(new Error('stdout closed')));
  try {
    const exit = await followOutput({ client: context.client, id, io, sink, json: false, signal: stop.signal });
    if (exit === null) return brokenPipe(forwarder);
    const note = NOTED_REASONS[exit.exit_reason];
    if (note !== undefined) io.stderr.write(`procvisor: process ${id} ended because ${note}\n`);
    return shellExitCode(exit);
  } catch (error) {
    if (sink.error !== null) return brokenPipe(forwarder);
    if (forwarder.abandoned.signal.aborted) return 130;
    throw error;
  } finally {
    forwarder.abandoned.signal.removeEventListener('abort', onAbandon);
    sink.dispose();
  }
}

/** Nobody reads the output any more: end the process, as SIGPIPE would end a local one. */
function brokenPipe(forwarder: SignalForwarder): number {
  forwarder.send('terminate');
  return BROKEN_PIPE_EXIT_CODE;
}

/** Blocking waits (each up to the service's cap) until the process exited; prints `{id, …output answer}`. */
async function waitForResult(context: ClientContext, id: string, forwarder: SignalForwarder, io: CliIo): Promise<number> {
  const result = await waitForExit(context.client, id, forwarder.abandoned.signal);
  if (result === null) return 130;
  io.stdout.write(`${JSON.stringify({ id, ...result })}\n`);
  return shellExitCode(result);
}

async function waitForExit(client: ProcvisorClient, id: string, signal: AbortSignal): Promise<ProcessOutputResponse | null> {
  for (;;) {
    if (signal.aborted) return null;
    let answer: ProcessOutputResponse;
    try {
      answer = await client.processOutput(id, { wait: true, signal });
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    }
    if (!answer.running) return answer;
  }
}
