import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import type { ChatTool } from '../../src/tools/chat-tool.js';
import { useRealAgent } from '../helpers/real-agent.js';

type Result = Record<string, unknown> & { success: boolean; running: boolean; output?: string; cursor: number; process_id?: string };

const NODE = JSON.stringify(process.execPath);

describe('procvisor tool arguments against the real service', () => {
  let client: ProcvisorClient;
  let tools: Map<string, ChatTool>;
  useRealAgent(
    (agent) => {
      client = agent.client;
      tools = new Map(createChatTools({ client, processInput: true }).map((tool) => [tool.name, tool]));
    },
    { streamWindowBytes: 65_536, exitedStreamBytes: 65_536 },
  );
  async function call(name: string, input: Record<string, unknown>): Promise<Result> {
    const response = await tools.get(name)!.run(input);
    expect(response.isError, response.text).to.equal(false);
    return JSON.parse(response.text) as Result;
  }

  describe('execute', () => {
    it('wait_for returns at readiness while the server keeps running', async () => {
      const started = performance.now();
      const result = await call('execute', { command: 'echo booting; sleep 0.5; echo "ready on :5173"; sleep 30', wait_for: 'ready on :\\d+', timeout: '20s' });
      expect(performance.now() - started).to.be.below(10_000);
      expect(result).to.include({ success: true, running: true, returned_on: 'match', output: 'booting\nready on :5173\n' });
      expect(result.match).to.deep.equal({ text: 'ready on :5173', offset: 8 });
      expect(result.cursor).to.equal(23);
      const list = await client.listProcesses();
      expect(list.processes.find((p) => p.id === result.process_id)?.running).to.equal(true);
      await client.signalProcess(result.process_id!, 'kill');
    });

    it('lifetime ends a runaway command by itself, in one call', async () => {
      const result = await call('execute', { command: 'echo start; sleep 30', lifetime: '500ms', timeout: '20s' });
      expect(result).to.include({ success: false, running: false, exit_code: -1, exit_signal: 'SIGTERM', returned_on: 'exited', output: 'start\n' });
      expect(result.wall_duration_ms).to.be.below(10_000);
    });

    it('stdin keeps input open for process_input, which answers a prompt and returns only what followed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-prompt-'));
      const prompt = await call('execute', {
        command: `echo run >> ${dir}/runs; printf 'Proceed? [y/N] '; read answer; echo "answer=$answer"; echo done`,
        stdin: true,
        wait_for: 'Proceed\\? \\[y/N\\]',
      });
      expect(prompt).to.include({ running: true, returned_on: 'match', output: 'Proceed? [y/N] ' });
      const reply = await call('process_input', { process_id: prompt.process_id, text: 'y\n', wait_for: '^done$' });
      expect(reply).to.include({ output: 'answer=y\ndone\n', returned_on: 'match' });
      const exit = await call('process_output', { process_id: prompt.process_id, since: reply.cursor });
      expect(exit).to.include({ success: true, running: false, exit_code: 0 });
      expect(exit).not.to.have.property('output');
      expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
    });

    it('idempotency_key makes a retried call attach instead of running twice', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-retry-'));
      const input = { command: `echo run >> ${dir}/runs; echo ok`, idempotency_key: 'call-1' };
      const first = await call('execute', input);
      const retry = await call('execute', input);
      expect(retry.process_id).to.equal(first.process_id);
      expect(retry).to.include({ attached: true, success: true, exit_code: 0, output: 'ok\n' });
      expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
    });

    it('a host call id makes a retried reference-shaped call attach, with the reference result', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-callid-'));
      const input = { command: `echo run >> ${dir}/runs; sleep 0.2`, run_in_background: true };
      const first = JSON.parse((await tools.get('execute')!.run(input, { callId: 'toolu_01' })).text) as Record<string, unknown>;
      const retry = JSON.parse((await tools.get('execute')!.run(input, { callId: 'toolu_01' })).text) as Record<string, unknown>;
      expect(Object.keys(first)).to.deep.equal(['success', 'exit_code', 'wall_duration_ms', 'background_process_id']);
      expect(retry.background_process_id).to.equal(first.background_process_id);
      await client.processOutput(first.background_process_id as string, { wait: true });
      expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
    });

    it('keeps the first and the last lines when the output is over 32 KiB, and says how much it left out', async () => {
      const result = await call('execute', { command: 'seq 1 100000; echo "BUILD FAILED"; exit 2', lifetime: '1m', timeout: '20s' });
      expect(result).to.include({ success: false, exit_code: 2 });
      expect(result.output).to.match(/^1\n2\n/);
      expect(result.output).to.match(/\n100000\nBUILD FAILED\n$/);
      expect(Buffer.byteLength(result.output!)).to.be.at.most(33 * 1024);
      expect(result.omitted_bytes).to.be.above(500_000);
      expect(result.cursor).to.equal(588_895 + 'BUILD FAILED\n'.length);
    });

    it('refuses a bad lifetime as a tool error', async () => {
      const response = await tools.get('execute')!.run({ command: 'true', lifetime: 'soon' });
      expect(response.isError).to.equal(true);
      expect(response.text).to.match(/^invalid lifetime "soon"/);
    });
  });

  describe('process_output', () => {
    it('since returns only the output after the cursor (progress checks repeat nothing)', async () => {
      const started = await call('execute', { command: 'for i in 1 2 3; do echo "test $i ok"; sleep 0.3; done; echo "3 passed"', run_in_background: true, stdin: false, lifetime: '1m' });
      const first = await call('process_output', { process_id: started.process_id, since: 0, wait_for: 'test 2 ok' });
      expect(first.output).to.equal('test 1 ok\ntest 2 ok\n');
      const rest = await call('process_output', { process_id: started.process_id, since: first.cursor });
      expect(rest).to.include({ output: 'test 3 ok\n3 passed\n', running: false, exit_code: 0 });
    });

    it('grep finds one error line in a multi-megabyte log, with the exit code, in a small answer', async () => {
      const script = `let s='';for(let i=1;i<=200000;i++){s+=(i===100000?'src/a.c:12: error: expected ;':'CC unit'+i+'.o')+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s+'make: *** [all] Error 1\\n');process.exitCode=2`;
      const build = await call('execute', { command: `${NODE} -e "${script}"`, run_in_background: true, lifetime: '2m' });
      const finished = await call('process_output', { process_id: build.process_id, since: 0, wait_for: 'make: \\*\\*\\*', wait_timeout: '30s' });
      expect(finished.output).to.match(/make: \*\*\* \[all\] Error 1\n$/);
      const response = await tools.get('process_output')!.run({ process_id: build.process_id, grep: 'error:' });
      expect(response.text.length).to.be.below(4096);
      const grep = JSON.parse(response.text) as Result;
      expect(grep).to.include({ running: false, exit_code: 2, success: false });
      expect(grep.output).to.equal('99998- CC unit99998.o\n99999- CC unit99999.o\n100000: src/a.c:12: error: expected ;\n100001- CC unit100001.o\n100002- CC unit100002.o\n');
      expect(grep.grep).to.deep.equal({ matches: 1, more: false });
      // Then the lines around it, by number, from the same multi-megabyte output.
      const around = await call('process_output', { process_id: build.process_id, lines: '99999-100001' });
      expect(around).to.include({ running: false, exit_code: 2, success: false });
      expect(around.output).to.equal('99999: CC unit99999.o\n100000: src/a.c:12: error: expected ;\n100001: CC unit100001.o\n');
      expect(around.lines).to.deep.equal({ first: 99_999, last: 100_001, more: false });
      const past = await call('process_output', { process_id: build.process_id, lines: '300000-300010' });
      expect(past).to.include({ note: 'the output has fewer lines' });
      expect(past.output).to.equal(undefined);
    });

    it('refuses a line range it cannot read, before calling the service', async () => {
      const tool = tools.get('process_output')!;
      expect(await tool.run({ process_id: 'x', lines: '9-3' })).to.deep.equal({ text: 'invalid lines "9-3": LAST is before FIRST', isError: true });
      expect(await tool.run({ process_id: 'x', lines: '1-3', grep: 'a' })).to.deep.equal({ text: 'lines reads by line number: give it without since, grep or wait_for', isError: true });
      const malformed = await tool.run({ process_id: 'x', lines: 'the end' });
      expect(malformed.isError).to.equal(true);
      expect(malformed.text).to.contain('FIRST-LAST');
    });
  });

  describe('process_input', () => {
    it('sends end-of-input and returns the reply once it went quiet', async () => {
      const started = await call('execute', { command: 'sort', stdin: true, run_in_background: true });
      const reply = await call('process_input', { process_id: started.process_id, text: 'b\na\n', eof: true });
      expect(reply).to.include({ output: 'a\nb\n' });
    });

    it('refuses a call with nothing to send', async () => {
      const response = await tools.get('process_input')!.run({ process_id: 'x' });
      expect(response).to.deep.equal({ text: 'nothing to send: give text and/or eof=true', isError: true });
    });
  });
});
