import { expect } from 'chai';
import type { ProcvisorError } from '../../src/errors.js';
import { resolveTargetChat } from '../../src/gitwatch/target-chat.js';
import type { ChatContext } from '../../src/protocol/chat-headers.js';

const CHAT = '11111111-1111-4111-8111-111111111111';
const PARENT = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';
const chatCaller: ChatContext = { chatId: CHAT, ancestorChatIds: [PARENT], logChatId: CHAT };
const anonymous: ChatContext = { chatId: null, ancestorChatIds: [], logChatId: null };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as ProcvisorError).code;
  }
  return 'none';
}

describe('resolveTargetChat', () => {
  it('gives a chat caller its own chat and ancestors, named or not', () => {
    const expected = { chatId: CHAT, chatIds: [CHAT, PARENT], logFields: { chat_id: CHAT, ancestor_chat_ids: [PARENT] } };
    expect(resolveTargetChat(chatCaller, null, 'chat_id')).to.deep.equal(expected);
    expect(resolveTargetChat(chatCaller, CHAT.toUpperCase(), 'chat_id')).to.deep.equal(expected);
  });

  it('refuses a chat caller naming another chat as CHAT_NOT_FOUND', () => {
    expect(codeOf(() => resolveTargetChat(chatCaller, OTHER, 'chat_id'))).to.equal('CHAT_NOT_FOUND');
  });

  it('lets a caller without a chat header name any chat, without ancestors', () => {
    expect(resolveTargetChat(anonymous, OTHER, 'chat_id')).to.deep.equal({ chatId: OTHER, chatIds: [OTHER], logFields: { chat_id: OTHER } });
  });

  it('refuses a missing, malformed or nil chat id as INVALID_REQUEST', () => {
    expect(codeOf(() => resolveTargetChat(anonymous, undefined, 'chat_id'))).to.equal('INVALID_REQUEST');
    expect(codeOf(() => resolveTargetChat(anonymous, 'nope', 'chat_id'))).to.equal('INVALID_REQUEST');
    expect(codeOf(() => resolveTargetChat(anonymous, '00000000-0000-0000-0000-000000000000', 'chat_id'))).to.equal('INVALID_REQUEST');
  });
});
