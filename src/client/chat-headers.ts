import { ANCESTOR_CHAT_IDS_HEADER, CHAT_ID_HEADER } from '../protocol/chat-headers.js';

/**
 * The headers that tie requests to a chat (`Coder-Chat-Id`, `Coder-Ancestor-Chat-Ids`), for
 * `ProcvisorClient.setExtraHeaders`. Processes started with them are tagged with the chat and get
 * `CODER_CHAT_ID`; list, output and signal then see only that chat's processes (and untagged
 * ones for output and signal). The ancestors array is always sent, `[]` when empty, as chatd does.
 */
export function chatHeaders(chatId: string, ancestorChatIds: readonly string[] = []): Record<string, string> {
  return { [CHAT_ID_HEADER]: chatId, [ANCESTOR_CHAT_IDS_HEADER]: JSON.stringify(ancestorChatIds) };
}
