import { ProcvisorError } from '../errors.js';

// The chat headers of the wire protocol and their parsing: no transport, no Koa, so the HTTP
// layer, git watch and the client SDK share one definition.

/** The chat identity of one request, parsed once from its headers. */
export interface ChatContext {
  /** Canonical lower-case UUID, or null for a non-chat caller (no header, or the nil UUID). */
  chatId: string | null;
  /** Ancestor chats (canonical UUIDs); empty unless the chat id is valid. */
  ancestorChatIds: string[];
  /** The id to tag logs with (the nil UUID is tagged too, as in the reference). */
  logChatId: string | null;
}

export const CHAT_ID_HEADER = 'coder-chat-id';
export const ANCESTOR_CHAT_IDS_HEADER = 'coder-ancestor-chat-ids';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const HEX32 = /^[0-9a-f]{32}$/;

/**
 * Parses the forms Go's uuid.Parse accepts (canonical, `urn:uuid:` prefix, braces, 32 hex
 * digits) into the canonical lower-case hyphenated form; null if it is none of them.
 */
export function parseUuid(raw: string): string | null {
  let text = raw.trim().toLowerCase();
  if (text.startsWith('urn:uuid:')) text = text.slice('urn:uuid:'.length);
  else if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.length === 36) {
    if (text[8] !== '-' || text[13] !== '-' || text[18] !== '-' || text[23] !== '-') return null;
    text = text.replaceAll('-', '');
  }
  if (!HEX32.test(text)) return null;
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** Ancestors: a JSON array of UUID strings; invalid JSON gives [], invalid entries are skipped. */
export function parseAncestors(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry) => (typeof entry === 'string' ? (parseUuid(entry) ?? []) : []));
}

/**
 * Parses `Coder-Chat-Id` and `Coder-Ancestor-Chat-Ids`. A missing or empty chat header is a
 * non-chat request; a present but malformed one is rejected with INVALID_CHAT_ID (400), a
 * deliberate difference from the reference, which silently granted non-chat access.
 */
export function parseChatContext(chatHeader: string | undefined, ancestorsHeader: string | undefined): ChatContext {
  if (chatHeader === undefined || chatHeader.trim() === '') return { chatId: null, ancestorChatIds: [], logChatId: null };
  const chatId = parseUuid(chatHeader);
  if (chatId === null) {
    throw new ProcvisorError('INVALID_CHAT_ID', 'Invalid Coder-Chat-Id header.', {
      detail: `${JSON.stringify(chatHeader.slice(0, 100))} is not a UUID; send a UUID such as 3f1c2a9e-8d4b-4c7a-9e2f-1b6d5a4c3e2f, or no header.`,
    });
  }
  if (chatId === NIL_UUID) return { chatId: null, ancestorChatIds: [], logChatId: chatId };
  return { chatId, ancestorChatIds: parseAncestors(ancestorsHeader), logChatId: chatId };
}

/** Log fields of a chat context: `chat_id`, and `ancestor_chat_ids` only when non-empty. */
export function chatLogFields(chat: ChatContext): Record<string, unknown> {
  if (chat.logChatId === null) return {};
  return chat.ancestorChatIds.length > 0 ? { chat_id: chat.logChatId, ancestor_chat_ids: chat.ancestorChatIds } : { chat_id: chat.logChatId };
}
