import { expect } from 'chai';
import { ClientError } from '../../src/client/procvisor-client.js';
import { describeError, formatErrorLine, reportError } from '../../src/cli/report-error.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { captureIo } from '../helpers/capture-io.js';

const URL = 'http://127.0.0.1:8420';

function statusError(status: number, response: { message: string; detail?: string; code?: string }): ClientError {
  return new ClientError('UNEXPECTED_STATUS', 'ignored', { method: 'GET', url: URL, status, response });
}

function refused(): ClientError {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8420'), { code: 'ECONNREFUSED' });
  return new ClientError('TRANSPORT', 'do request: …', { method: 'GET', url: URL, cause });
}

describe('describeError', () => {
  it("keeps the service's message, detail, code and status", () => {
    const error = statusError(500, { message: 'Failed to start process.', detail: 'start process: chdir /nope: no such file or directory', code: 'SPAWN_FAILED' });
    expect(describeError(error, URL)).to.deep.equal({ message: 'Failed to start process.', detail: 'start process: chdir /nope: no such file or directory', code: 'SPAWN_FAILED', status: 500 });
  });

  it('says how to pass a token on a 401', () => {
    expect(describeError(statusError(401, { message: 'Authentication required.', detail: 'Send the header…', code: 'UNAUTHORIZED' }), URL)).to.deep.include({
      message: 'Authentication required.',
      detail: 'Pass --token or set PROCVISOR_AUTH_TOKEN.',
    });
  });

  it('says that the service may not be running when the connection is refused', () => {
    expect(describeError(refused(), URL)).to.deep.equal({
      message: 'Cannot connect to procvisor at http://127.0.0.1:8420: connect ECONNREFUSED 127.0.0.1:8420.',
      detail: 'Is the service running? Start it with "procvisor serve", or point --url (or PROCVISOR_URL) at it.',
      code: 'UNREACHABLE',
    });
  });

  it('reports a broken connection and anything else by its message', () => {
    const reset = new ClientError('TRANSPORT', 'x', { method: 'GET', url: URL, cause: new Error('other side closed') });
    expect(describeError(reset, URL)).to.deep.equal({ message: `Lost the connection to procvisor at ${URL}.`, detail: 'other side closed', code: 'TRANSPORT' });
    expect(describeError(new Error('boom'), URL)).to.deep.equal({ message: 'boom', code: 'INTERNAL' });
  });
});

describe('formatErrorLine', () => {
  it('puts a sentence detail after the message and anything else in parentheses, on one line', () => {
    expect(formatErrorLine({ message: 'Process "x" not found.', code: 'PROCESS_NOT_FOUND' })).to.equal('procvisor: Process "x" not found.\n');
    expect(formatErrorLine({ message: 'Failed to start process.', detail: 'start process: chdir /nope', code: 'SPAWN_FAILED' })).to.equal(
      'procvisor: Failed to start process. (start process: chdir /nope)\n',
    );
    expect(formatErrorLine({ message: 'A.', detail: 'Do this.\nThen that.', code: 'X' })).to.equal('procvisor: A. Do this. Then that.\n');
  });
});

describe('reportError', () => {
  it('writes one line to stderr and returns 1, or 2 for a usage error', () => {
    const io = captureIo();
    expect(reportError(statusError(404, { message: 'Process "x" not found.', code: 'PROCESS_NOT_FOUND' }), { url: URL, json: false }, io)).to.equal(1);
    expect(reportError(new UsageError('--url "x" is not a URL.'), { url: URL, json: false }, io)).to.equal(2);
    expect(io.err()).to.equal('procvisor: Process "x" not found.\nprocvisor: --url "x" is not a URL.\n');
    expect(io.out()).to.equal('');
  });

  it('with json, writes the report as one JSON line to stdout', () => {
    const io = captureIo();
    expect(reportError(refused(), { url: URL, json: true }, io)).to.equal(1);
    expect(JSON.parse(io.out())).to.include({ code: 'UNREACHABLE' });
    expect(io.err()).to.equal('');
  });
});
