import { expect } from 'chai';
import { ProcvisorClient } from '../../src/client/procvisor-client.js';
import type { ProcessOutputResponse } from '../../src/client/process-api.js';
import { createExecuteTool } from '../../src/tools/execute-tool.js';
import { NON_INTERACTIVE_ENV } from '../../src/tools/execute-environment.js';
import { SH_NOT_FOUND_GUIDANCE } from '../../src/tools/shell-guidance.js';
import { MIN_RETRY_INTERVAL_MS } from '../../src/tools/wait-for-process.js';
import { ScriptedApi, untilAborted, type ScriptedCall } from '../helpers/scripted-api.js';
import { useRealAgent } from '../helpers/real-agent.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { pgrepOwn } from '../helpers/own-processes.js';

const ID = '0b6f2a7e-1c1d-4e0b-9a52-3c6a4a3f9d11';
const EXPECTED_ENV = { CODER_CHAT_AGENT: 'true', ...NON_INTERACTIVE_ENV };

interface Result {
  success: boolean;
  output?: string;
  exit_code: number;
  wall_duration_ms: number;
  error?: string;
  truncated?: Record<string, unknown>;
  note?: string;
  background_process_id?: string;
}

/** The result without its measured duration (checked to be a whole number of ms). */
function withoutDuration(text: string): Omit<Result, 'wall_duration_ms'> {
  const { wall_duration_ms: ms, ...rest } = JSON.parse(text) as Result;
  expect(Number.isInteger(ms) && ms >= 0, `wall_duration_ms ${ms}`).to.equal(true);
  return rest;
}

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

describe('execute tool against the real service', () => {
  let service: TestService;
  let client: ProcvisorClient;
  const execute = (input: unknown): ReturnType<ReturnType<typeof createExecuteTool>['run']> => createExecuteTool({ client }).run(input);
  useRealAgent((agent) => ({ service, client } = agent));

  it('runs a command in the foreground and returns its output and exit code', async () => {
    const response = await execute({ command: 'echo hi; echo "<err>" >&2', model_intent: 'Saying hi' });
    expect(response.isError).to.equal(false);
    expect(response.text).to.match(/^\{"success":true,"output":"hi\\n\\u003cerr\\u003e\\n","exit_code":0,"wall_duration_ms":\d+\}$/);
  });

  it('reports a failing exit code as an unsuccessful result, not a tool error', async () => {
    const response = await execute({ command: 'echo no; exit 3' });
    expect(response.isError).to.equal(false);
    expect(withoutDuration(response.text)).to.deep.equal({ success: false, output: 'no\n', exit_code: 3 });
  });

  it('runs with the non-interactive environment and CODER_CHAT_AGENT', async () => {
    const response = await execute({ command: 'echo "$CODER_CHAT_AGENT $TERM $NO_COLOR $PAGER $GIT_PAGER $EDITOR $VISUAL $GIT_EDITOR $GIT_SEQUENCE_EDITOR $GIT_TERMINAL_PROMPT"' });
    expect(withoutDuration(response.text).output).to.equal('true dumb 1 cat cat true true true true 0\n');
  });

  it('runs in the given workdir', async () => {
    expect(withoutDuration((await execute({ command: 'pwd', workdir: '/tmp' })).text).output).to.equal('/tmp\n');
  });

  it('adds the file-dump note to a cat', async () => {
    expect(withoutDuration((await execute({ command: 'cat /dev/null' })).text)).to.deep.equal({
      success: true,
      exit_code: 0,
      note: 'Consider using read_file instead of dumping file contents with shell commands.',
    });
  });

  it('returns the process id at the timeout, and the process keeps running for process_output', async () => {
    const response = await execute({ command: 'echo partial; sleep 30', timeout: '300ms' });
    const result = withoutDuration(response.text);
    expect(result).to.deep.include({ success: false, output: 'partial\n', exit_code: -1, error: 'command timed out after 300ms' });
    const id = result.background_process_id ?? '';
    expect((await client.processOutput(id)).running).to.equal(true);
    await client.signalProcess(id, 'kill');
  });

  it('starts a background process and returns its id at once', async () => {
    const response = await execute({ command: 'sleep 30', run_in_background: true, timeout: 'not parsed in the background' });
    const result = JSON.parse(response.text) as Result;
    expect(result).to.deep.equal({ success: true, exit_code: 0, wall_duration_ms: 0, background_process_id: result.background_process_id });
    const entry = (await client.listProcesses()).processes.find((process) => process.id === result.background_process_id);
    expect(entry).to.include({ command: 'sleep 30', background: true, running: true });
    await client.signalProcess(result.background_process_id ?? '', 'kill');
  });

  it('promotes a trailing & to a tracked background process, without the &', async () => {
    const result = JSON.parse((await execute({ command: 'sleep 30 &  ' })).text) as Result;
    const entry = (await client.listProcesses()).processes.find((process) => process.id === result.background_process_id);
    expect(entry).to.include({ command: 'sleep 30', background: true, running: true });
    await client.signalProcess(result.background_process_id ?? '', 'kill');
  });

  it('fails the start when the timeout is zero or negative', async () => {
    for (const timeout of ['0s', '-1s']) {
      const result = JSON.parse((await execute({ command: 'echo never', timeout })).text) as Result;
      expect(result).to.deep.equal({
        success: false,
        exit_code: 0,
        wall_duration_ms: 0,
        error: `start process: do request: Post "${service.url}/api/v0/processes/start": context deadline exceeded`,
      });
    }
  });

  it('reports a start refused by the agent with its full SDK error', async () => {
    const result = JSON.parse((await execute({ command: 'true', workdir: '/nonexistent/dir' })).text) as Result;
    expect(result.error).to.equal(
      `start process: POST ${service.url}/api/v0/processes/start: unexpected status code 500: Failed to start process.\n\tError: start process: chdir /nonexistent/dir: no such file or directory`,
    );
  });

  it('waits again when the server cap is shorter than the timeout', async () => {
    const capped = await startTestService({ maxWaitMs: 200 });
    const cappedClient = new ProcvisorClient({ url: capped.url, serverMaxWaitMs: 200 });
    try {
      const response = await createExecuteTool({ client: cappedClient }).run({ command: 'sleep 0.7; echo done', timeout: '5s' });
      expect(withoutDuration(response.text)).to.deep.equal({ success: true, output: 'done\n', exit_code: 0 });
      expect((JSON.parse(response.text) as Result).wall_duration_ms).to.be.at.least(600);
    } finally {
      await cappedClient.close();
      await capped.close();
    }
  });

  it('guides the model when the agent has no sh', async () => {
    const noShell = await startTestService({}, { envHook: (base) => ({ ...base, PATH: '/nonexistent' }) });
    const noShellClient = new ProcvisorClient({ url: noShell.url });
    try {
      for (const run_in_background of [false, true]) {
        const result = JSON.parse((await createExecuteTool({ client: noShellClient }).run({ command: 'echo hi', run_in_background })).text) as Result;
        const prefix = run_in_background ? 'start background process' : 'start process';
        expect(result).to.deep.equal({
          success: false,
          exit_code: 0,
          wall_duration_ms: 0,
          error:
            `${prefix}: POST ${noShell.url}/api/v0/processes/start: unexpected status code 500: Failed to start process.\n` +
            `\tError: start process: exec: "sh": executable file not found in $PATH\n\n${SH_NOT_FOUND_GUIDANCE}`,
        });
      }
    } finally {
      await noShellClient.close();
      await noShell.close();
    }
  });

  it('leaves no process behind when the service closes after a timeout', async () => {
    const local = await startTestService();
    const localClient = new ProcvisorClient({ url: local.url });
    try {
      await createExecuteTool({ client: localClient }).run({ command: 'sleep 33.3', timeout: '100ms' });
      expect(pgrep('^sleep 33.3$')).not.to.equal('');
    } finally {
      await localClient.close();
      await local.close();
    }
    expect(pgrep('^sleep 33.3$')).to.equal('');
  });
});

describe('execute tool with a scripted agent', () => {
  let api: ScriptedApi;
  beforeEach(() => {
    api = new ScriptedApi();
  });
  const run = (input: unknown, options: { defaultTimeoutMs?: number; signal?: AbortSignal } = {}): ReturnType<ReturnType<typeof createExecuteTool>['run']> =>
    createExecuteTool({ client: api, ...(options.defaultTimeoutMs ? { defaultTimeoutMs: options.defaultTimeoutMs } : {}) }).run(input, { signal: options.signal });
  const exited = (output: string, exit_code?: number, extra: Partial<ProcessOutputResponse> = {}): ProcessOutputResponse => ({
    output,
    running: false,
    ...(exit_code === undefined ? {} : { exit_code }),
    ...extra,
  });
  const running = (output: string): ProcessOutputResponse => ({ output, running: true });
  const methods = (): string[] => api.calls.map((call) => `${call.method}${call.wait ? '(wait)' : ''}`);

  describe('tool-level errors', () => {
    it('refuses without a client', async () => {
      expect(await createExecuteTool({ client: undefined }).run({ command: 'true' })).to.deep.equal({
        text: 'workspace connection resolver is not configured',
        isError: true,
      });
    });

    it('passes on the error of a failing resolver, before checking the command', async () => {
      const tool = createExecuteTool({
        client: () => {
          throw new Error('workspace is stopped');
        },
      });
      expect(await tool.run({ command: '' })).to.deep.equal({ text: 'workspace is stopped', isError: true });
    });

    it('refuses an empty or missing command', async () => {
      for (const input of [{ command: '' }, {}, { command: null }, undefined]) {
        expect(await run(input)).to.deep.equal({ text: 'command is required', isError: true });
      }
      expect(api.calls).to.deep.equal([]);
    });

    it('refuses arguments of the wrong type', async () => {
      const response = await run({ command: 'true', run_in_background: 'yes' });
      expect(response.isError).to.equal(true);
      expect(response.text).to.match(/^invalid arguments: run_in_background: /);
    });

    it("refuses a timeout Go's ParseDuration refuses, quoting it as Go does", async () => {
      const cases: [string, string][] = [
        ['5x', 'invalid timeout "5x": time: unknown unit "x" in duration "5x"'],
        ['10', 'invalid timeout "10": time: missing unit in duration "10"'],
        ['', 'invalid timeout "": time: invalid duration ""'],
        ['1 m', 'invalid timeout "1 m": time: unknown unit " m" in duration "1 m"'],
        ['5\n', 'invalid timeout "5\\n": time: unknown unit "\\x0a" in duration "5\\x0a"'],
      ];
      for (const [timeout, text] of cases) expect(await run({ command: 'true', timeout })).to.deep.equal({ text, isError: true });
      expect(api.calls).to.deep.equal([]);
    });
  });

  describe('foreground', () => {
    it('starts with the environment and waits with one blocking call', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(exited('ok\n', 0));
      const response = await run({ command: 'make', workdir: '/src', model_intent: 'Building' });
      expect(withoutDuration(response.text)).to.deep.equal({ success: true, output: 'ok\n', exit_code: 0 });
      expect(api.calls[0]?.request).to.deep.equal({ command: 'make', workdir: '/src', env: EXPECTED_ENV, background: false });
      expect(methods()).to.deep.equal(['startProcess', 'processOutput(wait)']);
    });

    it('sends no workdir when none is given, and reads a missing exit code as 0', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(exited(''));
      expect(withoutDuration((await run({ command: 'true' })).text)).to.deep.equal({ success: true, exit_code: 0 });
      expect(api.calls[0]?.request).not.to.have.property('workdir');
    });

    it('passes the truncation metadata through and cuts output to 32 KiB on a UTF-8 boundary', async () => {
      const truncated = { original_bytes: 100_000, retained_bytes: 40_000, omitted_bytes: 60_000, strategy: 'head_tail' as const };
      api.starts.push({ id: ID, started: true });
      api.outputs.push(exited(`${'x'.repeat(32_767)}é${'y'.repeat(10)}`, 0, { truncated }));
      const result = withoutDuration((await run({ command: 'seq 1 100000' })).text);
      expect(result.output).to.equal('x'.repeat(32_767));
      expect(result.truncated).to.deep.equal(truncated);
    });

    it('reports a failed start with exit code 0 and no note', async () => {
      api.starts.push(new Error('do request: Post "http://agent/start": connect ECONNREFUSED'));
      expect(JSON.parse((await run({ command: 'cat x' })).text)).to.deep.equal({
        success: false,
        exit_code: 0,
        wall_duration_ms: 0,
        error: 'start process: do request: Post "http://agent/start": connect ECONNREFUSED',
      });
    });

    it('appends the shell guidance only to a missing-sh start error', async () => {
      api.starts.push(new Error('POST http://agent/start: unexpected status code 500: Failed to start process.\n\tError: start process: exec: "sh": executable file not found in %PATH%'));
      expect((JSON.parse((await run({ command: 'dir' })).text) as Result).error).to.match(/%PATH%\n\nThe workspace has no POSIX shell/);
    });

    it('recovers transparently when the blocking call fails and the snapshot shows an exit', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(new Error('do request: Get "http://agent/output?wait=true": EOF'), exited('done\n', 2));
      expect(withoutDuration((await run({ command: 'make test' })).text)).to.deep.equal({ success: false, output: 'done\n', exit_code: 2 });
      expect(methods()).to.deep.equal(['startProcess', 'processOutput(wait)', 'processOutput']);
    });

    it('returns the id and the way back when the blocking call fails and the process still runs', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(new Error('do request: Get "http://agent/output?wait=true": EOF'), running('half'));
      expect(withoutDuration((await run({ command: 'make' })).text)).to.deep.equal({
        success: false,
        output: 'half',
        exit_code: -1,
        error: 'get process output: do request: Get "http://agent/output?wait=true": EOF (process still running, use process_output to check later)',
        background_process_id: ID,
      });
    });

    it('names the id and process_output when both the blocking call and the snapshot fail', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(new Error('wait failed'), new Error('snapshot failed'));
      expect(withoutDuration((await run({ command: 'make' })).text)).to.deep.equal({
        success: false,
        exit_code: -1,
        error: `get process output: wait failed; use process_output with ID ${ID} to retry`,
        background_process_id: ID,
      });
    });

    it('times out after the timeout, printed in Go format, with the output so far', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(untilAborted(), running('so far'));
      const started = performance.now();
      const result = withoutDuration((await run({ command: 'make', timeout: '150ms' })).text);
      expect(performance.now() - started).to.be.at.least(140);
      expect(result).to.deep.equal({ success: false, output: 'so far', exit_code: -1, error: 'command timed out after 150ms', background_process_id: ID });
      expect(api.calls[2]?.signal?.aborted).to.equal(false);
    });

    it('uses the configured default timeout', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(untilAborted(), running(''));
      const result = withoutDuration((await run({ command: 'make' }, { defaultTimeoutMs: 100 })).text);
      expect(result.error).to.equal('command timed out after 100ms');
    });

    it('says the snapshot failed after a timeout', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(untilAborted(), new Error('snapshot failed'));
      expect(withoutDuration((await run({ command: 'make', timeout: '50ms' })).text)).to.deep.equal({
        success: false,
        exit_code: -1,
        error: 'command timed out after 50ms; failed to get output: snapshot failed',
        background_process_id: ID,
      });
    });

    it('recovers transparently when the process exited just as the timeout passed', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(untilAborted(), exited('just in time\n', 0));
      expect(withoutDuration((await run({ command: 'make', timeout: '50ms' })).text)).to.deep.equal({ success: true, output: 'just in time\n', exit_code: 0 });
    });

    it('runs the start under the deadline, so a zero timeout never starts anything', async () => {
      api.starts.push((call: ScriptedCall) => Promise.reject(new Error(call.signal?.aborted ? 'context deadline exceeded' : 'not aborted')));
      expect((JSON.parse((await run({ command: 'make', timeout: '0s' })).text) as Result).error).to.equal('start process: context deadline exceeded');
    });

    it('asks again while the server cap is shorter than the timeout, and times out with the last output', async () => {
      api.starts.push({ id: ID, started: true });
      for (let i = 0; i < 50; i += 1) api.outputs.push(running(`poll ${i}`));
      const result = withoutDuration((await run({ command: 'make', timeout: '500ms' })).text);
      expect(result.error).to.equal('command timed out after 500ms');
      expect(result.background_process_id).to.equal(ID);
      // An agent that answers "running" at once is asked at most every MIN_RETRY_INTERVAL_MS.
      const waits = api.calls.filter((call) => call.wait).length;
      expect(waits).to.be.within(1, Math.ceil(500 / MIN_RETRY_INTERVAL_MS) + 1);
      expect(result.output).to.equal(`poll ${waits - 1}`);
    });

    it('returns the exit after a server-capped wait', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(running('a'), exited('ab', 0));
      expect(withoutDuration((await run({ command: 'make' })).text)).to.deep.equal({ success: true, output: 'ab', exit_code: 0 });
    });

    it('gives up the wait when the tool call is cancelled, and says so', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(untilAborted('do request: aborted'), untilAborted('do request: aborted'));
      const controller = new AbortController();
      const running = run({ command: 'make' }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      expect(withoutDuration((await running).text)).to.deep.equal({
        success: false,
        exit_code: -1,
        error: 'command timed out after 10s; failed to get output: do request: aborted',
        background_process_id: ID,
      });
    });

    it('adds the file-dump note even when the command failed', async () => {
      api.starts.push({ id: ID, started: true });
      api.outputs.push(exited('cat: x: No such file\n', 1));
      expect(withoutDuration((await run({ command: 'cat x' })).text).note).to.equal(
        'Consider using read_file instead of dumping file contents with shell commands.',
      );
    });
  });

  describe('background', () => {
    it('starts with background: true and returns the id with no wait and no note', async () => {
      api.starts.push({ id: ID, started: true });
      expect(JSON.parse((await run({ command: 'cat big.log', run_in_background: true })).text)).to.deep.equal({
        success: true,
        exit_code: 0,
        wall_duration_ms: 0,
        background_process_id: ID,
      });
      expect(api.calls[0]?.request).to.deep.equal({ command: 'cat big.log', env: EXPECTED_ENV, background: true });
      expect(methods()).to.deep.equal(['startProcess']);
    });

    it('sends the command unchanged when run_in_background is set, & included', async () => {
      api.starts.push({ id: ID, started: true });
      await run({ command: 'npm run dev &', run_in_background: true });
      expect(api.calls[0]?.request?.command).to.equal('npm run dev &');
    });

    it('promotes a trailing & but not && or |&', async () => {
      const cases: [string, string, boolean][] = [
        ['npm run dev &', 'npm run dev', true],
        ['cmd1 && cmd2 &', 'cmd1 && cmd2', true],
        ['make &&', 'make &&', false],
        ['make |&', 'make |&', false],
      ];
      for (const [command, sent, background] of cases) {
        api.starts.push({ id: ID, started: true });
        if (!background) api.outputs.push(exited('', 2));
        await run({ command });
        expect(api.calls.at(-1 - (background ? 0 : 1))?.request, command).to.include({ command: sent, background });
      }
    });

    it('reports a failed background start, with the shell guidance when sh is missing', async () => {
      api.starts.push(new Error('boom'), new Error('start process: exec: "sh": executable file not found in $PATH'));
      expect((JSON.parse((await run({ command: 'x', run_in_background: true })).text) as Result).error).to.equal('start background process: boom');
      expect((JSON.parse((await run({ command: 'x &' })).text) as Result).error).to.equal(
        `start background process: start process: exec: "sh": executable file not found in $PATH\n\n${SH_NOT_FOUND_GUIDANCE}`,
      );
    });
  });
});
