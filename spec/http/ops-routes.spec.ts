import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';

describe('GET /healthz', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({ authToken: 'healthz-token-0123456789' });
  });
  afterEach(async () => {
    await service.close();
  });

  it('answers 200 {"status":"ok"} while serving, without a token and saying nothing more', async () => {
    const response = await service.request('/healthz');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(await response.text()).to.equal('{"status":"ok"}\n');
  });

  it('answers 503 {"status":"shutting_down"} once the service is shutting down', async () => {
    await service.supervisor.close();
    const response = await service.request('/healthz');
    expect(response.status).to.equal(503);
    expect(await response.json()).to.deep.equal({ status: 'shutting_down' });
  });

  it('answers HEAD too, for probes that send it', async () => {
    const response = await service.request('/healthz', { method: 'HEAD' });
    expect(response.status).to.equal(200);
  });
});
