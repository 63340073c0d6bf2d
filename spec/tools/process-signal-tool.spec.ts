import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createProcessSignalTool } from '../../src/tools/process-signal-tool.js';
import { ScriptedApi } from '../helpers/scripted-api.js';
import { useRealAgent } from '../helpers/real-agent.js';
import type { TestService } from '../helpers/test-service.js';

describe('process_signal tool', () => {
  let service: TestService;
  let client: ProcvisorClient;
  useRealAgent((agent) => ({ service, client } = agent));

  it('signals the process and answers with sorted keys, the id unquoted', async () => {
    const { id } = await client.startProcess({ command: 'sleep 30' });
    expect(await createProcessSignalTool({ client }).run({ process_id: id, signal: 'terminate' })).to.deep.equal({
      text: `{"message":"signal \\"terminate\\" sent to process ${id}","success":true}`,
      isError: false,
    });
    expect(await client.processOutput(id, { wait: true })).to.include({ running: false, exit_code: -1 });
  });

  it('reports an agent error as an unsuccessful result', async () => {
    expect(JSON.parse((await createProcessSignalTool({ client }).run({ process_id: 'nope', signal: 'kill' })).text)).to.deep.equal({
      success: false,
      exit_code: 0,
      wall_duration_ms: 0,
      error: `signal process: POST ${service.url}/api/v0/processes/nope/signal: unexpected status code 404: Process "nope" not found.`,
    });
  });

  it('refuses an empty id or another signal before resolving the client', async () => {
    let resolved = false;
    const tool = createProcessSignalTool({
      client: () => {
        resolved = true;
        return new ScriptedApi();
      },
    });
    expect(await tool.run({ process_id: '', signal: 'kill' })).to.deep.equal({ text: 'process_id is required', isError: true });
    for (const signal of ['SIGKILL', 'Kill', '', undefined]) {
      expect(await tool.run({ process_id: 'p', signal })).to.deep.equal({ text: 'signal must be "terminate" or "kill"', isError: true });
    }
    expect(resolved).to.equal(false);
    expect(await createProcessSignalTool({ client: undefined }).run({})).to.deep.equal({ text: 'workspace connection resolver is not configured', isError: true });
  });
});
