import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';

interface StartResponse { id: string; started: boolean }
interface OutputResponse { output: string; running: boolean; exit_code?: number; exit_reason?: string; exit_signal?: string; truncated?: Record<string, unknown> }

describe('process routes', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(async () => {
    await service.close();
  });

  async function start(command: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
    const response = await service.post('/api/v0/processes/start', { command, ...extra }, headers);
    expect(response.status).to.equal(200);
    const body = (await response.json()) as StartResponse;
    expect(body.started).to.equal(true);
    return body.id;
  }

  async function waitOutput(id: string, headers: Record<string, string> = {}): Promise<OutputResponse> {
    const response = await service.request(`/api/v0/processes/${id}/output?wait=true`, { headers });
    expect(response.status).to.equal(200);
    return (await response.json()) as OutputResponse;
  }

  it('runs a command and returns its output and exit code after a blocking wait', async () => {
    const id = await start('echo out; echo err >&2; exit 3');
    const body = await waitOutput(id);
    expect(body).to.deep.equal({ output: 'out\nerr\n', running: false, exit_code: 3, exit_reason: 'exited' });
  });

  it('answers with the reference content type and a trailing newline', async () => {
    const response = await service.request('/api/v0/processes/list');
    expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(await response.text()).to.match(/\n$/);
  });
});
