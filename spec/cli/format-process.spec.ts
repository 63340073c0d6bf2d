import { expect } from 'chai';
import type { ProcessInfo } from '../../src/client/process-api.js';
import { formatAge, formatExit, formatStatus, processRow } from '../../src/cli/format-process.js';

const ID = '6f0c1d2e-aaaa-4bbb-8ccc-123456789abc';
const base: ProcessInfo = { id: ID, command: 'make test', background: false, running: true, started_at_unix: 1_000 };

describe('formatAge', () => {
  it('shows seconds, minutes, hours and days, rounded down', () => {
    expect([0, 59.9, 60, 3599, 3600, 86_399, 86_400 * 3, -5].map(formatAge)).to.deep.equal(['0s', '59s', '1m', '59m', '1h', '23h', '3d', '0s']);
  });
});

describe('formatStatus and formatExit', () => {
  it('shows a running process as running with no exit', () => {
    expect([formatStatus(base), formatExit(base)]).to.deep.equal(['running', '']);
  });

  it('shows why an exited process ended and its code, or the signal that ended it', () => {
    expect([formatStatus({ ...base, running: false, exit_code: 0, exit_reason: 'exited' }), formatExit({ ...base, running: false, exit_code: 0 })]).to.deep.equal(['exited', '0']);
    const killed = { ...base, running: false, exit_code: -1, exit_signal: 'SIGKILL', exit_reason: 'requested' };
    expect([formatStatus(killed), formatExit(killed)]).to.deep.equal(['requested', 'SIGKILL']);
  });

  it('says exited for an agent that reports no reason (a Coder agent)', () => {
    expect(formatStatus({ ...base, running: false, exit_code: 2 })).to.equal('exited');
  });
});

describe('processRow', () => {
  it('gives the short id, status, exit, age and command; the full id on request', () => {
    expect(processRow(base, 1_125_000)).to.deep.equal(['6f0c1d2e', 'running', '', '2m', 'make test']);
    expect(processRow(base, 1_125_000, true)[0]).to.equal(ID);
  });
});
