import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createProcessOutputTool } from '../../src/tools/process-output-tool.js';
import { ScriptedApi, untilAborted } from '../helpers/scripted-api.js';
import { useRealAgent } from '../helpers/real-agent.js';
import type { TestService } from '../helpers/test-service.js';

const ID = '0b6f2a7e-1c1d-4e0b-9a52-3c6a4a3f9d11';

describe('process_output tool against the real service', () => {
  let service: TestService;
  let client: ProcvisorClient;
  const output = (input: unknown): ReturnType<ReturnType<typeof createProcessOutputTool>['run']> => createProcessOutputTool({ client }).run(input);
  useRealAgent((agent) => ({ service, client } = agent));

  it('blocks until the process exits and returns its output', async () => {
    const { id } = await client.startProcess({ command: 'sleep 0.3; echo "a<b"; exit 4', background: true });
    expect(await output({ process_id: id })).to.deep.equal({
      text: '{"success":false,"output":"a\\u003cb\\n","exit_code":4,"wall_duration_ms":0}',
      isError: false,
    });
  });

  it('says a process still running at the wait timeout is still running', async () => {
    const { id } = await client.startProcess({ command: 'echo so far; sleep 30', background: true });
    const started = performance.now();
    const response = await output({ process_id: id, wait_timeout: '300ms' });
    expect(performance.now() - started).to.be.at.least(290);
    expect(JSON.parse(response.text)).to.deep.equal({ success: true, output: 'so far\n', exit_code: 0, wall_duration_ms: 0, note: 'process is still running' });
    await client.signalProcess(id, 'kill');
  });

  it('returns a snapshot at once for 0s', async () => {
    const { id } = await client.startProcess({ command: 'sleep 30', background: true });
    const started = performance.now();
    expect(JSON.parse((await output({ process_id: id, wait_timeout: '0s' })).text)).to.include({ success: true, note: 'process is still running' });
    // Well under the 10 s default wait: it did not block.
    expect(performance.now() - started).to.be.below(8000);
    await client.signalProcess(id, 'kill');
  });

  it('reports an unknown process with the error of the snapshot', async () => {
    expect(JSON.parse((await output({ process_id: 'nope' })).text)).to.deep.equal({
      success: false,
      exit_code: 0,
      wall_duration_ms: 0,
      error: `get process output: GET ${service.url}/api/v0/processes/nope/output: unexpected status code 404: Process "nope" not found.`,
    });
  });
});

describe('process_output tool with a scripted agent', () => {
  let api: ScriptedApi;
  beforeEach(() => {
    api = new ScriptedApi();
  });
  const run = (input: unknown, signal?: AbortSignal): ReturnType<ReturnType<typeof createProcessOutputTool>['run']> =>
    createProcessOutputTool({ client: api }).run(input, { signal });

  it('refuses without a client, before looking at the id', async () => {
    expect(await createProcessOutputTool({ client: undefined }).run({})).to.deep.equal({ text: 'workspace connection resolver is not configured', isError: true });
  });

  it('refuses an empty id before resolving the client', async () => {
    let resolved = false;
    const tool = createProcessOutputTool({
      client: () => {
        resolved = true;
        return api;
      },
    });
    expect(await tool.run({ process_id: '' })).to.deep.equal({ text: 'process_id is required', isError: true });
    expect(resolved).to.equal(false);
  });

  it('passes on the error of a failing resolver', async () => {
    const tool = createProcessOutputTool({ client: () => Promise.reject(new Error('agent unreachable')) });
    expect(await tool.run({ process_id: ID })).to.deep.equal({ text: 'agent unreachable', isError: true });
  });

  it('refuses a bad wait_timeout', async () => {
    expect(await run({ process_id: ID, wait_timeout: '10' })).to.deep.equal({
      text: 'invalid wait_timeout "10": time: missing unit in duration "10"',
      isError: true,
    });
  });

  it('blocks by default, and takes a snapshot without waiting for 0s or less', async () => {
    api.outputs.push({ output: '', running: false, exit_code: 0 }, { output: '', running: false, exit_code: 0 }, { output: '', running: false, exit_code: 0 });
    await run({ process_id: ID });
    await run({ process_id: ID, wait_timeout: '0s' });
    await run({ process_id: ID, wait_timeout: '-1s' });
    expect(api.calls.map((call) => call.wait)).to.deep.equal([true, false, false]);
  });

  it('falls back to a snapshot when the blocking call fails', async () => {
    api.outputs.push(new Error('EOF'), { output: 'x', running: false, exit_code: 1 });
    expect(JSON.parse((await run({ process_id: ID })).text)).to.deep.equal({ success: false, output: 'x', exit_code: 1, wall_duration_ms: 0 });
    expect(api.calls.map((call) => call.wait)).to.deep.equal([true, false]);
  });

  it('falls back to a snapshot when the wait timeout cuts the blocking call', async () => {
    api.outputs.push(untilAborted(), { output: 'still', running: true });
    expect(JSON.parse((await run({ process_id: ID, wait_timeout: '50ms' })).text)).to.deep.equal({
      success: true,
      output: 'still',
      exit_code: 0,
      wall_duration_ms: 0,
      note: 'process is still running',
    });
  });

  it('reports the snapshot error when both calls fail', async () => {
    api.outputs.push(new Error('first'), new Error('second'));
    expect(JSON.parse((await run({ process_id: ID })).text)).to.deep.equal({ success: false, exit_code: 0, wall_duration_ms: 0, error: 'get process output: second' });
  });

  it('skips the snapshot when the tool call itself was cancelled', async () => {
    api.outputs.push(untilAborted('cancelled'));
    const controller = new AbortController();
    const pending = run({ process_id: ID }, controller.signal);
    controller.abort();
    expect(JSON.parse((await pending).text)).to.deep.equal({ success: false, exit_code: 0, wall_duration_ms: 0, error: 'get process output: cancelled' });
    expect(api.calls).to.have.lengthOf(1);
  });

  it('cuts the output to 32 KiB on a UTF-8 boundary and passes truncation through', async () => {
    const truncated = { original_bytes: 50_000, retained_bytes: 33_000, omitted_bytes: 17_000, strategy: 'head_tail' as const };
    api.outputs.push({ output: `${'x'.repeat(32_766)}😀`, running: false, exit_code: 0, truncated });
    const result = JSON.parse((await run({ process_id: ID })).text) as { output: string; truncated: unknown };
    expect(result.output).to.equal('x'.repeat(32_766));
    expect(result.truncated).to.deep.equal(truncated);
  });
});
