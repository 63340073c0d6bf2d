import { expect } from 'chai';
import { loadNativeAddon } from '../../src/spawn/native-addon.js';
import { createNativeSpawner } from '../../src/spawn/native-spawner.js';
import type { Spawner } from '../../src/spawn/spawner.js';
import { pipeSpawnerContract } from './pipe-spawner-contract.js';

describe('createNativeSpawner', () => {
  let spawner: Spawner | undefined;
  const get = (): Spawner => {
    if (spawner) return spawner;
    const load = loadNativeAddon();
    // On Linux the addon is part of the build (`npm ci` compiles it): its absence is a failure here.
    if (load.addon === null) throw new Error(`native spawner unavailable: ${load.reason}`);
    spawner = createNativeSpawner(load.addon);
    return spawner;
  };

  it('loads on this Linux machine', () => {
    expect(loadNativeAddon().reason).to.equal(null);
  });

  pipeSpawnerContract(get, { closesInheritedFds: true });
});
