import { isAbsolute } from 'node:path';
import type { PathStore } from './path-store.js';

/** What the feed needs of an exited process: who started it and where it ran. */
export interface ExitedProcess {
  info: { chatId: string | null; ancestorChatIds: readonly string[]; workdir: string };
}

/** The supervisor's `onProcessExit`: registers a listener, returns its unsubscribe. */
export type OnProcessExit = (listener: (record: ExitedProcess) => void) => () => void;

/**
 * Feeds the path store from process exits: a process started by a chat adds its resolved working
 * directory to the chat and its ancestors. This differs from the reference on purpose: it used
 * only an explicitly requested workdir, so commands run in the default directory never showed
 * up. A process without an absolute workdir (inherited cwd) still notifies, so watchers rescan.
 * Returns the unsubscribe function.
 */
export function feedPathsFromProcessExits(onProcessExit: OnProcessExit, store: PathStore): () => void {
  return onProcessExit((record) => {
    const { chatId, ancestorChatIds, workdir } = record.info;
    if (chatId === null) return;
    const chats = [chatId, ...ancestorChatIds];
    if (isAbsolute(workdir)) store.addPaths(chats, [workdir]);
    else store.notify(chats);
  });
}
