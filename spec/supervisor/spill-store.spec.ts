import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SPILL_DEFER_BYTES, SPILL_QUEUE_BYTES, SpillStore, type OutputSpill } from '../../src/supervisor/spill-store.js';
import { createLogSink } from '../helpers/log-sink.js';

describe('SpillStore', () => {
  const { log } = createLogSink('silent');

  /** A store under a fresh data dir, one spill named `id` in it, and that spill's file path. */
  const spillUnderDataDir = (id: string): { store: SpillStore; spill: OutputSpill; file: string } => {
    const dataDir = mkdtempSync(join(tmpdir(), 'procvisor-data-'));
    const store = new SpillStore({ dataDir, log });
    return { store, spill: store.create(id, log)!, file: join(dataDir, 'output', `${id}.out`) };
  };

  it('keeps the whole output of a process in a file readable by offset, and deletes it with its bytes', () => {
    const store = new SpillStore({ dataDir: null, log });
    const spill = store.create('a', log)!;
    spill.write(Buffer.from('hello '));
    spill.write(Buffer.from('world'));
    expect(spill.read(0, 100).toString()).to.equal('hello world');
    expect(spill.read(6, 3).toString()).to.equal('wor');
    expect(store.bytes).to.equal(11);
    spill.seal(true);
    expect(spill.read(6, 100).toString()).to.equal('world');
    spill.delete();
    expect(store.bytes).to.equal(0);
    expect(spill.read(0, 100).length).to.equal(0);
    store.close();
  });

  it('stops at the per-process limit, keeping a prefix', () => {
    const store = new SpillStore({ dataDir: null, limits: { maxBytesPerProcess: 8 }, log });
    const spill = store.create('a', log)!;
    spill.write(Buffer.from('12345'));
    spill.write(Buffer.from('6789'));
    spill.write(Buffer.from('0'));
    expect(spill.end).to.equal(5);
    expect(spill.stopped).to.equal('process_limit');
    spill.delete();
    store.close();
  });

  it('stops a process that would pass the total limit', () => {
    const store = new SpillStore({ dataDir: null, limits: { maxBytesTotal: 10 }, log });
    const a = store.create('a', log)!;
    const b = store.create('b', log)!;
    a.write(Buffer.alloc(8));
    b.write(Buffer.alloc(4));
    expect(b.stopped).to.equal('total_limit');
    a.delete();
    const c = store.create('c', log)!;
    c.write(Buffer.alloc(4));
    expect(c.end).to.equal(4);
    store.close();
  });

  it('uses a private 0700 temporary directory and removes it at close', () => {
    const store = new SpillStore({ dataDir: null, log });
    const spill = store.create('x', log)!;
    spill.write(Buffer.from('x'));
    spill.seal(true);
    const dir = join(tmpdir(), readdirSync(tmpdir()).find((name) => name.startsWith('procvisor-output-') && existsSync(join(tmpdir(), name, 'x.out')))!);
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    expect(statSync(join(dir, 'x.out')).mode & 0o777).to.equal(0o600);
    store.close();
    expect(existsSync(dir)).to.equal(false);
  });

  it('spills under dataDir/output, clearing files of a previous run', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'procvisor-data-'));
    const first = new SpillStore({ dataDir, log });
    const old = first.create('old', log)!;
    old.write(Buffer.from('x'));
    old.seal(true);
    first.close();
    expect(existsSync(join(dataDir, 'output', 'old.out'))).to.equal(true);
    const second = new SpillStore({ dataDir, log });
    expect(readdirSync(join(dataDir, 'output'))).to.deep.equal([]);
    expect(statSync(join(dataDir, 'output')).mode & 0o777).to.equal(0o700);
    second.close();
  });

  it('holds the first SPILL_DEFER_BYTES in memory and creates the file only when the output outgrows them', async () => {
    const { store, spill, file } = spillUnderDataDir('big');
    spill.write(Buffer.alloc(SPILL_DEFER_BYTES, 'a'));
    expect(existsSync(file)).to.equal(false);
    expect(spill.read(SPILL_DEFER_BYTES - 2, 10).toString()).to.equal('aa');
    spill.write(Buffer.from('bc'));
    expect(existsSync(file)).to.equal(true);
    // Readable at once (from memory while the write is in flight), and in the file once idle.
    expect(spill.read(SPILL_DEFER_BYTES - 1, 10).toString()).to.equal('abc');
    await spill.idle();
    expect(statSync(file).size).to.equal(SPILL_DEFER_BYTES + 2);
    expect(spill.read(SPILL_DEFER_BYTES - 1, 10).toString()).to.equal('abc');
    spill.delete();
    expect(existsSync(file)).to.equal(false);
    store.close();
  });

  it('drops a short output at the exit when it is not needed: no file, no bytes, never complete', () => {
    const { store, spill, file } = spillUnderDataDir('short');
    spill.write(Buffer.from('hello\n'));
    spill.seal(false);
    expect(existsSync(file)).to.equal(false);
    expect(spill.end).to.equal(0);
    expect(spill.stopped).to.equal('not_needed');
    expect(store.bytes).to.equal(0);
    spill.write(Buffer.from('more'));
    expect(spill.end).to.equal(0);
    spill.delete();
    store.close();
  });

  it('writes off the output path: every offset reads back while writes are in flight, and the file ends byte-exact', async () => {
    const { store, spill, file } = spillUnderDataDir('async');
    const expected: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.alloc(4096 + i, String.fromCharCode(97 + (i % 26)));
      expected.push(chunk);
      spill.write(chunk);
      // Straddling the file and the queue, at every step.
      const whole = Buffer.concat(expected);
      const at = Math.floor(whole.length / 3);
      expect(spill.read(at, 10_000).equals(whole.subarray(at, at + 10_000))).to.equal(true);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    spill.seal(true);
    await spill.idle();
    const whole = Buffer.concat(expected);
    expect(readFileSync(file).equals(whole)).to.equal(true);
    expect(spill.read(0, whole.length).equals(whole)).to.equal(true);
    expect(openSpillDescriptors()).to.equal(0);
    spill.delete();
    store.close();
  });

  it('copies lent chunks: the caller may read its next bytes into the same buffer at once', async () => {
    const { store, spill, file } = spillUnderDataDir('lent');
    const lent = Buffer.alloc(50_000);
    const expected: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      const size = 1 + ((i * 7919) % lent.length);
      lent.fill(i % 256, 0, size);
      spill.write(lent.subarray(0, size));
      expected.push(Buffer.alloc(size, i % 256));
      // The spawner reads into the same memory right away.
      lent.fill(0xff);
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const whole = Buffer.concat(expected);
    expect(spill.read(0, whole.length).equals(whole)).to.equal(true);
    spill.seal(true);
    await spill.idle();
    expect(readFileSync(file).equals(whole)).to.equal(true);
    spill.delete();
    store.close();
  });

  it('writes synchronously when the disk falls SPILL_QUEUE_BYTES behind, so memory stays bounded', () => {
    const { store, spill, file } = spillUnderDataDir('burst');
    const chunk = Buffer.alloc(256 * 1024, 'z');
    // No turn of the event loop: no asynchronous write can finish.
    const chunks = SPILL_QUEUE_BYTES / chunk.length + 2;
    for (let i = 0; i < chunks; i++) spill.write(chunk);
    expect(statSync(file).size).to.be.greaterThan(SPILL_QUEUE_BYTES);
    expect(spill.read(SPILL_QUEUE_BYTES, 4).toString()).to.equal('zzzz');
    spill.delete();
    store.close();
  });

  it('deleted with a write in flight: the file is gone and its descriptor closed when the write ends', async () => {
    const { store, spill, file } = spillUnderDataDir('gone');
    spill.write(Buffer.alloc(SPILL_DEFER_BYTES + 1));
    expect(openSpillDescriptors()).to.equal(1);
    spill.delete();
    expect(existsSync(file)).to.equal(false);
    expect(spill.read(0, 10).length).to.equal(0);
    await spill.idle();
    expect(openSpillDescriptors()).to.equal(0);
    expect(store.bytes).to.equal(0);
    store.close();
  });
});

/** This process's open descriptors on spill files (`*.out`), from /proc/self/fd. */
function openSpillDescriptors(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('.out')) count++;
    } catch {
      // The descriptor readdir itself used, closed by now.
    }
  }
  return count;
}

