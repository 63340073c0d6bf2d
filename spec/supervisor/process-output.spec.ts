import { expect } from 'chai';
import { ProcessOutput } from '../../src/supervisor/process-output.js';
import { SpillStore } from '../../src/supervisor/spill-store.js';
import { createLogSink } from '../helpers/log-sink.js';

describe('ProcessOutput after exit', () => {
  const { log } = createLogSink('silent');
  const sizes = { headBytes: 1024, tailBytes: 1024, maxLineBytes: 2048, streamWindowBytes: 8192, exitedStreamBytes: 8192 };
  // 5,000 bytes of distinct lines: the rendering keeps 1 KiB head + 1 KiB tail, the exited window would keep all.
  const lines = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}\n`).join('');
  const bytes = Buffer.from(lines);
  let store: SpillStore;

  beforeEach(() => {
    store = new SpillStore({ dataDir: null, log });
  });
  afterEach(() => {
    store.close();
  });

  const written = (spillLimit?: number): ProcessOutput => {
    const limited = spillLimit === undefined ? store : new SpillStore({ dataDir: null, limits: { maxBytesPerProcess: spillLimit }, log });
    if (limited !== store) {
      store.close();
      store = limited;
    }
    const output = new ProcessOutput(sizes, () => 0, (error) => {
      throw error;
    }, undefined, store.create('p', log));
    for (let i = 0; i < bytes.length; i += 700) output.write(bytes.subarray(i, i + 700));
    output.freeze();
    return output;
  };

  it('keeps no window of its own when the spill file holds everything, and reads every byte from the file', () => {
    const output = written();
    // Only the rendered tail's bytes stay in memory (shared with the rendered string).
    expect(output.window.start).to.be.greaterThan(bytes.length - 1100);
    expect(output.read(0, 1 << 20).data.equals(bytes)).to.equal(true);
    for (const [a, n] of [[0, 1], [1023, 3000], [2500, 2500], [4999, 10]] as const) {
      const read = output.read(a, n);
      expect(read).to.deep.include({ from: a, to: Math.min(a + n, bytes.length), gapBytes: 0 });
      expect(read.data.equals(bytes.subarray(a, a + n))).to.equal(true);
    }
    expect(output.tail(3000).equals(bytes.subarray(bytes.length - 3000))).to.equal(true);
  });

  it('keeps the exited window as before when the spill file stopped short', () => {
    const output = written(2000);
    expect(output.spill?.stopped).to.equal('process_limit');
    expect(output.window.start).to.equal(0);
    expect(output.read(1500, 1000).data.equals(bytes.subarray(1500, 2500))).to.equal(true);
    expect(output.tail(3000).equals(bytes.subarray(bytes.length - 3000))).to.equal(true);
  });

  it('reports a gap, as without a spill, when the file is gone', () => {
    const output = written();
    output.spill?.delete();
    const read = output.read(0, 100);
    expect(read.gapBytes).to.equal(output.window.start);
    expect(read.data.equals(bytes.subarray(output.window.start, output.window.start + 100))).to.equal(true);
  });
});
