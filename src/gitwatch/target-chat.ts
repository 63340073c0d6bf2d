import { ProcvisorError, quote } from '../errors.js';
import { chatLogFields, parseUuid, type ChatContext } from '../protocol/chat-headers.js';

/** The chat a git-watch request acts on, with the log fields of the request. */
export interface TargetChat {
  chatId: string;
  /** The chat plus the ancestors named by the caller's headers (when the caller is that chat). */
  chatIds: string[];
  logFields: Record<string, unknown>;
}

/**
 * Decides which chat a request may watch or feed. `requested` is the `chat_id` the caller named
 * (query or body); absent, a chat caller means its own chat. A chat caller may only name its own
 * chat: another one is CHAT_NOT_FOUND (404), as a foreign process is for the process API. A
 * caller without a chat header may name any chat. A missing, malformed or nil id is
 * INVALID_REQUEST (400). Log fields follow the reference: the target chat, with the header's
 * ancestors only when the header names the same chat.
 */
export function resolveTargetChat(caller: ChatContext, requested: string | null | undefined, where: string): TargetChat {
  let chatId: string;
  if (requested === null || requested === undefined || requested === '') {
    if (caller.chatId === null) {
      throw new ProcvisorError('INVALID_REQUEST', `The ${where} is required.`, { detail: 'Name the chat to watch, or send the Coder-Chat-Id header.' });
    }
    chatId = caller.chatId;
  } else {
    const parsed = parseUuid(requested);
    if (parsed === null || /^[0-]+$/.test(parsed)) {
      throw new ProcvisorError('INVALID_REQUEST', `Invalid ${where}.`, { detail: `${quote(requested.slice(0, 100))} is not a non-nil UUID.` });
    }
    chatId = parsed;
  }
  if (caller.chatId !== null && caller.chatId !== chatId) throw new ProcvisorError('CHAT_NOT_FOUND', `Chat ${quote(chatId)} not found.`);
  const ancestorChatIds = caller.chatId === chatId ? caller.ancestorChatIds : [];
  return { chatId, chatIds: [chatId, ...ancestorChatIds], logFields: chatLogFields({ chatId, ancestorChatIds, logChatId: chatId }) };
}
