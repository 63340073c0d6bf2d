import { createServer } from 'node:net';
import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import type { ChatTool } from '../../src/tools/chat-tool.js';
import { useRealAgent } from '../helpers/real-agent.js';

type Result = Record<string, unknown> & {
  success: boolean;
  running: boolean;
  output?: string;
  cursor: number;
  process_id?: string;
  returned_on?: string;
  wall_duration_ms: number;
  waiting_for_input?: { prompt: string };
  listening_ports?: number[];
};

const NODE = JSON.stringify(process.execPath);

/** A TCP port free right now (listen on 0, read it, close). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('execute and process_input return at a prompt; execute wait_for_port (real service)', () => {
  let client: ProcvisorClient;
  let tools: Map<string, ChatTool>;
  const started: string[] = [];
  useRealAgent((agent) => {
    client = agent.client;
    tools = new Map(createChatTools({ client, processInput: true }).map((tool) => [tool.name, tool]));
  });
  afterEach(async () => {
    for (const id of started.splice(0)) await client.signalProcess(id, 'kill').catch(() => undefined);
  });
  async function call(name: string, input: Record<string, unknown>): Promise<Result> {
    const response = await tools.get(name)!.run(input);
    expect(response.isError, response.text).to.equal(false);
    const result = JSON.parse(response.text) as Result;
    if (result.process_id !== undefined && result.running) started.push(result.process_id);
    return result;
  }

  describe('a prompt', () => {
    it('takes two calls: execute returns the prompt, process_input answers and returns at the next prompt, then at the exit', async () => {
      const command = `printf 'Name? '; read name; echo "hello $name"; printf 'Overwrite config? [y/N] '; read answer; echo "answer=$answer"`;
      const asked = await call('execute', { command, stdin: true, timeout: '60s' });
      expect(asked).to.include({ running: true, success: true, returned_on: 'input', output: 'Name? ' });
      expect(asked.waiting_for_input).to.deep.equal({ prompt: 'Name? ' });
      expect(asked.process_id).to.be.a('string');
      expect(asked.note).to.include('process_input');
      // A long quiet: only the next prompt (or the exit) can end this call early.
      const next = await call('process_input', { process_id: asked.process_id, text: 'Ada\n', quiet: '50s', wait_timeout: '60s' });
      expect(next).to.include({ running: true, returned_on: 'input', output: 'hello Ada\nOverwrite config? [y/N] ' });
      expect(next.waiting_for_input).to.deep.equal({ prompt: 'Overwrite config? [y/N] ' });
      expect(next.wall_duration_ms).to.be.below(30_000);
      const done = await call('process_input', { process_id: asked.process_id, text: 'y\n', quiet: '50s', wait_timeout: '60s' });
      expect(done).to.include({ running: false, success: true, exit_code: 0, returned_on: 'exited', output: 'answer=y\n' });
      expect(done).not.to.have.property('waiting_for_input');
    });

    it('returns at a Python input() long before the timeout', async () => {
      const asked = await call('execute', { command: `python3 -c "import time; print('loading', flush=True); time.sleep(0.3); x = input('Password: '); print('got', len(x))"`, stdin: true, timeout: '60s' });
      expect(asked).to.include({ running: true, returned_on: 'input', output: 'loading\nPassword: ' });
      expect(asked.waiting_for_input).to.deep.equal({ prompt: 'Password: ' });
      expect(asked.wall_duration_ms).to.be.below(30_000);
      const done = await call('process_input', { process_id: asked.process_id, text: 'secret\n' });
      expect(done).to.include({ running: false, exit_code: 0, output: 'got 6\n' });
    });

    it('wait_for and the prompt race: the first ends the call', async () => {
      const asked = await call('execute', { command: `printf 'Continue? '; read a; echo "never printed before the answer: ready"`, stdin: true, wait_for: 'ready', timeout: '60s' });
      expect(asked).to.include({ returned_on: 'input', output: 'Continue? ' });
    });

    it('does not report a quiet process that is not reading (sleep with stdin open): it returns at the exit', async () => {
      const result = await call('execute', { command: 'sleep 1.5; echo done', stdin: true, timeout: '60s' });
      expect(result).to.include({ running: false, exit_code: 0, returned_on: 'exited', output: 'done\n' });
      expect(result).not.to.have.property('waiting_for_input');
    });

    it('without stdin a prompt reads end-of-input at once instead of hanging', async () => {
      const result = await call('execute', { command: `printf 'Name? '; read name || echo "no input"`, timeout: '60s', wait_for: 'never' });
      expect(result).to.include({ running: false, exit_code: 0, returned_on: 'exited', output: 'Name? no input\n' });
    });
  });

  describe('wait_for_port', () => {
    it('true returns once the server listens on any port, with the port, and leaves it running', async () => {
      const server = `setTimeout(() => require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log('up')), 300)`;
      const result = await call('execute', { command: `${NODE} -e ${JSON.stringify(server)}`, wait_for_port: true, timeout: '60s' });
      expect(result).to.include({ running: true, success: true, returned_on: 'port' });
      expect(result.listening_ports).to.have.length(1);
      const answer = await fetch(`http://127.0.0.1:${result.listening_ports![0]!}/`);
      expect(await answer.text()).to.equal('ok');
      const list = await client.listProcesses();
      expect(list.processes.find((p) => p.id === result.process_id)?.running).to.equal(true);
    });

    it('N waits for that port, not for another one the group opened first', async () => {
      const port = await freePort();
      const server = `const h = require('http'); h.createServer().listen(0, '127.0.0.1'); setTimeout(() => h.createServer((q, r) => r.end('main')).listen(${port}, '127.0.0.1'), 800)`;
      const result = await call('execute', { command: `${NODE} -e ${JSON.stringify(server)}`, wait_for_port: port, run_in_background: true, timeout: '60s' });
      expect(result).to.include({ running: true, returned_on: 'port' });
      expect(result.listening_ports).to.include(port);
      expect(result.listening_ports).to.have.length(2);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).to.equal('main');
    });

    it('returns at the exit of a server that fails before listening', async () => {
      const result = await call('execute', { command: `echo 'Error: EADDRINUSE' >&2; exit 1`, wait_for_port: true, timeout: '60s' });
      expect(result).to.include({ running: false, success: false, exit_code: 1, returned_on: 'exited', output: 'Error: EADDRINUSE\n' });
      expect(result).not.to.have.property('listening_ports');
    });

    it('refuses a value that is not a port or true, naming the argument', async () => {
      for (const bad of [0, 65_536, 80.5, 'yes']) {
        const response = await tools.get('execute')!.run({ command: 'true', wait_for_port: bad });
        expect(response.isError, String(bad)).to.equal(true);
        expect(response.text).to.match(/^invalid arguments: .*wait_for_port/);
      }
    });

    it('false means not waiting: the reference result shape', async () => {
      const response = await tools.get('execute')!.run({ command: 'echo hi', wait_for_port: false });
      expect(Object.keys(JSON.parse(response.text) as object)).to.deep.equal(['success', 'output', 'exit_code', 'wall_duration_ms']);
    });
  });
});

describe('execute with stdin on a service that cannot watch for input', () => {
  let tools: Map<string, ChatTool>;
  useRealAgent(
    (agent) => {
      tools = new Map(createChatTools({ client: agent.client, processInput: true }).map((tool) => [tool.name, tool]));
    },
    { processWatch: false },
  );

  it('still returns at the exit (the input wait answers 501, the exit wait goes on)', async () => {
    const response = await tools.get('execute')!.run({ command: 'sleep 0.3; echo done', stdin: true, timeout: '30s' });
    expect(JSON.parse(response.text)).to.include({ running: false, exit_code: 0, returned_on: 'exited', output: 'done\n' });
  });
});
