import { expect } from 'chai';
import { PathStore } from '../../src/gitwatch/path-store.js';

const CHAT = '11111111-1111-4111-8111-111111111111';
const PARENT = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';
const NIL = '00000000-0000-0000-0000-000000000000';

/** Lets queued notifications (microtasks) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PathStore', () => {
  it('adds paths to the chat and every ancestor, deduplicated and sorted', () => {
    const store = new PathStore();
    store.addPaths([CHAT, PARENT], ['/b', '/a/', '/b']);
    expect(store.getPaths(CHAT)).to.deep.equal(['/a', '/b']);
    expect(store.getPaths(PARENT)).to.deep.equal(['/a', '/b']);
    expect(store.getPaths(OTHER)).to.deep.equal([]);
  });

  it('skips relative, empty and NUL paths, and the nil chat id', () => {
    const store = new PathStore();
    expect(store.addPaths([CHAT, NIL], ['rel/x', '', '/x\0y', '/ok/../fine'])).to.deep.equal(['/fine']);
    expect(store.getPaths(NIL)).to.deep.equal([]);
    expect(store.stats()).to.deep.equal({ chats: 1, paths: 1, subscribers: 0 });
  });

  it('coalesces a burst of additions into one notification per subscriber', async () => {
    const store = new PathStore();
    let calls = 0;
    store.subscribe(PARENT, () => (calls += 1));
    store.addPaths([CHAT, PARENT], ['/a']);
    store.addPaths([CHAT, PARENT], ['/b']);
    store.notify([PARENT]);
    expect(calls).to.equal(0);
    await settle();
    expect(calls).to.equal(1);
    store.notify([PARENT]);
    await settle();
    expect(calls).to.equal(2);
  });

  it('delivers nothing after unsubscribe, not even a queued notification', async () => {
    const store = new PathStore();
    let calls = 0;
    const unsubscribe = store.subscribe(CHAT, () => (calls += 1));
    store.addPaths([CHAT], ['/a']);
    unsubscribe();
    await settle();
    expect(calls).to.equal(0);
    expect(store.stats().subscribers).to.equal(0);
  });

  it('reports a throwing listener and still notifies the others', async () => {
    const errors: unknown[] = [];
    const store = new PathStore({}, (error) => errors.push(error));
    let calls = 0;
    store.subscribe(CHAT, () => {
      throw new Error('boom');
    });
    store.subscribe(CHAT, () => (calls += 1));
    store.notify([CHAT]);
    await settle();
    expect(errors).to.have.length(1);
    expect(calls).to.equal(1);
  });

  it('keeps the maxPathsPerChat most recently added paths', () => {
    const store = new PathStore({ maxPathsPerChat: 2 });
    store.addPaths([CHAT], ['/a', '/b']);
    store.addPaths([CHAT], ['/a']);
    store.addPaths([CHAT], ['/c']);
    expect(store.getPaths(CHAT)).to.deep.equal(['/a', '/c']);
  });

  it('evicts the least recently fed chat without subscribers past maxChats', () => {
    const store = new PathStore({ maxChats: 2 });
    store.subscribe(CHAT, () => undefined);
    store.addPaths([CHAT], ['/1']);
    store.addPaths([PARENT], ['/2']);
    store.addPaths([OTHER], ['/3']);
    expect(store.getPaths(CHAT)).to.deep.equal(['/1']);
    expect(store.getPaths(PARENT)).to.deep.equal([]);
    expect(store.getPaths(OTHER)).to.deep.equal(['/3']);
  });

  it('ignores paths longer than maxPathChars', () => {
    const store = new PathStore({ maxPathChars: 8 });
    expect(store.addPaths([CHAT], ['/1234567', '/12345678'])).to.deep.equal(['/1234567']);
  });
});
