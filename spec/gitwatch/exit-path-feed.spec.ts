import { expect } from 'chai';
import { feedPathsFromProcessExits, type ExitedProcess } from '../../src/gitwatch/exit-path-feed.js';
import { PathStore } from '../../src/gitwatch/path-store.js';

const CHAT = '11111111-1111-4111-8111-111111111111';
const PARENT = '22222222-2222-4222-8222-222222222222';

describe('feedPathsFromProcessExits', () => {
  let listener: ((record: ExitedProcess) => void) | null;
  let store: PathStore;
  let stop: () => void;

  beforeEach(() => {
    listener = null;
    store = new PathStore();
    stop = feedPathsFromProcessExits((l) => {
      listener = l;
      return () => (listener = null);
    }, store);
  });

  const exit = (chatId: string | null, workdir: string, ancestorChatIds: string[] = []): void => listener?.({ info: { chatId, ancestorChatIds, workdir } });

  it('adds the resolved workdir of a chat process to the chat and its ancestors', () => {
    exit(CHAT, '/home/me/project', [PARENT]);
    expect(store.getPaths(CHAT)).to.deep.equal(['/home/me/project']);
    expect(store.getPaths(PARENT)).to.deep.equal(['/home/me/project']);
  });

  it('ignores processes started without a chat', () => {
    exit(null, '/home/me/project');
    expect(store.stats().chats).to.equal(0);
  });

  it('only notifies when the process inherited the service cwd', async () => {
    let calls = 0;
    store.subscribe(CHAT, () => (calls += 1));
    exit(CHAT, '');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).to.equal(1);
    expect(store.getPaths(CHAT)).to.deep.equal([]);
  });

  it('stops feeding once unsubscribed', () => {
    stop();
    expect(listener).to.equal(null);
  });
});
