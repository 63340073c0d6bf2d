import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createProcessListTool } from '../../src/tools/process-list-tool.js';
import { ScriptedApi } from '../helpers/scripted-api.js';
import { useRealAgent } from '../helpers/real-agent.js';

describe('process_list tool', () => {
  let client: ProcvisorClient;
  useRealAgent((agent) => ({ client } = agent));

  it("returns the agent's list as JSON", async () => {
    const { id } = await client.startProcess({ command: 'echo "<x>"' });
    await client.processOutput(id, { wait: true });
    const response = await createProcessListTool({ client }).run({});
    expect(response.isError).to.equal(false);
    expect(response.text).to.include('"command":"echo \\"\\u003cx\\u003e\\""');
    const listed = JSON.parse(response.text) as { processes: { id: string }[] };
    expect(listed).to.deep.equal(await client.listProcesses());
    expect(listed.processes.map((process) => process.id)).to.include(id);
  });

  it('reports a failed call as an unsuccessful result', async () => {
    const api = new ScriptedApi();
    api.lists.push(new Error('GET http://agent/list: unexpected status code 500: boom'));
    expect(await createProcessListTool({ client: api }).run(undefined)).to.deep.equal({
      text: '{"success":false,"exit_code":0,"wall_duration_ms":0,"error":"list processes: GET http://agent/list: unexpected status code 500: boom"}',
      isError: false,
    });
  });

  it('refuses without a client, or with a failing resolver', async () => {
    expect(await createProcessListTool({ client: undefined }).run({})).to.deep.equal({ text: 'workspace connection resolver is not configured', isError: true });
    expect(await createProcessListTool({ client: () => Promise.reject(new Error('no agent')) }).run({})).to.deep.equal({ text: 'no agent', isError: true });
  });
});
