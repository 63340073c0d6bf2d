import { expect } from 'chai';
import { ProcvisorError } from '../../src/errors.js';
import { startTestService } from '../helpers/test-service.js';

describe('listen (TCP)', () => {
  it('reports a taken port as LISTEN_FAILED naming the address', async () => {
    const first = await startTestService();
    try {
      const port = Number(new URL(first.url).port);
      let error: unknown;
      try {
        const second = await startTestService({ port });
        await second.close();
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ProcvisorError);
      expect((error as ProcvisorError).code).to.equal('LISTEN_FAILED');
      expect((error as ProcvisorError).message).to.equal(`Cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      await first.close();
    }
  });
});
