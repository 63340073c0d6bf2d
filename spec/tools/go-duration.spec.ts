import { expect } from 'chai';
import { GoDurationError, formatGoDuration, parseGoDuration, toTimerMs } from '../../src/tools/go-duration.js';

const MS = 1_000_000n;
const S = 1000n * MS;
const M = 60n * S;
const H = 60n * M;
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

describe('parseGoDuration', () => {
  const valid: [string, bigint][] = [
    ['0', 0n],
    ['-0', 0n],
    ['+0', 0n],
    ['0s', 0n],
    ['5s', 5n * S],
    ['30s', 30n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600n * MS],
    ['5.s', 5n * S],
    ['.5s', 500n * MS],
    ['1.004s', S + 4n * MS],
    ['100.00100s', 100n * S + MS],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12µs', 12_000n],
    ['12μs', 12_000n],
    ['13ms', 13n * MS],
    ['15m', 15n * M],
    ['16h', 16n * H],
    ['3h30m', 3n * H + 30n * M],
    ['10.5s4m', 4n * M + 10n * S + 500n * MS],
    ['-2m3.4s', -(2n * M + 3n * S + 400n * MS)],
    ['1m30s', 90n * S],
    ['1h2m3s4ms5us6ns', H + 2n * M + 3n * S + 4n * MS + 5_000n + 6n],
    ['39h9m14.425s', 39n * H + 9n * M + 14n * S + 425n * MS],
    ['0.3333333333333333333h', 20n * M],
    ['9007199254740993ns', (1n << 53n) + 1n],
    ['9223372036854775807ns', MAX],
    ['9223372036854775.807us', MAX],
    ['9223372036s854ms775us807ns', MAX],
    ['-9223372036854775808ns', MIN],
    ['-9223372036854775.808us', MIN],
    ['0.100000000000000000000h', 6n * M],
    ['0.830103483285477580700h', 49n * M + 48n * S + 372_539_827n],
  ];
  for (const [text, nanos] of valid) {
    it(`reads ${JSON.stringify(text)} as ${nanos} ns, as Go does`, () => {
      expect(parseGoDuration(text)).to.equal(nanos);
    });
  }

  const invalid: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['10 s', 'time: unknown unit " s" in duration "10 s"'],
    ['1µx', 'time: unknown unit "\\xc2\\xb5x" in duration "1\\xc2\\xb5x"'],
    ['ten seconds', 'time: invalid duration "ten seconds"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)} with Go's message`, () => {
      expect(() => parseGoDuration(text))
        .to.throw(GoDurationError)
        .with.property('message', message);
    });
  }
});

describe('formatGoDuration', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [50n * MS, '50ms'],
    [500n * MS, '500ms'],
    [S + 500n * MS, '1.5s'],
    [3_300_000_000n, '3.3s'],
    [10n * S, '10s'],
    [90n * S, '1m30s'],
    [5n * M, '5m0s'],
    [4n * M + 5n * S, '4m5s'],
    [4n * M + 5n * S + MS, '4m5.001s'],
    [5n * H + 6n * M + 7n * S + MS, '5h6m7.001s'],
    [8n * M + 1n, '8m0.000000001s'],
    [2n * H, '2h0m0s'],
    [-(S + 500n * MS), '-1.5s'],
    [MAX, '2562047h47m16.854775807s'],
    [MIN, '-2562047h47m16.854775808s'],
  ];
  for (const [nanos, text] of cases) {
    it(`prints ${nanos} ns as ${text}`, () => {
      expect(formatGoDuration(nanos)).to.equal(text);
    });
  }

  it('round-trips what it prints', () => {
    for (const [nanos] of cases) expect(parseGoDuration(formatGoDuration(nanos))).to.equal(nanos);
  });
});

describe('toTimerMs', () => {
  it('rounds up to whole milliseconds, so a timer never fires early', () => {
    expect(toTimerMs(10n * S)).to.equal(10_000);
    expect(toTimerMs(MS + 1n)).to.equal(2);
    expect(toTimerMs(1n)).to.equal(1);
  });

  it('keeps zero and negative durations at or below zero', () => {
    expect(toTimerMs(0n)).to.equal(0);
    expect(toTimerMs(-5n * S)).to.equal(-5000);
  });
});
