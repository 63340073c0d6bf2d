import { expect } from 'chai';
import { ProcvisorError } from '../../src/errors.js';
import { choosePipeSpawner } from '../../src/spawn/process-spawner.js';
import type { NativeAddonLoad } from '../../src/spawn/native-addon.js';
import { recordChild } from '../helpers/record-child.js';
import { startTestService } from '../helpers/test-service.js';

const missing = (): NativeAddonLoad => ({ addon: null, reason: 'the addon did not load (test)' });
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('choosePipeSpawner', () => {
  it('uses the native addon in auto mode when it loads', () => {
    const choice = choosePipeSpawner('auto');
    expect(choice.kind).to.equal('native');
    expect(choice.fallbackReason).to.equal(null);
  });

  it('falls back to child_process in auto mode, with the reason, and that spawner runs processes', async () => {
    const choice = choosePipeSpawner('auto', {}, missing);
    expect(choice).to.include({ kind: 'node', fallbackReason: 'the addon did not load (test)' });
    const r = recordChild(choice.spawner, { command: 'echo fallback', cwd: '', env });
    await r.ended;
    expect(r.text()).to.equal('fallback\n');
  });

  it('refuses native mode when the addon cannot load', () => {
    expect(() => choosePipeSpawner('native', {}, missing))
      .to.throw(ProcvisorError, 'cannot be used: the addon did not load (test)')
      .with.property('code', 'INVALID_REQUEST');
  });

  it('uses child_process in node mode without loading the addon', () => {
    let loads = 0;
    const choice = choosePipeSpawner('node', {}, () => {
      loads++;
      return missing();
    });
    expect(choice.kind).to.equal('node');
    expect(loads).to.equal(0);
  });
});

describe('startService spawner choice', () => {
  for (const mode of ['auto', 'node'] as const) {
    it(`logs the pipe spawner once and runs processes over HTTP (spawner: "${mode}")`, async () => {
      const service = await startTestService({ spawner: mode });
      try {
        const started = await service.post('/api/v0/processes/start', { command: 'echo via-$0' });
        const { id } = (await started.json()) as { id: string };
        const output = (await (await service.request(`/api/v0/processes/${id}/output?wait=true`)).json()) as { output: string; exit_code: number };
        expect(output).to.include({ output: 'via-sh\n', exit_code: 0 });
        const chosen = service.sink.lines.filter((line) => line.msg === 'pipe spawner selected');
        expect(chosen.map((line) => line.spawner)).to.deep.equal([mode === 'auto' ? 'native' : 'node']);
      } finally {
        await service.close();
      }
    });
  }
});
