import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { launchService, type ServiceProcess } from '../helpers/service-process.js';

const API = '/api/v0/processes';

describe('DurableStore', () => {
  let dataDir = '';
  const services: ServiceProcess[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'procvisor-commit-'));
  });
  afterEach(async () => {
    for (const service of services.splice(0)) await service.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('commits an exit before any client reads it: a SIGKILL right after the answer loses nothing', async () => {
    const env = { PROCVISOR_DATA_DIR: dataDir };
    const first = await launchService(env);
    services.push(first);
    const answers: Record<string, unknown>[] = [];
    const ids: string[] = [];
    // Several processes, the last answer read immediately before the kill (no delay at all).
    for (const command of ['echo hi', 'printf "a\\nb\\n"; exit 3']) {
      const { id } = await first.post(`${API}/start`, { command });
      ids.push(String(id));
      answers.push(await first.get(`${API}/${String(id)}/output?wait=true`));
    }
    await first.kill9();
    expect(answers[0]).to.include({ output: 'hi\n', running: false, exit_code: 0, exit_reason: 'exited' });

    const second = await launchService(env);
    services.push(second);
    for (const [index, id] of ids.entries()) {
      // duration_ms is left out: a restored record counts it from the request, not the spawn
      // (a few ms more), crash or not; see the note of this branch.
      const { duration_ms: before, ...answered } = answers[index]!;
      const { duration_ms: after, ...restored } = await second.get(`${API}/${id}/output`);
      expect(restored).to.deep.equal(answered);
      expect(after).to.be.a('number').and.at.least(Number(before));
    }
  });

  it('commits a start before the client is answered: a SIGKILL right after "started" keeps the id known', async () => {
    const env = { PROCVISOR_DATA_DIR: dataDir };
    const first = await launchService(env);
    services.push(first);
    const { id } = await first.post(`${API}/start`, { command: 'sleep 1050' });
    await first.kill9();

    const second = await launchService(env);
    services.push(second);
    // The sentinel ended the command when the service died; the restart finds its record.
    const restored = await second.get(`${API}/${String(id)}/output`);
    expect(restored).to.include({ running: false, exit_code: -1 });
    expect(restored.exit_reason).to.be.oneOf(['shutdown', 'swept']);
  });
});
