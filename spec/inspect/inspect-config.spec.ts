import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { ProcvisorError } from '../../src/errors.js';

describe('loadConfig (inspect settings)', () => {
  it('has the inspector stream off and the page on, with bounds', () => {
    expect(loadConfig({})).to.include({ inspectorUrl: null, inspectPage: true, inspectMaxProcesses: 50, inspectMaxClients: 8, inspectTailBytes: 4096 });
  });

  it('takes PROCVISOR_INSPECTOR_URL and PROCVISOR_INSPECT_PAGE from the environment', () => {
    expect(loadConfig({ PROCVISOR_INSPECTOR_URL: 'ws://localhost:8080', PROCVISOR_INSPECT_PAGE: 'false' })).to.include({ inspectorUrl: 'ws://localhost:8080', inspectPage: false });
    expect(loadConfig({ PROCVISOR_INSPECTOR_URL: '' }).inspectorUrl).to.equal(null);
  });

  it('rejects an inspector URL that is not ws:// or wss://, and a page switch that is not a boolean', () => {
    try {
      loadConfig({ PROCVISOR_INSPECTOR_URL: 'http://localhost:8080', PROCVISOR_INSPECT_PAGE: 'yes' });
      expect.fail('expected an error');
    } catch (error) {
      expect(error).to.be.instanceOf(ProcvisorError);
      expect((error as Error).message).to.match(/inspectorUrl: must be a ws:\/\/ or wss:\/\/ URL; inspectPage: /);
    }
  });
});
