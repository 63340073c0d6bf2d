import { expect } from 'chai';
import { pause, withDeadline } from '../../src/tools/deadline.js';

describe('withDeadline', () => {
  it('is already aborted for a zero or negative timeout', () => {
    for (const ms of [0, -5]) {
      const deadline = withDeadline(undefined, ms);
      expect(deadline.signal.aborted).to.equal(true);
      expect((deadline.signal.reason as Error).message).to.equal('context deadline exceeded');
      deadline.dispose();
    }
  });

  it('aborts when the time passes', async () => {
    const deadline = withDeadline(undefined, 20);
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve, { once: true }));
    expect(deadline.signal.aborted).to.equal(true);
    deadline.dispose();
  });

  it('aborts with its parent', () => {
    const parent = new AbortController();
    const deadline = withDeadline(parent.signal, 60_000);
    parent.abort(new Error('cancelled'));
    expect(deadline.signal.aborted).to.equal(true);
    expect((deadline.signal.reason as Error).message).to.equal('cancelled');
    deadline.dispose();
  });

  it('clamps a timeout beyond what a Node timer holds instead of firing at once', async () => {
    const deadline = withDeadline(undefined, 2 ** 40);
    await pause(20, new AbortController().signal);
    expect(deadline.signal.aborted).to.equal(false);
    deadline.dispose();
  });
});

describe('pause', () => {
  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const paused = pause(10_000, controller.signal);
    controller.abort();
    await paused;
    expect(performance.now() - started).to.be.below(5000);
  });
});
