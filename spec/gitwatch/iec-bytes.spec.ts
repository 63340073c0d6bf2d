import { expect } from 'chai';
import { formatIecBytes } from '../../src/gitwatch/iec-bytes.js';

describe('formatIecBytes', () => {
  it('formats like go-humanize IBytes', () => {
    expect(formatIecBytes(0)).to.equal('0 B');
    expect(formatIecBytes(9)).to.equal('9 B');
    expect(formatIecBytes(512)).to.equal('512 B');
    expect(formatIecBytes(1024)).to.equal('1.0 KiB');
    expect(formatIecBytes(3 * 1024 * 1024 + 200_000)).to.equal('3.2 MiB');
    expect(formatIecBytes(12 * 1024 * 1024)).to.equal('12 MiB');
  });
});
