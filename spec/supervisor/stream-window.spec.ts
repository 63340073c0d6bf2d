import { expect } from 'chai';
import { StreamWindow } from '../../src/supervisor/stream-window.js';

const text = (w: StreamWindow, cursor: number, max = 1000): string => w.read(cursor, max).data.toString();

describe('StreamWindow', () => {
  it('reads from absolute offsets', () => {
    const w = new StreamWindow(64);
    w.write(Buffer.from('hello '));
    w.write(Buffer.from('world'));
    expect(w.end).to.equal(11);
    expect(text(w, 0)).to.equal('hello world');
    expect(text(w, 6)).to.equal('world');
    expect(w.read(6, 3)).to.deep.include({ from: 6, to: 9, gapBytes: 0 });
  });

  it('reports a gap for a cursor that fell out of the window and snaps forward', () => {
    const w = new StreamWindow(8);
    w.write(Buffer.from('0123456789abcdef'));
    expect(w.start).to.equal(8);
    const read = w.read(2, 100);
    expect(read).to.deep.include({ from: 8, to: 16, gapBytes: 6 });
    expect(read.data.toString()).to.equal('89abcdef');
  });

  it('holds exactly the last maxBytes bytes whatever the chunk sizes (small ones, wrapping ones, ones longer than the window)', () => {
    // A small deterministic generator: the same sequence on every run.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (const maxBytes of [5000, 20_000, 70_000]) {
      const w = new StreamWindow(maxBytes);
      let last = Buffer.alloc(0);
      let total = 0;
      for (let i = 0; i < 400; i++) {
        const size = [1, 17, 700, 4095, 8192, 9000, 30_000, 80_000][next(8)]!;
        const chunk = Buffer.alloc(size);
        for (let b = 0; b < size; b++) chunk[b] = (total + b) % 251;
        total += size;
        w.write(chunk);
        const joined = Buffer.concat([last, chunk]);
        last = joined.subarray(Math.max(0, joined.length - maxBytes));
        const expected = last;
        expect(w.start).to.equal(total - expected.length);
        const cursor = w.start + next(expected.length);
        const read = w.read(cursor, 1 + next(maxBytes));
        expect(read.data.equals(expected.subarray(cursor - w.start, read.to - w.start)), `max ${maxBytes}, write ${i}`).to.equal(true);
      }
    }
  });

  it('clamps a cursor past the end', () => {
    const w = new StreamWindow(8);
    w.write(Buffer.from('abc'));
    expect(w.read(99, 10)).to.deep.include({ from: 3, to: 3, gapBytes: 0 });
  });

  it('grows by doubling and keeps offsets right across growth and wraps', () => {
    const w = new StreamWindow(10_000);
    let all = '';
    for (let i = 0; i < 500; i += 1) {
      const piece = `${i},`;
      all += piece;
      w.write(Buffer.from(piece));
    }
    const start = w.start;
    expect(text(w, start, 100_000)).to.equal(all.slice(start));
    expect(w.end).to.equal(all.length);
  });

  it('keeps exact bytes across many small wrapped writes', () => {
    const w = new StreamWindow(16);
    let all = Buffer.alloc(0);
    for (let i = 0; i < 100; i += 1) {
      const chunk = Buffer.from([i, 255 - i, 0x80 | i]);
      all = Buffer.concat([all, chunk]);
      w.write(chunk);
    }
    expect(w.read(w.start, 100).data.equals(all.subarray(all.length - 16))).to.equal(true);
  });

  it('freezes to the last keepBytes and still serves reads, with gaps before', () => {
    const w = new StreamWindow(32);
    w.write(Buffer.from([0xff, 0x00, 0x41, 0x42, 0x43]));
    w.freeze(3);
    expect(w.start).to.equal(2);
    expect(w.read(0, 10)).to.deep.include({ from: 2, to: 5, gapBytes: 2 });
    expect([...w.read(0, 10).data]).to.deep.equal([0x41, 0x42, 0x43]);
    w.write(Buffer.from('late'));
    expect(w.end).to.equal(9);
    expect(w.read(5, 10).data.length).to.equal(0);
  });

  it('shares the suffix that a given string holds verbatim, and reads stay exact across the split', () => {
    const w = new StreamWindow(64);
    const bytes = Buffer.from('0123456789abcdefghij');
    w.write(bytes);
    // The rendering kept only "...fghij" verbatim (as a tail after a marker).
    w.freeze(15, '[cut]\nfghij');
    expect(w.start).to.equal(5);
    expect(w.read(0, 100).data.toString()).to.equal('56789abcdefghij');
    expect(w.read(12, 5).data.toString()).to.equal('cdefg');
    expect(w.read(16, 2).data.toString()).to.equal('gh');
  });

  it('shares nothing the string does not hold byte for byte (UTF-8 decoded, non-latin1)', () => {
    const w = new StreamWindow(64);
    const bytes = Buffer.from('naïve €uro');
    w.write(bytes);
    w.freeze(64, bytes.toString('utf8'));
    expect(w.read(0, 100).data.equals(bytes)).to.equal(true);
  });

  it('shares both ends of a window that starts at offset 0 and copies only the omitted middle', () => {
    const w = new StreamWindow(64);
    const bytes = Buffer.from('0123456789abcdefghij');
    w.write(bytes);
    w.freeze(64, '01234\n... [omitted] ...\nfghij');
    expect(w.read(0, 100).data.equals(bytes)).to.equal(true);
    for (let a = 0; a < bytes.length; a++) {
      for (let b = a + 1; b <= bytes.length; b++) expect(w.read(a, b - a).data.toString()).to.equal(bytes.toString('latin1', a, b));
    }
  });

  it('shares a whole short output the rendering keeps verbatim', () => {
    const w = new StreamWindow(64);
    w.write(Buffer.from('all of it\n'));
    w.freeze(64, 'all of it\n');
    expect(w.read(0, 100).data.toString()).to.equal('all of it\n');
    expect(w.read(4, 2).data.toString()).to.equal('of');
  });

  describe('sharedOnly (the bytes are on disk)', () => {
    it('keeps only the shared tail when the rendering omitted a middle, and reports the rest as before it', () => {
      const w = new StreamWindow(64);
      w.write(Buffer.from('0123456789abcdefghij'));
      w.freeze(64, '01234\n... [omitted] ...\nfghij', true);
      expect(w.start).to.equal(15);
      expect(w.read(0, 100)).to.deep.include({ from: 15, gapBytes: 15 });
      expect(w.read(15, 100).data.toString()).to.equal('fghij');
    });

    it('keeps a whole output the rendering shares, as without it', () => {
      const w = new StreamWindow(64);
      w.write(Buffer.from('all of it\n'));
      w.freeze(64, 'all of it\n', true);
      expect(w.start).to.equal(0);
      expect(w.read(0, 100).data.toString()).to.equal('all of it\n');
    });
  });
});
