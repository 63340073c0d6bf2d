import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../src/config.js';
import { SupervisorError } from '../src/errors.js';

describe('loadConfig', () => {
  it('loads the defaults: loopback only, the reference bounds', () => {
    const config = loadConfig({});
    expect(config).to.include({ host: '127.0.0.1', port: 8420, headBytes: 16384, tailBytes: 16384, maxLineBytes: 2048, drainTimeoutMs: 5000, maxWaitMs: 300000, reapAfterMs: 300000, listLimit: 10 });
  });

  it('takes PORT, HOST, LOG_LEVEL and PROCVISOR_<KEY> from the environment', () => {
    const config = loadConfig({ PORT: '9000', HOST: '0.0.0.0', LOG_LEVEL: 'debug', PROCVISOR_DRAIN_TIMEOUT_MS: '100', PROCVISOR_WORKDIR: '/srv' });
    expect(config).to.include({ port: 9000, host: '0.0.0.0', logLevel: 'debug', drainTimeoutMs: 100, workdir: '/srv' });
  });

  it('reads the file named by PROCVISOR_CONFIG, under the environment overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 7000, listLimit: 25 }));
    const config = loadConfig({ PROCVISOR_CONFIG: file, PORT: '7001' });
    expect(config).to.include({ port: 7001, listLimit: 25 });
  });

  it('names every bad setting', () => {
    try {
      loadConfig({ PORT: 'eighty', PROCVISOR_LIST_LIMIT: '0' });
      expect.fail('expected an error');
    } catch (error) {
      expect(error).to.be.instanceOf(SupervisorError);
      expect((error as Error).message).to.match(/^Invalid configuration: port: .*; listLimit: .*\.$/);
    }
  });
});
