import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { tryUpgrade } from '../helpers/watch-client.js';

const TOKEN = 'a-long-enough-test-token-0123456789';
const CHAT = '11111111-1111-4111-8111-111111111111';

/** Opens the watch socket; resolves with the HTTP status of a refusal, or 101 when it opened. */
async function connect(service: TestService, headers: Record<string, string>): Promise<{ status: number; challenge?: string }> {
  const { status, headers: answer } = await tryUpgrade(service.url, `?chat_id=${CHAT}`, headers);
  const challenge = answer['www-authenticate'];
  return { status, ...(typeof challenge === 'string' ? { challenge } : {}) };
}

describe('git watch access control', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ authToken: TOKEN });
  });
  after(async () => {
    await service.close();
  });

  it('refuses an upgrade without the token, with the bearer challenge', async () => {
    const answer = await connect(service, {});
    expect(answer.status).to.equal(401);
    expect(answer.challenge).to.match(/^Bearer realm="procvisor"$/);
  });

  it('refuses a wrong token', async () => {
    expect((await connect(service, { Authorization: 'Bearer wrong-token-wrong-token' })).status).to.equal(401);
  });

  it('accepts the token', async () => {
    expect((await connect(service, { Authorization: `Bearer ${TOKEN}` })).status).to.equal(101);
  });
});
