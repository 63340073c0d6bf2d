import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initRepo, removeDir, tempDir } from '../helpers/git-repo.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WatchClient } from '../helpers/watch-client.js';

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
