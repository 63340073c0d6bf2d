import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initRepo, removeDir, tempDir } from '../helpers/git-repo.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WatchClient } from '../helpers/watch-client.js';
import { WebSocket } from 'ws';
import { mkdirSync } from 'node:fs';

function tempDirIn(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  return dir;
}

describe('GitWatchServer (GET /api/v0/git/watch)', () => {
  let service: TestService;
  let root: string;
  const clients: WatchClient[] = [];

  before(async () => {
    service = await startTestService({ gitWatchCooldownMs: 0 });
  });
  after(async () => {
    await service.close();
  });
  beforeEach(() => {
    root = tempDir();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    removeDir(root);
  });

  async function watch(chatId: string, headers: Record<string, string> = {}): Promise<WatchClient> {
    const client = await WatchClient.open(service.url, `?chat_id=${chatId}`, headers);
    clients.push(client);
    return client;
  }

  async function run(command: string, workdir: string, headers: Record<string, string>): Promise<void> {
    const started = await service.post('/api/v0/processes/start', { command, workdir }, headers);
    expect(started.status).to.equal(200);
    const { id } = (await started.json()) as { id: string };
    const output = await service.request(`/api/v0/processes/${id}/output?wait=true`, { headers });
    expect(((await output.json()) as { exit_code?: number }).exit_code).to.equal(0);
  }

  it('shows the change a chat command made in its working directory', async () => {
    const chatId = randomUUID();
    const repo = initRepo(join(root));
    const client = await watch(chatId);
    await run('echo hi > new.txt', repo, { 'coder-chat-id': chatId });
    const change = await client.nextRepo(repo);
    expect(change.branch).to.equal('main');
    expect(change.unified_diff).to.contain('+++ b/new.txt').and.contain('+hi');
  });

  it('sends the paths a client adds through POST /api/v0/git/paths', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    const client = await watch(chatId);
    const response = await service.post('/api/v0/git/paths', { chat_id: chatId, paths: [join(repo, 'a.txt')] });
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ chat_ids: [chatId], paths: [join(repo, 'a.txt')] });
    const change = await client.nextRepo(repo);
    expect(change.unified_diff).to.contain('+a');
  });

  it('counts commands run without a workdir through their resolved directory', async () => {
    const repo = initRepo(root);
    const local = await startTestService({ gitWatchCooldownMs: 0, workdir: repo });
    try {
      const chatId = randomUUID();
      const client = await WatchClient.open(local.url, `?chat_id=${chatId}`);
      clients.push(client);
      const started = await local.post('/api/v0/processes/start', { command: 'echo made > here.txt' }, { 'coder-chat-id': chatId });
      const { id } = (await started.json()) as { id: string };
      await local.request(`/api/v0/processes/${id}/output?wait=true`);
      expect((await client.nextRepo(repo)).unified_diff).to.contain('+made');
      await client.close();
    } finally {
      await local.close();
    }
  });

  it('sends a repository only when it changed, and a heartbeat otherwise', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    const client = await watch(chatId);
    service.gitWatch.store.addPaths([chatId], [repo]);
    const first = await client.nextRepo(repo);
    expect(first).to.deep.equal({ repo_root: repo, branch: 'main' });
    client.send({ type: 'refresh' });
    const heartbeat = await client.next((message) => message.type === 'changes', 'a heartbeat');
    expect(heartbeat).to.have.all.keys('type', 'scanned_at');
    expect(heartbeat.type === 'changes' && Date.parse(heartbeat.scanned_at)).to.be.a('number').and.not.NaN;
    writeFileSync(join(repo, 'README.md'), 'hello\nagain\n');
    client.send({ type: 'refresh' });
    expect((await client.nextRepo(repo)).unified_diff).to.contain('+again');
  });

  it('answers an unknown message type and a non-JSON message with an error', async () => {
    const client = await watch(randomUUID());
    client.send({ type: 'subscribe' });
    expect(await client.next()).to.deep.equal({ type: 'error', message: 'unknown message type' });
    client.ws.send('not json');
    expect(await client.next()).to.have.property('type', 'error');
  });

  it('reports a deleted repository once as removed', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    const client = await watch(chatId);
    service.gitWatch.store.addPaths([chatId], [repo]);
    await client.nextRepo(repo);
    rmSync(join(repo, '.git'), { recursive: true });
    client.send({ type: 'refresh' });
    expect(await client.nextRepo(repo)).to.deep.equal({ repo_root: repo, branch: '', removed: true });
  });

  it('delivers one chat\'s changes to every socket watching it', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    const [a, b] = [await watch(chatId), await watch(chatId)];
    await run('echo both > both.txt', repo, { 'coder-chat-id': chatId });
    for (const client of [a, b]) expect((await client.nextRepo(repo)).unified_diff).to.contain('+both');
  });

  it('shows each chat only its own repositories', async () => {
    const [chatA, chatB] = [randomUUID(), randomUUID()];
    const repoA = initRepo(tempDirIn(root, 'a'));
    const repoB = initRepo(tempDirIn(root, 'b'));
    const [clientA, clientB] = [await watch(chatA), await watch(chatB)];
    await run('echo a > a.txt', repoA, { 'coder-chat-id': chatA });
    await run('echo b > b.txt', repoB, { 'coder-chat-id': chatB });
    await clientA.nextRepo(repoA);
    await clientB.nextRepo(repoB);
    const roots = (client: WatchClient): string[] => client.messages.flatMap((message) => (message.type === 'changes' ? (message.repositories ?? []).map((repo) => repo.repo_root) : []));
    expect(roots(clientA)).not.to.include(repoB);
    expect(roots(clientB)).not.to.include(repoA);
  });

  it('passes a subagent chat\'s edits to its parent chat', async () => {
    const [parent, child] = [randomUUID(), randomUUID()];
    const repo = initRepo(root);
    const parentClient = await watch(parent);
    await run('echo sub > sub.txt', repo, { 'coder-chat-id': child, 'coder-ancestor-chat-ids': JSON.stringify([parent]) });
    expect((await parentClient.nextRepo(repo)).unified_diff).to.contain('+sub');
    const added = await service.post('/api/v0/git/paths', { paths: [join(repo, 'sub.txt')] }, { 'coder-chat-id': child, 'coder-ancestor-chat-ids': JSON.stringify([parent]) });
    expect(((await added.json()) as { chat_ids: string[] }).chat_ids).to.deep.equal([child, parent]);
  });

  it('lets a chat caller watch its own chat without naming it', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    const client = await WatchClient.open(service.url, '', { 'coder-chat-id': chatId });
    clients.push(client);
    service.gitWatch.store.addPaths([chatId], [repo]);
    await client.nextRepo(repo);
  });

  describe('refusals', () => {
    const chatId = '5f0c8a4e-1b2d-4c3e-9f8a-7b6c5d4e3f2a';

    it('refuses a malformed Coder-Chat-Id header with 400 before upgrading', async () => {
      const refusal = await WatchClient.refusal(service.url, `?chat_id=${chatId}`, { 'coder-chat-id': 'not-a-uuid' });
      expect(refusal.status).to.equal(400);
      expect(refusal.body).to.include({ message: 'Invalid Coder-Chat-Id header.', code: 'INVALID_CHAT_ID' });
    });

    it('refuses a chat caller watching another chat with 404', async () => {
      const refusal = await WatchClient.refusal(service.url, `?chat_id=${chatId}`, { 'coder-chat-id': randomUUID() });
      expect(refusal).to.deep.equal({ status: 404, body: { message: `Chat "${chatId}" not found.`, code: 'CHAT_NOT_FOUND' } });
    });

    it('refuses a missing or malformed chat_id from a caller without a chat header with 400', async () => {
      expect((await WatchClient.refusal(service.url, '')).body).to.include({ message: 'The chat_id query parameter is required.', code: 'INVALID_REQUEST' });
      expect((await WatchClient.refusal(service.url, '?chat_id=nope')).status).to.equal(400);
      expect((await WatchClient.refusal(service.url, '?chat_id=00000000-0000-0000-0000-000000000000')).status).to.equal(400);
    });

    it('refuses an upgrade on another path with 404 and a plain GET of the endpoint with 426', async () => {
      const ws = new WebSocket(`${service.url.replace('http', 'ws')}/api/v0/other`);
      const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      expect(status).to.equal(404);
      const plain = await service.request(`/api/v0/git/watch?chat_id=${chatId}`);
      expect(plain.status).to.equal(426);
      expect(await plain.json()).to.include({ code: 'UPGRADE_REQUIRED' });
    });

    it('logs the refusal', async () => {
      await WatchClient.refusal(service.url, `?chat_id=${chatId}`, { 'coder-chat-id': randomUUID() });
      expect(service.sink.lines.some((line) => line.msg === 'git watch refused' && line.status === 404 && line.code === 'CHAT_NOT_FOUND')).to.equal(true);
    });
  });

  describe('POST /api/v0/git/paths', () => {
    it('rejects relative paths, too many paths and a missing chat with 400', async () => {
      const chatId = randomUUID();
      expect((await service.post('/api/v0/git/paths', { chat_id: chatId, paths: ['rel'] })).status).to.equal(400);
      expect((await service.post('/api/v0/git/paths', { chat_id: chatId, paths: Array.from({ length: 65 }, (_, i) => `/p${i}`) })).status).to.equal(400);
      expect((await service.post('/api/v0/git/paths', { chat_id: chatId, paths: [] })).status).to.equal(400);
      expect((await service.post('/api/v0/git/paths', { paths: ['/x'] })).status).to.equal(400);
    });

    it('refuses a chat caller adding to another chat with 404', async () => {
      const response = await service.post('/api/v0/git/paths', { chat_id: randomUUID(), paths: ['/x'] }, { 'coder-chat-id': randomUUID() });
      expect(response.status).to.equal(404);
      expect(await response.json()).to.include({ code: 'CHAT_NOT_FOUND' });
    });
  });

  it('logs one line per connection with the chat fields', async () => {
    const [chatId, parent] = [randomUUID(), randomUUID()];
    const client = await watch(chatId, { 'coder-chat-id': chatId, 'coder-ancestor-chat-ids': JSON.stringify([parent]) });
    await client.close();
    const line = await waitUntil(() => service.sink.lines.find((entry) => entry.msg === 'git watch closed' && entry.chat_id === chatId), 'the close log line');
    expect(line).to.include({ close_code: 1005 });
    expect(line.ancestor_chat_ids).to.deep.equal([parent]);
  });

  it('closes every socket and leaves no git process when the client goes', async () => {
    const chatId = randomUUID();
    const repo = initRepo(root);
    const client = await watch(chatId);
    service.gitWatch.store.addPaths([chatId], [repo]);
    await client.next((message) => message.type === 'changes');
    await client.close();
    await waitUntil(() => service.gitWatch.stats().sockets === 0 && service.gitWatch.stats().gitProcesses === 0, 'the watcher to stop');
  });
});
