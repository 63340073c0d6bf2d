import { ProcvisorClient } from '../../src/client/procvisor-client.js';
import type { Config } from '../../src/config.js';
import { startTestService, type TestService } from './test-service.js';

/**
 * Registers `before`/`after` hooks that start the real service (port 0) with an SDK client for
 * it, hand both to `assign`, and close both afterwards (client first).
 */
export function useRealAgent(assign: (agent: { service: TestService; client: ProcvisorClient }) => void, overrides: Partial<Config> = {}): void {
  let agent: { service: TestService; client: ProcvisorClient } | null = null;
  before(async () => {
    const service = await startTestService(overrides);
    agent = { service, client: new ProcvisorClient({ url: service.url }) };
    assign(agent);
  });
  after(async () => {
    await agent?.client.close();
    await agent?.service.close();
  });
}
