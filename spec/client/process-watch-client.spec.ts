import { expect } from 'chai';
import type { ProcessEvent } from '../../src/client/process-api.js';
import { ClientError, type ProcvisorClient } from '../../src/client/procvisor-client.js';
import { useRealAgent } from '../helpers/real-agent.js';

describe('ProcvisorClient: waits on input and ports, and the events stream', () => {
  let client: ProcvisorClient;
  useRealAgent((agent) => (client = agent.client), { inputSettleMs: 150, portScanMs: 100 });

  it('waitForProcess({kind: "input"}) returns with the prompt; sendInput answers it', async () => {
    const { id } = await client.startProcess({ command: 'printf "Overwrite? [y/N] "; read a; echo "got $a"', stdin: true });
    const waited = await client.waitForProcess(id, { kind: 'input' }, { timeoutMs: 10_000 });
    expect(waited.wait_result).to.equal('input');
    expect(waited.waiting_for_input?.prompt).to.equal('Overwrite? [y/N] ');
    expect((await client.listProcesses()).processes.find((p) => p.id === id)?.waiting_for_input?.prompt).to.equal('Overwrite? [y/N] ');
    await client.sendInput(id, { text: 'y\n' });
    const done = await client.waitForProcess(id, { kind: 'exit' });
    expect(done.wait_result).to.equal('exited');
    expect(done.output).to.contain('got y');
  });

  it('waitForProcess({kind: "port"}) and ({kind: "http"}) return when a real server is ready', async () => {
    const { id } = await client.startProcess({ command: `exec ${JSON.stringify(process.execPath)} -e "require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1')"` });
    const listening = await client.waitForProcess(id, { kind: 'port' }, { timeoutMs: 10_000 });
    expect(listening.wait_result).to.equal('port');
    const [port] = listening.listening_ports ?? [];
    expect(port).to.be.a('number');
    const ready = await client.waitForProcess(id, { kind: 'http', port: port ?? 0, path: '/health', status: '200-299' }, { timeoutMs: 10_000 });
    expect(ready).to.deep.include({ wait_result: 'http', http_status: 200 });
    await client.signalProcess(id, 'kill');
  });

  it('rejects an input wait on a process without stdin with a 409 STDIN_NOT_OPEN ClientError', async () => {
    const { id } = await client.startProcess({ command: 'sleep 30' });
    try {
      const error = await client.waitForProcess(id, { kind: 'input' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ClientError);
      expect((error as ClientError).status).to.equal(409);
      expect((error as ClientError).response?.code).to.equal('STDIN_NOT_OPEN');
    } finally {
      await client.signalProcess(id, 'kill');
    }
  });

  it('processEvents() yields the start and the exit with its last lines, and resumes after a seq', async () => {
    const abort = new AbortController();
    const events = client.processEvents({ after: 0, signal: abort.signal });
    const { id } = await client.startProcess({ command: 'echo one; echo two; exit 4' });
    const seen: ProcessEvent[] = [];
    for await (const event of events) {
      if ('id' in event && event.id === id) seen.push(event);
      if (event.event === 'exited' && event.id === id) break;
    }
    expect(seen.map((event) => event.event)).to.deep.equal(['started', 'exited']);
    expect(seen[1]).to.deep.include({ exit_code: 4, exit_reason: 'exited', last_lines: ['one', 'two'] });
    const resumed = client.processEvents({ after: seen[0]?.seq ?? 0 });
    for await (const event of resumed) {
      if ('id' in event && event.id === id) {
        expect(event.event).to.equal('exited');
        break;
      }
    }
  });
});
