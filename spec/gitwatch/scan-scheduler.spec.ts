import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { ScanScheduler } from '../../src/gitwatch/scan-scheduler.js';

/** A scan the test finishes by hand, so "running" is a state it controls. */
function manualScans(): { starts: number[]; finish: () => void; signals: AbortSignal[]; scan: (signal: AbortSignal) => Promise<void> } {
  const pending: (() => void)[] = [];
  const state = {
    starts: [] as number[],
    signals: [] as AbortSignal[],
    finish: () => pending.shift()?.(),
    scan: (signal: AbortSignal) => {
      state.signals.push(signal);
      return new Promise<void>((resolve) => {
        pending.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
  return state;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ScanScheduler', () => {
  let clock: SimulatedClock;
  let scans: ReturnType<typeof manualScans>;
  let scheduler: ScanScheduler;

  beforeEach(() => {
    clock = new SimulatedClock();
    scans = manualScans();
    scheduler = new ScanScheduler({
      clock,
      cooldownMs: 1000,
      pollIntervalMs: 5000,
      scan: (signal) => {
        scans.starts.push(clock.now());
        return scans.scan(signal);
      },
      onError: (error) => {
        throw error;
      },
    });
  });
  afterEach(async () => {
    await scheduler.close();
  });

  it('starts the first requested scan at once', () => {
    scheduler.request();
    expect(scans.starts).to.deep.equal([0]);
  });

  it('starts at most one scan per cooldown, however many requests arrive', async () => {
    scheduler.request();
    scans.finish();
    await flush();
    clock.increment(200);
    scheduler.request();
    scheduler.request();
    scheduler.request();
    clock.increment(799);
    expect(scans.starts).to.deep.equal([0]);
    clock.increment(1);
    expect(scans.starts).to.deep.equal([0, 1000]);
    scans.finish();
    await flush();
    clock.increment(3000);
    expect(scans.starts).to.deep.equal([0, 1000]);
  });

  it('runs one more scan after a running one when requested meanwhile', async () => {
    scheduler.request();
    clock.increment(1500);
    scheduler.request();
    scheduler.request();
    expect(scans.starts).to.deep.equal([0]);
    scans.finish();
    await flush();
    expect(scans.starts).to.deep.equal([0, 1500]);
  });

  it('polls pollIntervalMs after the last scan started, and not sooner', async () => {
    scheduler.request();
    scans.finish();
    await flush();
    clock.increment(4999);
    expect(scans.starts).to.deep.equal([0]);
    clock.increment(1);
    expect(scans.starts).to.deep.equal([0, 5000]);
    scans.finish();
    await flush();
    clock.increment(2000);
    scheduler.request();
    scans.finish();
    await flush();
    clock.increment(4999);
    expect(scans.starts).to.deep.equal([0, 5000, 7000]);
    clock.increment(1);
    expect(scans.starts).to.deep.equal([0, 5000, 7000, 12000]);
  });

  it('aborts the running scan on close and arms no timer afterwards', async () => {
    scheduler.request();
    scheduler.request();
    await scheduler.close();
    expect(scans.signals[0]?.aborted).to.equal(true);
    clock.increment(60_000);
    scheduler.request();
    expect(scans.starts).to.deep.equal([0]);
  });

  it('reports a failed scan and keeps scheduling', async () => {
    const errors: unknown[] = [];
    const failing = new ScanScheduler({ clock, cooldownMs: 0, pollIntervalMs: 5000, scan: () => Promise.reject(new Error('boom')), onError: (error) => errors.push(error) });
    failing.request();
    await flush();
    failing.request();
    await flush();
    expect(errors).to.have.length(2);
    await failing.close();
  });
});
