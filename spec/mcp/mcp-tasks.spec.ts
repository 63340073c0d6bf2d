import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createMcpServer } from '../../src/mcp/mcp-server.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import { createLogSink } from '../helpers/log-sink.js';
import { useRealAgent } from '../helpers/real-agent.js';

type Fields = Record<string, unknown> & { process_id?: string; cursor?: number; running?: boolean };
interface Answer {
  fields: Fields;
  output: string;
  /** Bytes of text content the model reads. */
  bytes: number;
}

const NODE = JSON.stringify(process.execPath);

describe('the six agent tasks through the MCP server (real service, real processes)', () => {
  let agent: ProcvisorClient;
  let mcp: Client;
  useRealAgent((real) => (agent = real.client));
  beforeEach(async () => {
    const server = createMcpServer({ tools: createChatTools({ client: agent, processInput: true }), version: 'spec', log: createLogSink('silent').log });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    mcp = new Client({ name: 'spec', version: '0' });
    await Promise.all([server.connect(serverSide), mcp.connect(clientSide)]);
  });
  afterEach(async () => {
    await mcp.close();
    for (const entry of (await agent.listProcesses()).processes) if (entry.running) await agent.signalProcess(entry.id, 'kill');
  });

  async function call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Answer> {
    const result = await mcp.callTool({ name, arguments: args }, undefined, signal ? { signal } : {});
    expect(result.isError, JSON.stringify(result.content)).to.equal(false);
    const blocks = result.content as { text: string }[];
    return {
      fields: result.structuredContent as Fields,
      output: blocks[1]?.text ?? '',
      bytes: blocks.reduce((sum, block) => sum + Buffer.byteLength(block.text), 0),
    };
  }

  it('dev server: one call that returns at readiness', async () => {
    const { fields, output } = await call('execute', { command: 'echo vite; sleep 0.5; echo "ready on :5173"; sleep 30', wait_for: 'ready on :\\d+', timeout: '20s', lifetime: '1m' });
    expect(fields).to.include({ running: true, returned_on: 'match' });
    expect(output).to.equal('vite\nready on :5173\n');
  });

  it('interactive prompt: answered in two calls, run once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-mcp-prompt-'));
    const prompt = await call('execute', { command: `echo run >> ${dir}/runs; printf 'Proceed? [y/N] '; read a; [ "$a" = y ] && echo applied`, stdin: true, wait_for: 'Proceed\\?' });
    const reply = await call('process_input', { process_id: prompt.fields.process_id, text: 'y\n', wait_for: '^applied$' });
    expect(reply.output).to.equal('applied\n');
    expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
  });

  it('interactive prompt without knowing its text: execute returns waiting_for_input, process_input answers (schema-checked)', async () => {
    // listTools first: the SDK client then checks each structured result against the output schema.
    await mcp.listTools();
    const prompt = await call('execute', { command: `printf 'Proceed? [y/N] '; read a; [ "$a" = y ] && echo applied`, stdin: true, timeout: '60s' });
    expect(prompt.fields).to.deep.include({ running: true, returned_on: 'input', waiting_for_input: { prompt: 'Proceed? [y/N] ' } });
    const reply = await call('process_input', { process_id: prompt.fields.process_id, text: 'y\n' });
    expect(reply.fields).to.include({ running: false, exit_code: 0 });
    expect(reply.output).to.equal('applied\n');
  });

  it('dev server by port: one call that returns when it listens, with the port (schema-checked)', async () => {
    await mcp.listTools();
    const server = `setTimeout(() => require('http').createServer((q, r) => r.end('hi')).listen(0, '127.0.0.1'), 300)`;
    const { fields } = await call('execute', { command: `${NODE} -e ${JSON.stringify(server)}`, wait_for_port: true, timeout: '30s', lifetime: '1m' });
    expect(fields).to.include({ running: true, returned_on: 'port' });
    const port = (fields.listening_ports as number[])[0]!;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).to.equal('hi');
  });

  it('build log: the error line and the exit code in two calls, under 4 KB', async () => {
    const script = `let s='';for(let i=1;i<=300000;i++){s+=(i===150000?'x.c:1: error: boom':'CC unit'+i+'.o -O2')+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s+'make: *** Error 2\\n',()=>process.exit(2))`;
    const started = await call('execute', { command: `${NODE} -e "${script}"`, run_in_background: true, lifetime: '2m' });
    const grep = await call('process_output', { process_id: started.fields.process_id, grep: 'error:', wait_timeout: '60s' });
    expect(grep.output).to.include('150000: x.c:1: error: boom');
    expect(grep.fields).to.include({ exit_code: 2, running: false });
    expect(started.bytes + grep.bytes).to.be.below(4096);
  });

  it('progress: each check returns only the new bytes', async () => {
    const started = await call('execute', { command: 'for i in 1 2 3 4; do echo "ok $i"; sleep 0.2; done', run_in_background: true });
    let cursor = 0;
    let seen = '';
    for (let i = 0; i < 50; i += 1) {
      const check = await call('process_output', { process_id: started.fields.background_process_id, since: cursor, wait_timeout: '300ms' });
      seen += check.output;
      cursor = check.fields.cursor ?? cursor;
      if (check.fields.running === false) break;
    }
    expect(seen).to.equal('ok 1\nok 2\nok 3\nok 4\n');
    expect(cursor).to.equal(20);
  });

  it('dropped tool call: the retry attaches, the command runs once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-mcp-retry-'));
    const args = { command: `sleep 0.6; echo run >> ${dir}/runs; echo migrated`, idempotency_key: 'migrate-1' };
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await call('execute', args, abort.signal).then(
      () => expect.fail('the first call should have been dropped'),
      () => undefined,
    );
    const retry = await call('execute', args);
    expect(retry.fields).to.include({ attached: true, exit_code: 0 });
    expect(retry.output).to.equal('migrated\n');
    expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
  });

  it('runaway command: ends by itself within its lifetime, in one call', async () => {
    const { fields } = await call('execute', { command: 'while true; do echo tick; sleep 0.1; done', lifetime: '700ms', timeout: '20s' });
    expect(fields).to.include({ running: false, exit_signal: 'SIGTERM', returned_on: 'exited' });
  });
});
