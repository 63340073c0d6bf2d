import { expect } from 'chai';
import { chatLogFields, parseAncestors, parseChatContext, parseUuid } from '../../src/protocol/chat-headers.js';

const ID = '3f1c2a9e-8d4b-4c7a-9e2f-1b6d5a4c3e2f';

describe('parseUuid', () => {
  it('accepts the forms Go accepts and returns the canonical lower-case form', () => {
    for (const form of [ID, ID.toUpperCase(), `urn:uuid:${ID}`, `{${ID}}`, ID.replaceAll('-', '')]) expect(parseUuid(form)).to.equal(ID);
  });
  it('rejects anything else', () => {
    for (const bad of ['', 'x', `${ID}0`, ID.replace(/-/g, '_'), `{${ID}`]) expect(parseUuid(bad)).to.equal(null);
  });
});

describe('parseAncestors', () => {
  it('skips invalid entries and gives [] for invalid JSON', () => {
    expect(parseAncestors(JSON.stringify([ID, 'junk', 7]))).to.deep.equal([ID]);
    expect(parseAncestors('[not json')).to.deep.equal([]);
    expect(parseAncestors('{}')).to.deep.equal([]);
    expect(parseAncestors(undefined)).to.deep.equal([]);
  });
});

describe('parseChatContext', () => {
  it('treats a missing or empty header as a non-chat request', () => {
    expect(parseChatContext(undefined, undefined)).to.deep.equal({ chatId: null, ancestorChatIds: [], logChatId: null });
    expect(parseChatContext('  ', JSON.stringify([ID])).chatId).to.equal(null);
  });
  it('treats the nil UUID as non-chat but still tags logs with it', () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    expect(parseChatContext(nil, undefined)).to.deep.equal({ chatId: null, ancestorChatIds: [], logChatId: nil });
  });
  it('rejects a malformed chat id', () => {
    expect(() => parseChatContext('nope', undefined)).to.throw('Invalid Coder-Chat-Id header.');
  });
  it('parses ancestors only with a valid chat id', () => {
    expect(parseChatContext(ID, JSON.stringify([ID])).ancestorChatIds).to.deep.equal([ID]);
  });
});

describe('chatLogFields', () => {
  it('adds ancestor_chat_ids only when there are some', () => {
    expect(chatLogFields({ chatId: ID, ancestorChatIds: [], logChatId: ID })).to.deep.equal({ chat_id: ID });
    expect(chatLogFields({ chatId: ID, ancestorChatIds: [ID], logChatId: ID })).to.deep.equal({ chat_id: ID, ancestor_chat_ids: [ID] });
    expect(chatLogFields({ chatId: null, ancestorChatIds: [], logChatId: null })).to.deep.equal({});
  });
});
