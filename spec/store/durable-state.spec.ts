import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { createLogSink } from '../helpers/log-sink.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { ProcvisorError } from '../../src/errors.js';
import { DurableStore } from '../../src/store/durable-store.js';
import { DATABASE_FILE, openDatabase } from '../../src/store/open-database.js';
import { createTestSupervisor } from '../../src/testing/create-test-supervisor.js';

const API = '/api/v0/processes';
type Body = Record<string, unknown>;

const newDataDir = (): string => mkdtempSync(join(tmpdir(), 'procvisor-data-'));

async function startIn(dataDir: string): Promise<TestService> {
  return startTestService({ dataDir });
}

async function json(response: Response): Promise<Body> {
  return (await response.json()) as Body;
}

describe('durable state', () => {
  it('answers an output request after a restart with the recorded result', async () => {
    const dataDir = newDataDir();
    const first = await startIn(dataDir);
    const { id } = await json(await first.post(`${API}/start`, { command: 'echo persisted; exit 4', client_token: 'tok-1' }));
    const live = await json(await first.request(`${API}/${String(id)}/output?wait=true`));
    await first.close();

    const second = await startIn(dataDir);
    try {
      const body = await json(await second.request(`${API}/${String(id)}/output`));
      // The same answer, duration included: both count from the start the record keeps.
      expect(body).to.deep.equal(live);
      expect(body).to.include({ output: 'persisted\n', running: false, exit_code: 4, exit_reason: 'exited' });
      const list = await json(await second.request(`${API}/list`));
      expect((list.processes as Body[]).map((p) => p.id)).to.include(id);
      const retry = await json(await second.post(`${API}/start`, { command: 'echo persisted; exit 4', client_token: 'tok-1' }));
      expect(retry).to.include({ id, started: false, attached: true });
      expect((await second.post(`${API}/${String(id)}/signal`, { signal: 'kill' })).status).to.equal(409);
    } finally {
      await second.close();
    }
  });

  it('records a process still running at shutdown as ended by shutdown, with its last output', async () => {
    const dataDir = newDataDir();
    const first = await startIn(dataDir);
    const { id } = await json(await first.post(`${API}/start`, { command: 'echo working; sleep 41' }));
    await first.request(`${API}/${String(id)}/output?wait=match&pattern=working`);
    await first.close();
    const second = await startIn(dataDir);
    try {
      const body = await json(await second.request(`${API}/${String(id)}/output?wait=true`));
      expect(body).to.include({ output: 'working\n', running: false, exit_code: -1, exit_reason: 'shutdown' });
    } finally {
      await second.close();
    }
  });

  it('keeps git watch paths of a chat', async () => {
    const dataDir = newDataDir();
    const chat = '88888888-8888-4888-8888-888888888888';
    const first = await startIn(dataDir);
    await first.post('/api/v0/git/paths', { chat_id: chat, paths: ['/srv/repo'] });
    await first.close();
    const second = await startIn(dataDir);
    try {
      expect(second.gitWatch.store.getPaths(chat)).to.deep.equal(['/srv/repo']);
    } finally {
      await second.close();
    }
  });

  it('moves a corrupt database aside with a clear log line and starts with a new one', async () => {
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, DATABASE_FILE), 'this is not a database '.repeat(100));
    const service = await startIn(dataDir);
    try {
      const line = service.sink.lines.find((l) => l.msg === 'database unreadable; moved it aside and started a new one');
      expect(line?.level).to.equal('error');
      expect(readdirSync(dataDir).some((name) => name.startsWith(`${DATABASE_FILE}.corrupt-`))).to.equal(true);
      expect((await service.post(`${API}/start`, { command: 'true' })).status).to.equal(200);
    } finally {
      await service.close();
    }
  });

  it('refuses a database written by a newer procvisor (DATA_DIR_NEWER) and leaves it untouched', () => {
    const dataDir = newDataDir();
    const file = join(dataDir, DATABASE_FILE);
    const newer = new Database(file);
    newer.exec('CREATE TABLE future (x TEXT); INSERT INTO future VALUES (\'keep me\')');
    newer.pragma('user_version = 99');
    newer.close();
    const before = readFileSync(file);
    const sink = createLogSink();
    let error: unknown = null;
    try {
      openDatabase(dataDir, sink.log).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ProcvisorError);
    expect((error as ProcvisorError).code).to.equal('DATA_DIR_NEWER');
    expect((error as ProcvisorError).message).to.equal(`The database ${JSON.stringify(file)} was written by a newer procvisor (schema version 99; this one knows 1).`);
    expect(readFileSync(file).equals(before)).to.equal(true);
    expect(readdirSync(dataDir).filter((name) => name.includes('corrupt'))).to.deep.equal([]);
  });

  it('keeps nothing on disk in memory mode', async () => {
    const service = await startTestService();
    try {
      expect(service.supervisor.stats().exited).to.equal(0);
    } finally {
      await service.close();
    }
  });
});

describe('DurableStore', () => {
  function storeIn(dataDir: string, clock: SimulatedClock, maxBytes = 64 * 1024 * 1024): DurableStore {
    return new DurableStore(openDatabase(dataDir, createLogSink().log), { log: createLogSink().log, clock, maxBytes, maxPathRows: 3 });
  }

  it('restores a process cut off by a crash as ended by shutdown, and drops expired records', async () => {
    const dataDir = newDataDir();
    const kit = createTestSupervisor();
    const store = storeIn(dataDir, kit.clock);
    const running = await kit.supervisor.start({ command: 'server' });
    const old = await kit.supervisor.start({ command: 'old' });
    kit.spawner.children[1]?.finish(0);
    store.started(running);
    store.exited(old);
    store.flush();
    store.close(); // the service "crashed": `running` never exited in the database
    kit.clock.increment(10_000);
    const reopened = storeIn(dataDir, kit.clock);
    const saved = reopened.load(5000);
    expect(saved.map((s) => s.info.command)).to.deep.equal(['server']);
    expect(saved[0]).to.include({ exitCode: -1, exitReason: 'shutdown' });
    reopened.close();
    kit.spawner.children[0]?.finish(0);
    await kit.supervisor.close();
  });

  it('stays under its size cap by dropping the oldest exited processes', async () => {
    const dataDir = newDataDir();
    const kit = createTestSupervisor({ buffer: { headBytes: 16_384, tailBytes: 16_384 } });
    const store = storeIn(dataDir, kit.clock, 1024 * 1024);
    for (let i = 0; i < 80; i += 1) {
      const record = await kit.supervisor.start({ command: `p${i}` });
      // Lines of 100 bytes: whole 32 KiB outputs (one long line would be cut to 2 KiB).
      kit.spawner.last.write(`${String.fromCharCode(97 + (i % 26)).repeat(99)}\n`.repeat(330)).finish(0);
      kit.clock.increment(1);
      store.exited(record);
    }
    store.flush();
    const saved = store.load(3_600_000);
    expect(saved.length).to.be.lessThan(80);
    expect(saved.at(-1)?.info.command).to.equal('p79');
    store.close();
    await kit.supervisor.close();
  });

  it('keeps only the newest maxPathRows chat paths', () => {
    const dataDir = newDataDir();
    const clock = new SimulatedClock();
    const store = storeIn(dataDir, clock);
    for (const path of ['/a', '/b', '/c', '/d']) {
      clock.increment(1);
      store.pathsAdded(['99999999-9999-4999-8999-999999999999'], [path]);
    }
    store.flush();
    expect(store.loadPaths().map((p) => p.path)).to.deep.equal(['/b', '/c', '/d']);
    store.close();
  });
});
