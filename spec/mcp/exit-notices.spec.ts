import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createMcpServer } from '../../src/mcp/mcp-server.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import { createLogSink } from '../helpers/log-sink.js';
import { useRealAgent } from '../helpers/real-agent.js';
import { waitUntil } from '../helpers/wait-until.js';

type Notice = LoggingMessageNotification['params'];

describe('MCP exit notifications (SDK client, real service, real processes)', () => {
  let agent: ProcvisorClient;
  let mcp: Client;
  let stop: AbortController;
  let notices: Notice[];
  useRealAgent((real) => (agent = real.client));
  beforeEach(async () => {
    stop = new AbortController();
    notices = [];
    const events = agent.processEvents({ after: 0, signal: stop.signal });
    const server = createMcpServer({ tools: createChatTools({ client: agent, processInput: true }), version: 'spec', log: createLogSink('silent').log, events });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    mcp = new Client({ name: 'spec', version: '0' });
    mcp.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      notices.push(notification.params);
    });
    await Promise.all([server.connect(serverSide), mcp.connect(clientSide)]);
  });
  afterEach(async () => {
    stop.abort();
    await mcp.close();
    for (const entry of (await agent.listProcesses()).processes) if (entry.running) await agent.signalProcess(entry.id, 'kill');
  });
  async function call(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await mcp.callTool({ name: 'execute', arguments: args });
    expect(result.isError).to.equal(false);
    return result.structuredContent as Record<string, unknown>;
  }

  it('declares the logging capability', () => {
    expect(mcp.getServerCapabilities()?.logging).to.deep.equal({});
  });

  it('tells the client when a background process ends: exit code, reason and last lines', async () => {
    const started = await call({ command: 'echo building; sleep 0.5; echo "error: link failed" >&2; exit 3', run_in_background: true });
    const id = started.background_process_id as string;
    await waitUntil(() => notices.length > 0, 'an exit notification', 20_000);
    expect(notices).to.have.length(1);
    expect(notices[0]).to.deep.include({ level: 'warning', logger: 'procvisor' });
    expect(notices[0]!.data).to.deep.include({ event: 'process_exited', process_id: id, exit_code: 3, exit_reason: 'exited', last_lines: ['building', 'error: link failed'] });
    expect((notices[0]!.data as { message: string }).message).to.match(new RegExp(`^background process ${id} exited with code 3 \\(exited\\) after \\d+(\\.\\d)? s`));
  });

  it('tells about a server left running by wait_for_port once it is killed, at info level for exit 0', async () => {
    const server = `const s = require('http').createServer().listen(0, '127.0.0.1'); process.on('SIGTERM', () => { console.log('bye'); s.close(); })`;
    const ready = await call({ command: `exec ${JSON.stringify(process.execPath)} -e ${JSON.stringify(server)}`, wait_for_port: true, timeout: '30s' });
    expect(ready).to.include({ running: true, returned_on: 'port' });
    expect(notices).to.have.length(0);
    await agent.signalProcess(ready.process_id as string, 'terminate');
    await waitUntil(() => notices.length > 0, 'an exit notification', 20_000);
    expect(notices[0]).to.deep.include({ level: 'info' });
    expect(notices[0]!.data).to.deep.include({ process_id: ready.process_id, exit_code: 0, last_lines: ['bye'] });
  });

  it('says nothing about a process whose end the call itself reported, or that no call started', async () => {
    const done = await call({ command: 'echo quick' });
    expect(done.exit_code).to.equal(0);
    const other = await agent.startProcess({ command: 'exit 1', background: true });
    await agent.processOutput(other.id, { wait: true });
    const marker = await call({ command: 'sleep 0.2; echo marker', run_in_background: true });
    await waitUntil(() => notices.length > 0, 'an exit notification', 20_000);
    expect(notices.map((n) => (n.data as { process_id: string }).process_id)).to.deep.equal([marker.background_process_id]);
  });
});
