import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { SPEC_RUN_ENV, pgrepOwn } from '../helpers/own-processes.js';

const BIN = fileURLToPath(new URL('../../bin/procvisor.js', import.meta.url));
// The real bin, running the TypeScript source (its `#cli` import under this condition), not dist/.
const SOURCE = ['--conditions=procvisor-source', '--import', 'tsx'];

interface Running {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  /** Transport errors, e.g. a stdout line that is not a JSON-RPC message. */
  errors: Error[];
}

/** Launches `procvisor mcp <args>` as an MCP host would, and connects the SDK's client to it. */
async function launch(args: string[]): Promise<Running> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...SOURCE, BIN, 'mcp', ...args], stderr: 'pipe', env: { LOG_LEVEL: 'debug', ...SPEC_RUN_ENV } });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'spec-host', version: '0.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, errors };
}

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as { type: string; text: string }[])[0]?.text ?? '';
}

/** The command output: the second text block of a structured result. */
function outputText(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as { type: string; text: string }[])[1]?.text ?? '';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...SOURCE, BIN, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('procvisor mcp', function () {
  // Each launch starts a Node process that loads the whole service through tsx: seconds on a busy machine.
  this.timeout(60_000);

  describe('against a procvisor URL', () => {
    let service: TestService;
    let running: Running;
    before(async () => {
      service = await startTestService();
      running = await launch(['--url', service.url]);
    });
    after(async () => {
      await running.client.close();
      await service.close();
    });

    it('lists the four tools of the reference and process_input', async () => {
      const { tools } = await running.client.listTools();
      expect(tools.map((tool) => tool.name)).to.deep.equal(['execute', 'process_output', 'process_list', 'process_signal', 'process_input']);
    });

    it('runs a real command through execute and returns the result', async () => {
      const result = await running.client.callTool({ name: 'execute', arguments: { command: 'echo "hello from $CODER_CHAT_AGENT"' } });
      expect(result.isError).to.equal(false);
      expect(result.structuredContent).to.deep.include({ success: true, exit_code: 0 });
      expect(outputText(result)).to.equal('hello from true\n');
      const listed = service.supervisor.list();
      expect(listed.some((record) => record.info.command === 'echo "hello from $CODER_CHAT_AGENT"')).to.equal(true);
    });
  });

  describe('with an embedded procvisor', () => {
    it('sends a logging notification when a background process it started ends', async () => {
      const running = await launch([]);
      try {
        const notices: unknown[] = [];
        running.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
          notices.push(notification.params);
        });
        const started = JSON.parse(text(await running.client.callTool({ name: 'execute', arguments: { command: 'sleep 0.3; echo "tests: 3 failing"; exit 1', run_in_background: true } }))) as {
          background_process_id: string;
        };
        await waitUntil(() => notices.length > 0, 'an exit notification', 30_000);
        expect(notices).to.have.length(1);
        expect(notices[0]).to.deep.include({ level: 'warning', logger: 'procvisor' });
        expect((notices[0] as { data: unknown }).data).to.deep.include({ process_id: started.background_process_id, exit_code: 1, last_lines: ['tests: 3 failing'] });
      } finally {
        await running.client.close();
      }
    });


    it('runs commands, keeps stdout for MCP only, and kills its processes when the host closes stdin', async () => {
      const running = await launch([]);
      const pid = running.transport.pid ?? -1;
      try {
        const result = await running.client.callTool({ name: 'execute', arguments: { command: 'echo $((6 * 7))' } });
        expect(result.structuredContent).to.deep.include({ success: true, exit_code: 0 });
        expect(outputText(result)).to.equal('42\n');
        const background = JSON.parse(text(await running.client.callTool({ name: 'execute', arguments: { command: 'sleep 34.5 &' } }))) as {
          background_process_id: string;
        };
        const list = JSON.parse(text(await running.client.callTool({ name: 'process_list', arguments: {} }))) as { processes: { id: string; running: boolean }[] };
        expect(list.processes.find((process) => process.id === background.background_process_id)?.running).to.equal(true);
        expect(pgrep('^sleep 34.5$')).not.to.equal('');
      } finally {
        await running.client.close();
      }
      expect(alive(pid)).to.equal(false);
      expect(pgrep('^sleep 34.5$')).to.equal('');
      expect(running.errors).to.deep.equal([]);
      const logs = running
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; reason?: string });
      expect(logs.map((line) => line.msg)).to.include.members(['procvisor listening', 'mcp server ready', 'mcp server stopping', 'mcp server stopped']);
      // It stopped because the host closed stdin, not on the SIGTERM the SDK sends after 2 s.
      expect(logs.find((line) => line.msg === 'mcp server stopping')?.reason).to.be.oneOf(['stdin ended', 'transport closed']);
    });

    it('shuts down on SIGTERM, killing what it started', async () => {
      const running = await launch([]);
      const pid = running.transport.pid ?? -1;
      try {
        await running.client.callTool({ name: 'execute', arguments: { command: 'sleep 35.5', run_in_background: true } });
        expect(pgrep('^sleep 35.5$')).not.to.equal('');
        process.kill(pid, 'SIGTERM');
        await waitUntil(() => !alive(pid), 'the MCP server to exit');
        expect(pgrep('^sleep 35.5$')).to.equal('');
      } finally {
        await running.client.close();
      }
    });
  });

  describe('command line', () => {
    it('prints its help', async () => {
      const { code, stdout } = await runBin(['mcp', '--help']);
      expect(code).to.equal(0);
      expect(stdout).to.match(/^Usage: procvisor mcp \[--url <agent-url>\]/);
    });

    it('refuses an unknown option or a bad URL with exit code 2', async () => {
      for (const args of [['mcp', '--nope'], ['mcp', '--url', 'ftp://host']]) {
        const { code, stdout, stderr } = await runBin(args);
        expect(code, args.join(' ')).to.equal(2);
        expect(stdout).to.equal('');
        expect(stderr).to.match(/^procvisor mcp: /);
      }
    });

    it('lists its subcommands, and refuses an unknown one', async () => {
      // The commander program of src/cli pads the command column to its widest entry.
      expect((await runBin(['--help'])).stdout).to.match(/^ {2}mcp +serve the chat tools/m);
      const unknown = await runBin(['nope']);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.match(/^procvisor: unknown command 'nope'/);
    });
  });
});
