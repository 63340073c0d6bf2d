import { expect } from 'chai';
import { createPipeSpawner, describeSpawnError } from '../../src/spawn/pipe-spawner.js';
import { signalGroup } from '../../src/spawn/signals.js';
import { pipeSpawnerContract } from './pipe-spawner-contract.js';

describe('createPipeSpawner', () => {
  const spawner = createPipeSpawner();
  pipeSpawnerContract(() => spawner, { closesInheritedFds: false });
});

describe('describeSpawnError', () => {
  it('names a missing directory', () => {
    expect(describeSpawnError(Object.assign(new Error('spawn sh ENOENT'), { code: 'ENOENT' }), '/nope')).to.equal('chdir /nope: no such file or directory');
  });
  it('passes other errors through', () => {
    expect(describeSpawnError(Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG' }), '')).to.equal('spawn E2BIG');
  });
});

describe('signalGroup', () => {
  it('refuses groups 0 and 1, which kill() would read as "my group" and "everyone"', () => {
    expect(() => signalGroup(1, 'SIGKILL')).to.throw(RangeError);
    expect(() => signalGroup(0, 'SIGKILL')).to.throw(RangeError);
    expect(() => signalGroup(-5, 'SIGKILL')).to.throw(RangeError);
  });
});
