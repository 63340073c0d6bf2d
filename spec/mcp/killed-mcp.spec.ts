import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { expect } from 'chai';
import { waitUntil } from '../helpers/wait-until.js';
import { SPEC_RUN_ENV, pgrepOwn } from '../helpers/own-processes.js';

const BIN = fileURLToPath(new URL('../../bin/procvisor.js', import.meta.url));
/** Run the bin on the source (not a possibly stale dist/), as the other bin specs do. */
const SOURCE = ['--conditions=procvisor-source', '--import', 'tsx'];

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

describe('procvisor mcp killed by its host', function () {
  // The launch loads the whole service through tsx: seconds on a busy machine.
  this.timeout(60_000);

  it('takes the processes of its embedded service along when it gets SIGKILL', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [...SOURCE, BIN, 'mcp'], stderr: 'pipe', env: { LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', ...SPEC_RUN_ENV } });
    transport.stderr?.on('data', () => undefined);
    const client = new Client({ name: 'spec-host', version: '0.0.0' });
    await client.connect(transport);
    try {
      await client.callTool({ name: 'execute', arguments: { command: 'sleep 38.5 &' } });
      await client.callTool({ name: 'execute', arguments: { command: 'sleep 39.5', run_in_background: true } });
      await waitUntil(() => pgrep('^sleep 38.5$') !== '' && pgrep('^sleep 39.5$') !== '', 'both commands to run');
      process.kill(transport.pid ?? -1, 'SIGKILL');
      await waitUntil(() => pgrep('^sleep 3[89].5$') === '', 'every command to be gone', 5000);
      expect(pgrep('^sleep 3[89].5$')).to.equal('');
    } finally {
      await client.close();
    }
  });
});
