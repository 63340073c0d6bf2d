import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { createStatelyInspector } from '../../src/inspect/stately-inspector.js';
import { createLogSink } from '../helpers/log-sink.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = '/api/v0/processes';

/** A process snapshot as it arrives at the inspector (see lean-inspection.ts). */
interface LeanProcessSnapshot {
  status: string;
  value: unknown;
  context: { exitCode: number; exitReason: string; outputBytes: number; request: { command: string; cwd: string } };
}

/**
 * A local stand-in for `@statelyai/inspect/server`: relays every message to every other client.
 * Its `close()` terminates every socket itself, because neither the receiver nor a ws server's
 * close() drops a connected client (stack.md P7).
 */
async function startRelay(): Promise<{ url: string; server: WebSocketServer; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      for (const client of server.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Opens a WebSocket to `url`, retrying while the server is not listening yet (bounded). */
async function connectWhenListening(url: string, timeoutMs = 5000): Promise<WebSocket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = new WebSocket(url);
    const opened = await new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    if (opened) return socket;
    if (Date.now() > deadline) throw new Error(`nothing listens at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Stately inspector stream', () => {
  describe('with a receiver', () => {
    let relay: Awaited<ReturnType<typeof startRelay>>;
    let service: TestService | undefined;
    const received: StatelyInspectionEvent[] = [];

    before(async () => {
      relay = await startRelay();
      const connected = once(relay.server, 'connection');
      createWebSocketReceiver({ server: relay.url }).subscribe((event) => received.push(event));
      await connected;
      service = await startTestService({ inspectorUrl: relay.url });
    });

    after(async () => {
      await service?.close();
      await relay.close();
    });

    it('receives the actor, its events and its snapshots for a real process run, and no secrets', async () => {
      const started = await service!.post(`${API}/start`, { command: 'echo inspected', env: { PROCVISOR_SPEC_SECRET: 'hunter2' } });
      const { id } = (await started.json()) as { id: string };
      const output = (await (await service!.request(`${API}/${id}/output?wait=true`)).json()) as { exit_code: number };
      expect(output.exit_code).to.equal(0);

      const actor = await waitUntil(() => received.find((e) => e.type === '@xstate.actor' && e.name === id), 'the actor event');
      if (actor.type !== '@xstate.actor') throw new Error('unreachable');
      const session = actor.sessionId;
      expect(actor.definition).to.be.a('string').and.to.include('draining');
      const final = await waitUntil(
        () => received.find((e) => e.type === '@xstate.snapshot' && e.sessionId === session && (e.snapshot as unknown as LeanProcessSnapshot).value === 'exited'),
        'the exited snapshot',
      );
      const snapshot = (final as unknown as { snapshot: LeanProcessSnapshot }).snapshot;
      expect(snapshot.status).to.equal('done');
      expect(snapshot.context).to.include({ exitCode: 0, exitReason: 'exited', outputBytes: 'inspected\n'.length });
      expect(snapshot.context.request).to.have.keys(['command', 'cwd']);
      expect(snapshot.context.request.command).to.equal('echo inspected');

      const events = received.filter((e) => e.type === '@xstate.event' && e.sessionId === session).map((e) => (e.type === '@xstate.event' ? e.event.type : ''));
      expect(events).to.include.members(['xstate.init', 'child.spawned', 'child.exited', 'child.closed']);
      const text = JSON.stringify(received);
      expect(text).to.not.include('hunter2');
      expect(text).to.not.include('PROCVISOR_SPEC_SECRET');
    });

    it('logs that it publishes', () => {
      expect(service!.sink.lines.some((line) => line.msg === 'stately inspector connected' && line.url === relay.url)).to.equal(true);
    });
  });

  it('reaches a browser through @statelyai/inspect/server, the relay the docs use', async () => {
    const port = await freePort();
    // autoOpen false: no browser here. Its stop() leaves clients connected (P7), so ours closes itself.
    const relayServer = createInspectorServer({ port, autoOpen: false });
    // It listens asynchronously and says nothing when it does: connect once it accepts.
    const viewer = await connectWhenListening(`ws://127.0.0.1:${port}`);
    const messages: { type: string; snapshot?: { value?: unknown } }[] = [];
    viewer.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
    const service = await startTestService({ inspectorUrl: `ws://127.0.0.1:${port}` });
    try {
      const started = await service.post(`${API}/start`, { command: 'true' });
      const { id } = (await started.json()) as { id: string };
      await service.request(`${API}/${id}/output?wait=true`);
      await waitUntil(() => messages.some((m) => m.type === '@xstate.snapshot' && m.snapshot?.value === 'exited'), 'the exited snapshot at the viewer');
    } finally {
      await service.close();
      viewer.terminate();
      relayServer.stop();
    }
  });

  it('is off by default: nothing connects, nothing is logged', async () => {
    const service = await startTestService();
    try {
      expect(service.sink.lines.some((line) => String(line.msg).includes('stately inspector'))).to.equal(false);
    } finally {
      await service.close();
    }
  });

  it('retries an unreachable inspector, and stops for good (no timer left to hold the process)', async () => {
    const { log, lines } = createLogSink();
    const url = `ws://127.0.0.1:${await freePort()}`;
    const inspector = createStatelyInspector({ url, log, reconnectDelayMs: 10 });
    await waitUntil(() => lines.filter((line) => line.msg === 'stately inspector connection failed again').length >= 2, 'two retries');
    expect(lines.filter((line) => line.msg === 'stately inspector connection failed; retrying')).to.have.length(1);
    await inspector.stop();
    await inspector.stop();
  });

  it('stops a service whose inspector never answers', async () => {
    const service = await startTestService({ inspectorUrl: `ws://127.0.0.1:${await freePort()}` });
    const started = await service.post(`${API}/start`, { command: 'true' });
    expect(started.status).to.equal(200);
    await service.close();
  });
});
