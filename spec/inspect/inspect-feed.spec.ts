import { expect } from 'chai';
import { InspectFeed, type FeedClient, type FeedMessage, type InspectFeedOptions } from '../../src/inspect/inspect-feed.js';
import { createTestSupervisor, waitForState, type TestSupervisor } from '../../src/testing.js';

/** A feed client that records what it gets and lets a test wait for a condition on it. */
class Recorder implements FeedClient {
  readonly messages: FeedMessage[] = [];
  heartbeats = 0;
  ended = false;
  private readonly wakers = new Set<() => void>();

  send(message: FeedMessage): void {
    this.messages.push(message);
    this.wake();
  }

  heartbeat(): void {
    this.heartbeats += 1;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  get updates(): Extract<FeedMessage, { type: 'update' }>[] {
    return this.messages.filter((m): m is Extract<FeedMessage, { type: 'update' }> => m.type === 'update');
  }

  waitFor<T>(find: () => T | undefined | null | false, what: string, timeoutMs = 2000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wakers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        const found = find();
        if (found === undefined || found === null || found === false) return;
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve(found);
      };
      this.wakers.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}

describe('InspectFeed', () => {
  let kit: TestSupervisor;
  let feed: InspectFeed;

  function createFeed(options: Partial<InspectFeedOptions> = {}): InspectFeed {
    feed = new InspectFeed({ supervisor: kit.supervisor, log: kit.log, maxProcesses: 50, maxClients: 4, tailBytes: 1024, intervalMs: 10, ...options });
    return feed;
  }

  beforeEach(() => {
    kit = createTestSupervisor();
  });

  afterEach(async () => {
    feed.close();
    await kit.supervisor.close();
  });

  it('sends the snapshot at once: running first, then newest first', async () => {
    const older = await kit.supervisor.start({ command: 'older' });
    kit.clock.increment(1000);
    const done = await kit.supervisor.start({ command: 'done' });
    kit.spawner.last.finish(0);
    await waitForState(done, 'exited');
    kit.clock.increment(1000);
    const newer = await kit.supervisor.start({ command: 'newer' });
    const client = new Recorder();
    expect(createFeed().subscribe(client)).to.be.a('function');
    expect(client.messages).to.have.length(1);
    const [snapshot] = client.messages;
    expect(snapshot?.type).to.equal('snapshot');
    expect(snapshot?.processes.map((p) => p.id)).to.deep.equal([newer.info.id, older.info.id, done.info.id]);
  });

  it('sends a start and an exit at once, without waiting for the interval', async () => {
    const client = new Recorder();
    createFeed({ intervalMs: 60_000 }).subscribe(client);
    const record = await kit.supervisor.start({ command: 'sleep 1' });
    const started = await client.waitFor(() => client.updates.find((u) => u.processes.some((p) => p.id === record.info.id)), 'the start');
    expect(started.order).to.deep.equal([record.info.id]);
    expect(started.processes[0]).to.deep.include({
      state: 'running.lifecycle.alive, running.watchdog.unwatched',
      states: ['running.lifecycle.alive', 'running.watchdog.unwatched'],
    });
    kit.spawner.last.finish(0);
    const exited = await client.waitFor(() => client.updates.flatMap((u) => u.processes).find((p) => p.state === 'exited'), 'the exit');
    expect(exited).to.include({ id: record.info.id, status: 'done', exit_code: 0 });
  });

  it('sends output and draining within the interval, and only the processes that changed', async () => {
    const quiet = await kit.supervisor.start({ command: 'quiet' });
    const chatty = await kit.supervisor.start({ command: 'chatty' });
    const client = new Recorder();
    createFeed().subscribe(client);
    kit.spawner.last.write('hello\n');
    const withOutput = await client.waitFor(() => client.updates.find((u) => u.processes.some((p) => p.output_tail === 'hello\n')), 'the output');
    expect(withOutput.processes.map((p) => p.id)).to.deep.equal([chatty.info.id]);
    expect(withOutput.order).to.have.members([quiet.info.id, chatty.info.id]);
    kit.spawner.last.exit(0);
    const draining = await client.waitFor(
      () => client.updates.flatMap((u) => u.processes).find((p) => p.id === chatty.info.id && p.states.includes('running.lifecycle.draining')),
      'draining',
    );
    expect(draining.states).to.deep.equal(['running.lifecycle.draining', 'running.watchdog.unwatched']);
    expect(client.updates.at(-1)?.processes.map((p) => p.id)).to.deep.equal([chatty.info.id]);
  });

  it('sends a change of one region alone: the watchdog terminating a process that is still alive', async () => {
    const record = await kit.supervisor.start({ command: 'sleep 60', timeoutMs: 5000 });
    kit.spawner.last.onSignal = 'ignore';
    const client = new Recorder();
    createFeed().subscribe(client);
    expect(client.messages[0]?.processes[0]?.states).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.watching']);
    kit.clock.increment(5000);
    const terminating = await client.waitFor(
      () => client.updates.flatMap((u) => u.processes).find((p) => p.id === record.info.id && p.states.includes('running.watchdog.terminating')),
      'terminating',
    );
    expect(terminating.states).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.terminating']);
    expect(terminating.history.at(-1)?.type).to.equal('xstate.after.lifetime.process.running.watchdog.watching');
    expect(kit.spawner.last.signals).to.deep.equal(['SIGTERM']);
    kit.spawner.last.exit(null, 'SIGTERM').close();
    const exited = await client.waitFor(() => client.updates.flatMap((u) => u.processes).find((p) => p.id === record.info.id && p.state === 'exited'), 'the exit');
    expect(exited).to.deep.include({ states: ['exited'], exit_reason: 'timeout' });
  });

  it('drops reaped processes from the order', async () => {
    const record = await kit.supervisor.start({ command: 'short' });
    const client = new Recorder();
    createFeed().subscribe(client);
    kit.spawner.last.finish(0);
    await waitForState(record, 'exited');
    // The supervisor's own reap timer runs on the simulated clock.
    kit.clock.increment(10 * 60_000);
    expect(kit.supervisor.all()).to.have.length(0);
    await client.waitFor(() => client.updates.find((u) => u.order.length === 0), 'an empty order');
  });

  it('shows at most maxProcesses and takes at most maxClients', async () => {
    for (let i = 0; i < 3; i += 1) await kit.supervisor.start({ command: `p${i}` });
    createFeed({ maxProcesses: 2, maxClients: 1 });
    expect(feed.snapshot()).to.have.length(2);
    expect(feed.subscribe(new Recorder())).to.be.a('function');
    expect(feed.isFull).to.equal(true);
    expect(feed.subscribe(new Recorder())).to.equal(null);
  });

  it('sends a heartbeat when nothing changed for heartbeatMs', async () => {
    const client = new Recorder();
    createFeed({ intervalMs: 5, heartbeatMs: 20 }).subscribe(client);
    await client.waitFor(() => client.heartbeats >= 2, 'two heartbeats');
  });

  it('drops and ends a client that throws, and keeps serving the others', async () => {
    const good = new Recorder();
    const bad = new Recorder();
    createFeed({ intervalMs: 60_000 });
    feed.subscribe(good);
    feed.subscribe(bad);
    bad.send = () => {
      throw new Error('socket gone');
    };
    const record = await kit.supervisor.start({ command: 'x' });
    await good.waitFor(() => good.updates.some((u) => u.order.includes(record.info.id)), 'the update');
    expect(bad.ended).to.equal(true);
    expect(feed.clientCount).to.equal(1);
    expect(kit.logLines.some((line) => line.msg === 'inspect feed client failed; dropping it')).to.equal(true);
  });

  it('stops watching when the last client leaves, and ends every client on close', async () => {
    const first = new Recorder();
    const unsubscribe = createFeed({ intervalMs: 60_000 }).subscribe(first);
    unsubscribe?.();
    await kit.supervisor.start({ command: 'unseen' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.updates).to.have.length(0);
    const second = new Recorder();
    feed.subscribe(second);
    feed.close();
    expect(second.ended).to.equal(true);
    expect(feed.clientCount).to.equal(0);
    expect(feed.subscribe(new Recorder())).to.equal(null);
  });
});
