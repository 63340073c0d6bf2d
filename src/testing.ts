// The testing kit, exported as `procvisor/testing`: drive process actors with no real process
// and no real time.
export { FakeChild, FakeSpawner } from './testing/fake-spawner.js';
export { createTestSupervisor, type TestSupervisor } from './testing/create-test-supervisor.js';
export { waitForState, type ProcessStateName } from './testing/wait-for-state.js';
export { SimulatedClock } from 'xstate';
