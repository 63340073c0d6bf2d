import { expect } from 'chai';
import { BROKEN_PIPE_EXIT_CODE, shellExitCode } from '../../src/cli/exit-status.js';

describe('shellExitCode', () => {
  it('passes a process exit code through', () => {
    expect([0, 1, 7, 255].map((code) => shellExitCode({ exit_code: code }))).to.deep.equal([0, 1, 7, 255]);
  });

  it('gives 128 + the signal number when a signal ended the process, like a shell', () => {
    expect(shellExitCode({ exit_code: -1, exit_signal: 'SIGKILL' })).to.equal(137);
    expect(shellExitCode({ exit_code: -1, exit_signal: 'SIGINT' })).to.equal(130);
    expect(shellExitCode({ exit_code: -1, exit_signal: 'SIGTERM' })).to.equal(143);
  });

  it('gives 1 when the code is unknown or out of range, or the signal has no number here', () => {
    expect(shellExitCode({ exit_code: -1 })).to.equal(1);
    expect(shellExitCode({})).to.equal(1);
    expect(shellExitCode({ exit_code: 300 })).to.equal(1);
    expect(shellExitCode({ exit_code: -1, exit_signal: 'SIGNOPE' })).to.equal(1);
  });

  it('reports a broken stdout as a SIGPIPE death', () => {
    expect(BROKEN_PIPE_EXIT_CODE).to.equal(141);
  });
});
