import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { expect } from 'chai';
import { createMcpServer } from '../../src/mcp/mcp-server.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import { createLogSink } from '../helpers/log-sink.js';
import { ScriptedApi, untilAborted } from '../helpers/scripted-api.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('createMcpServer', () => {
  let api: ScriptedApi;
  let client: Client;
  let shutdown: AbortController;
  const sink = createLogSink();
  beforeEach(async () => {
    api = new ScriptedApi();
    shutdown = new AbortController();
    const server = createMcpServer({ tools: createChatTools({ client: api }), version: '0.0.0-test', log: sink.log, signal: shutdown.signal });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'spec', version: '0.0.0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  });
  afterEach(async () => {
    await client.close();
  });

  it('introduces itself as procvisor with tools', () => {
    expect(client.getServerVersion()).to.deep.include({ name: 'procvisor', version: '0.0.0-test' });
    expect(client.getServerCapabilities()?.tools).to.deep.equal({});
    expect(client.getInstructions()).to.include('execute');
  });

  it('lists the four tools with their JSON schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).to.deep.equal(['execute', 'process_output', 'process_list', 'process_signal']);
    const execute = tools[0];
    expect(execute?.description).to.include('Runs under "sh -c" (POSIX)');
    expect(execute?.inputSchema).to.deep.include({ type: 'object', required: ['command'] });
    expect(Object.keys(execute?.inputSchema.properties ?? {})).to.deep.equal([
      'command',
      'model_intent',
      'timeout',
      'workdir',
      'run_in_background',
      'wait_for',
      'wait_for_port',
      'lifetime',
      'stdin',
      'idempotency_key',
    ]);
  });

  it('gives each tool hints and an output schema', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('execute')?.annotations).to.deep.include({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    expect(byName.get('process_output')?.annotations).to.deep.include({ readOnlyHint: true, idempotentHint: true });
    expect(byName.get('process_list')?.annotations).to.deep.include({ readOnlyHint: true, idempotentHint: true });
    expect(byName.get('process_signal')?.annotations).to.deep.include({ destructiveHint: true, idempotentHint: true });
    for (const tool of tools) expect(tool.outputSchema, tool.name).to.deep.include({ type: 'object' });
  });

  it('runs a tool and answers with its fields as structured content and its output once, as plain text', async () => {
    api.starts.push({ id: 'p1', started: true });
    api.outputs.push({ output: 'hi "there"\n', running: false, exit_code: 0 });
    const result = await client.callTool({ name: 'execute', arguments: { command: 'echo hi' } });
    expect(result.isError).to.equal(false);
    const content = result.content as { type: string; text: string }[];
    expect(content).to.have.lengthOf(2);
    expect(JSON.parse(content[0]?.text ?? '')).to.deep.include({ success: true, exit_code: 0, output_bytes: 11 });
    expect(content[1]).to.deep.equal({ type: 'text', text: 'hi "there"\n' });
    expect(result.structuredContent).to.deep.include({ success: true, exit_code: 0, output_bytes: 11 });
  });

  it('sends 33 KB of output as about 33 KB on the wire, not escaped twice', async () => {
    api.starts.push({ id: 'p1', started: true });
    api.outputs.push({ output: 'line "quoted"\tand\\slashes\n'.repeat(1200), running: false, exit_code: 0 });
    const wire: string[] = [];
    const result = await client.callTool({ name: 'execute', arguments: { command: 'x' } });
    wire.push(JSON.stringify(result));
    const outputBytes = Buffer.byteLength((result.content as { text: string }[])[1]?.text ?? '');
    // The output is escaped once (by JSON-RPC): quotes, tabs and backslashes add a byte each.
    expect(Buffer.byteLength(wire[0] ?? '')).to.be.below(outputBytes * 1.3);
  });

  it('sends progress notifications while a call waits, when the host gave a progress token', async () => {
    api.starts.push({ id: 'p1', started: true });
    api.outputs.push(untilAborted());
    const progress: number[] = [];
    const controller = new AbortController();
    const call = client.callTool({ name: 'execute', arguments: { command: 'sleep 5' } }, undefined, {
      onprogress: (event) => progress.push(event.progress),
      signal: controller.signal,
      timeout: 20_000,
    });
    await waitUntil(() => progress.length >= 1, 'a progress notification', 10_000);
    controller.abort();
    await call.catch(() => undefined);
    expect(progress[0]).to.equal(1);
  });

  it('marks tool-level errors with isError', async () => {
    const result = await client.callTool({ name: 'process_signal', arguments: { process_id: 'p1', signal: 'hup' } });
    expect(result).to.deep.include({ isError: true, content: [{ type: 'text', text: 'signal must be "terminate" or "kill"' }] });
  });

  it('answers an unknown tool with a protocol error', async () => {
    let failure: unknown;
    try {
      await client.callTool({ name: 'rm_rf', arguments: {} });
    } catch (error) {
      failure = error;
    }
    expect((failure as Error | undefined)?.message).to.include('Unknown tool "rm_rf".');
  });

  it("aborts the tool call when the host cancels it", async () => {
    api.outputs.push(untilAborted(), untilAborted());
    const controller = new AbortController();
    const call = client.callTool({ name: 'process_output', arguments: { process_id: 'p1', wait_timeout: '1h' } }, undefined, { signal: controller.signal });
    await waitUntil(() => api.calls.length === 1, 'the blocking call');
    controller.abort();
    let failure: unknown;
    try {
      await call;
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error);
    await waitUntil(() => api.calls[0]?.signal?.aborted, 'the tool call to be aborted');
  });

  it('aborts every tool call in flight at shutdown', async () => {
    api.outputs.push(untilAborted('cancelled'));
    const call = client.callTool({ name: 'process_output', arguments: { process_id: 'p1', wait_timeout: '1h' } });
    await waitUntil(() => api.calls.length === 1, 'the blocking call');
    shutdown.abort();
    const result = await call;
    expect(result.content).to.deep.equal([{ type: 'text', text: '{"success":false,"exit_code":0,"wall_duration_ms":0,"error":"get process output: cancelled"}' }]);
  });
});
