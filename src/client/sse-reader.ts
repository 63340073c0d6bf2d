import { StringDecoder } from 'node:string_decoder';

/** One Server-Sent Event as sent: its `id` (absent if the event named none), name and data. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Thrown when an event (or a line) is longer than the reader's bound. */
export class SseTooLargeError extends Error {
  constructor(maxEventChars: number) {
    super(`stream event exceeds ${maxEventChars} characters`);
    this.name = 'SseTooLargeError';
  }
}

/**
 * Reads Server-Sent Events from a byte stream, per the HTML spec's parsing rules: lines end with
 * LF, CRLF or CR; `:` lines are comments (keep-alives); `data` lines join with LF; a blank line
 * dispatches; an event with no data is dropped. UTF-8 is decoded across chunk boundaries. Holds
 * at most `maxEventChars` characters of one event (SseTooLargeError beyond), so a broken server
 * cannot make the reader grow without bound.
 */
export async function* readSse(body: AsyncIterable<Buffer | string>, maxEventChars: number): AsyncGenerator<SseMessage> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  let held = 0;
  function* lines(final: boolean): Generator<SseMessage> {
    for (;;) {
      const end = pending.search(/[\r\n]/);
      if (end === -1) return;
      // A CR at the end of what arrived may be the first half of a CRLF: wait for more.
      if (pending[end] === '\r' && end === pending.length - 1 && !final) return;
      const line = pending.slice(0, end);
      pending = pending.slice(pending.startsWith('\r\n', end) ? end + 2 : end + 1);
      if (line === '') {
        if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
        held = 0;
        continue;
      }
      held += line.length;
      if (held > maxEventChars) throw new SseTooLargeError(maxEventChars);
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(line.startsWith(' ', colon + 1) ? colon + 2 : colon + 1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  }
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    yield* lines(false);
    if (held + pending.length > maxEventChars) throw new SseTooLargeError(maxEventChars);
  }
  pending += decoder.end();
  yield* lines(true);
}
