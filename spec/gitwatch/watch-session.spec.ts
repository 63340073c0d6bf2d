import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { SimulatedClock } from 'xstate';
import type { Clock } from '../../src/clock.js';
import { initRepo, removeDir, tempDir } from '../helpers/git-repo.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WatchClient } from '../helpers/watch-client.js';

/** A SimulatedClock that counts its armed timers, to prove a closed watcher leaves none. */
class CountingClock implements Clock {
  readonly inner = new SimulatedClock();
  private readonly armed = new Set<unknown>();
  now(): number {
    return this.inner.now();
  }
  setTimeout(callback: () => void, delayMs: number): unknown {
    const handle: unknown = this.inner.setTimeout(() => {
      this.armed.delete(handle);
      callback();
    }, delayMs);
    this.armed.add(handle);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.armed.delete(handle);
    this.inner.clearTimeout(handle as ReturnType<SimulatedClock['setTimeout']>);
  }
  get timers(): number {
    return this.armed.size;
  }
  increment(ms: number): void {
    this.inner.increment(ms);
  }
}

describe('WatchSession timing (real server, simulated clock)', () => {
  let clock: CountingClock;
  let service: TestService;
  let repo: string;
  let client: WatchClient;
  let chatId: string;
  let timersBefore: number;

  beforeEach(async () => {
    clock = new CountingClock();
    service = await startTestService({ gitWatchCooldownMs: 1000, gitWatchPollIntervalMs: 5000, gitWatchPingIntervalMs: 15_000 }, { clock });
    timersBefore = clock.timers;
    repo = initRepo(tempDir());
    chatId = randomUUID();
    service.gitWatch.store.addPaths([chatId], [repo]);
    client = await WatchClient.open(service.url, `?chat_id=${chatId}`);
    await client.nextRepo(repo, () => true, 'the first scan');
  });
  afterEach(async () => {
    await client.close();
    await service.close();
    removeDir(repo);
  });

  /** Resolves once the server handled every message sent before (it answers in order). */
  async function roundTrip(): Promise<void> {
    client.send({ type: 'ping?' });
    await client.next((message) => message.type === 'error', 'the round trip');
  }

  it('scans on the fallback poll, pollIntervalMs after the last scan', async () => {
    writeFileSync(join(repo, 'README.md'), 'edited outside any chat command\n');
    clock.increment(4999);
    expect(service.gitWatch.stats().scans).to.equal(1);
    clock.increment(1);
    expect(service.gitWatch.stats().scans).to.equal(2);
    expect((await client.nextRepo(repo)).unified_diff).to.contain('+edited outside');
  });

  it('rate-limits refreshes to one scan per cooldown and coalesces them', async () => {
    client.send({ type: 'refresh' });
    client.send({ type: 'refresh' });
    client.send({ type: 'refresh' });
    await roundTrip();
    expect(service.gitWatch.stats().scans).to.equal(1);
    clock.increment(999);
    expect(service.gitWatch.stats().scans).to.equal(1);
    clock.increment(1);
    expect(service.gitWatch.stats().scans).to.equal(2);
    await client.next((message) => message.type === 'changes', 'the heartbeat of the second scan');
    clock.increment(3000);
    expect(service.gitWatch.stats().scans).to.equal(2);
  });

  it('leaves no timer and no git process once the socket closed', async () => {
    client.send({ type: 'refresh' });
    await roundTrip();
    expect(clock.timers).to.be.greaterThan(timersBefore);
    await client.close();
    await waitUntil(() => service.gitWatch.stats().sockets === 0, 'the session to stop');
    expect(clock.timers).to.equal(timersBefore);
    expect(service.gitWatch.stats().gitProcesses).to.equal(0);
  });

  it('pings every pingIntervalMs and drops a client that stopped answering', async () => {
    let pings = 0;
    client.ws.on('ping', () => (pings += 1));
    clock.increment(15_000);
    await waitUntil(() => pings === 1, 'the first ping');
    const mute = new WebSocket(`${service.url.replace('http', 'ws')}/api/v0/git/watch?chat_id=${chatId}`, { autoPong: false });
    const closed = new Promise<number>((resolve) => mute.once('close', (code) => resolve(code)));
    await new Promise((resolve) => mute.once('open', resolve));
    await waitUntil(() => service.gitWatch.stats().sockets === 2, 'the second socket');
    clock.increment(15_000);
    await waitUntil(() => pings === 2, 'the second ping');
    // The client's pong went out before this round trip's message, so the server has seen it.
    await roundTrip();
    clock.increment(15_000);
    expect(await closed).to.equal(1006);
    expect(client.ws.readyState).to.equal(WebSocket.OPEN);
  });

  it('closes open sockets with 1001 when the service closes', async () => {
    await service.close();
    expect((await client.closed).code).to.equal(1001);
    expect(clock.timers).to.equal(0);
  });
});

describe('GitWatchServer limits and a missing git', () => {
  it('says once that git is missing and stays connected', async () => {
    const service = await startTestService({ gitPath: '/nonexistent/git' });
    try {
      const chatId = randomUUID();
      const client = await WatchClient.open(service.url, `?chat_id=${chatId}`);
      const first = await client.next();
      expect(first.type).to.equal('error');
      expect(first.type === 'error' && first.message).to.match(/^Git is not available/);
      client.send({ type: 'refresh' });
      client.send({ type: 'other' });
      expect(await client.next()).to.deep.equal({ type: 'error', message: 'unknown message type' });
      expect(client.messages).to.have.length(2);
      await client.close();
    } finally {
      await service.close();
    }
  });

  it('sends the placeholder for a diff over gitWatchMaxDiffBytes', async () => {
    const service = await startTestService({ gitWatchMaxDiffBytes: 64, gitWatchCooldownMs: 0 });
    const repo = initRepo(tempDir());
    try {
      const chatId = randomUUID();
      writeFileSync(join(repo, 'big.txt'), 'z'.repeat(200));
      const client = await WatchClient.open(service.url, `?chat_id=${chatId}`);
      service.gitWatch.store.addPaths([chatId], [repo]);
      const change = await client.nextRepo(repo);
      expect(change.branch).to.equal('main');
      expect(change.unified_diff).to.match(/^Total diff too large to show\. Size: \d+ B\. Showing branch and remote only\.$/);
      await client.close();
    } finally {
      await service.close();
      removeDir(repo);
    }
  });

  it('spreads changed repositories over several messages past gitWatchMaxMessageDiffBytes', async () => {
    const service = await startTestService({ gitWatchMaxMessageDiffBytes: 1, gitWatchCooldownMs: 0 });
    const [a, b] = [initRepo(tempDir()), initRepo(tempDir())];
    try {
      const chatId = randomUUID();
      for (const repo of [a, b]) writeFileSync(join(repo, 'README.md'), 'changed\n');
      const client = await WatchClient.open(service.url, `?chat_id=${chatId}`);
      service.gitWatch.store.addPaths([chatId], [a, b]);
      const first = await client.next((message) => message.type === 'changes', 'the first batch');
      expect(first.type === 'changes' && first.repositories).to.have.length(1);
      const other = first.type === 'changes' && first.repositories?.[0]?.repo_root === a ? b : a;
      expect((await client.nextRepo(other)).unified_diff).to.contain('+changed');
      await client.close();
    } finally {
      await service.close();
      removeDir(a);
      removeDir(b);
    }
  });

  it('refuses sockets past gitWatchMaxSockets with 503', async () => {
    const service = await startTestService({ gitWatchMaxSockets: 1 });
    try {
      const first = await WatchClient.open(service.url, `?chat_id=${randomUUID()}`);
      const refusal = await WatchClient.refusal(service.url, `?chat_id=${randomUUID()}`);
      expect(refusal.status).to.equal(503);
      expect(refusal.body).to.include({ code: 'WATCH_LIMIT_REACHED' });
      await first.close();
    } finally {
      await service.close();
    }
  });
});
