import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { addClientOptions, withClient, type ClientFlags } from './client-options.js';
import { BROKEN_PIPE_EXIT_CODE } from './exit-status.js';
import { followOutput } from './follow-output.js';
import { OutputSink } from './output-sink.js';
import { resolveId } from './resolve-id.js';

interface LogsFlags extends ClientFlags {
  follow?: boolean;
}

/** `procvisor logs <id> [-f]`: a process's output. */
export function registerLogs(program: Command, io: CliIo, finish: (code: number) => void): void {
  addClientOptions(
    program
      .command('logs')
      .summary("print a process's output (-f: follow it)")
      .description("Prints a process's output; with -f, follows it live until the process exits.")
      .argument('<id>', 'process id, or a prefix of one (the short id of ps)')
      .option('-f, --follow', 'stream the output as it is written, until the process exits'),
  ).action(async (id: string, flags: LogsFlags) => finish(await logs(id, flags, io)));
}

/**
 * Without `-f`: the output snapshot (the service's head + tail rendering; a note on stderr when
 * the middle was omitted), or with `--json` its answer. With `-f`: the stream from the oldest
 * byte the service still holds until the exit (`--json`: one event per line). Exits 0 once the
 * process has exited, whatever its exit code (`run` passes codes through; `ps --json` shows them),
 * 141 when stdout closed early, 1 on an error.
 */
export async function logs(given: string, flags: LogsFlags, io: CliIo): Promise<number> {
  return withClient(flags, io, async ({ client, json }) => {
    const id = await resolveId(client, given);
    const answer = flags.follow ? null : await client.processOutput(id);
    // Following a process that already exited prints what it kept: its stream window may have
    // been released (exitedStreamKeepMs), and the head/tail rendering is what remains.
    const exited = flags.follow ? await client.processOutput(id).then((a) => (a.running ? null : a)) : null;
    const snapshot = answer ?? exited;
    if (snapshot) {
      if (json) {
        io.stdout.write(`${JSON.stringify(snapshot)}\n`);
        return 0;
      }
      io.stdout.write(snapshot.output);
      if (snapshot.truncated) io.stderr.write(`procvisor: ${snapshot.truncated.omitted_bytes} bytes omitted from the middle of the output (head and tail kept)\n`);
      return 0;
    }
    const sink = new OutputSink(io.stdout);
    const abort = new AbortController();
    // A Ctrl-C stops following (the process goes on), like `tail -f`; the exit code says which signal.
    let stoppedBy = 0;
    const stopFollowing = (code: number): void => {
      stoppedBy ||= code;
      abort.abort(new Error('stopped following'));
    };
    const unsubscribe = [io.onSignal('SIGINT', () => stopFollowing(130)), io.onSignal('SIGTERM', () => stopFollowing(143))];
    void sink.broken.then(() => stopFollowing(BROKEN_PIPE_EXIT_CODE));
    try {
      const exit = await followOutput({ client, id, io, sink, json, signal: abort.signal });
      return exit === null ? BROKEN_PIPE_EXIT_CODE : 0;
    } catch (error) {
      if (stoppedBy !== 0) return stoppedBy;
      throw error;
    } finally {
      for (const off of unsubscribe) off();
      sink.dispose();
    }
  });
}
