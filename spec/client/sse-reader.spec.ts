import { expect } from 'chai';
import { SseTooLargeError, readSse, type SseMessage } from '../../src/client/sse-reader.js';

async function* chunks(parts: (string | Buffer)[]): AsyncGenerator<Buffer | string> {
  for (const part of parts) yield await Promise.resolve(part);
}

async function read(parts: (string | Buffer)[], maxEventChars = 1000): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSse(chunks(parts), maxEventChars)) messages.push(message);
  return messages;
}

describe('readSse', () => {
  const stream = 'id: 3\nevent: output\ndata: {"a":1}\n\n: keep-alive\n\nid: 9\nevent: exit\ndata: {"b":"é"}\n\n';
  const expected = [
    { id: '3', event: 'output', data: '{"a":1}' },
    { id: '9', event: 'exit', data: '{"b":"é"}' },
  ];

  it('reads events, skipping comments, whatever the chunk boundaries (one byte at a time included)', async () => {
    expect(await read([stream])).to.deep.equal(expected);
    const bytes = Buffer.from(stream);
    expect(await read([...bytes].map((byte) => Buffer.from([byte])))).to.deep.equal(expected);
  });

  it('accepts CRLF and CR line ends, even with the CRLF split across chunks', async () => {
    expect(await read([stream.replaceAll('\n', '\r\n')])).to.deep.equal(expected);
    expect(await read([stream.replaceAll('\n', '\r')])).to.deep.equal(expected);
    expect(await read(['data: x\r', '\n\r', '\n'])).to.deep.equal([{ id: undefined, event: 'message', data: 'x' }]);
  });

  it('joins data lines with LF, keeps the last id for later events, and drops events without data', async () => {
    expect(await read(['id: 1\ndata: a\ndata:b\n\nevent: empty\n\ndata\n\n'])).to.deep.equal([
      { id: '1', event: 'message', data: 'a\nb' },
      { id: '1', event: 'message', data: '' },
    ]);
  });

  it('refuses an event longer than its bound, complete or not', async () => {
    await expectTooLarge(read([`data: ${'x'.repeat(20)}\n\n`], 10));
    await expectTooLarge(read([`data: ${'x'.repeat(20)}`], 10));
  });
});

async function expectTooLarge(reading: Promise<unknown>): Promise<void> {
  try {
    await reading;
  } catch (error) {
    expect(error).to.be.instanceOf(SseTooLargeError);
    return;
  }
  throw new Error('expected SseTooLargeError');
}
