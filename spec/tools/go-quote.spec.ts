import { expect } from 'chai';
import { goQuote, timeQuote } from '../../src/tools/go-quote.js';

describe('goQuote', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('5x')).to.equal('"5x"');
    expect(goQuote('a "b" \\ c')).to.equal('"a \\"b\\" \\\\ c"');
    expect(goQuote('\n\t\r\x07\b\f\v')).to.equal('"\\n\\t\\r\\a\\b\\f\\v"');
    expect(goQuote('\x01\x7f')).to.equal('"\\x01\\x7f"');
  });

  it('keeps printable Unicode and escapes the rest', () => {
    expect(goQuote('5µs 日本')).to.equal('"5µs 日本"');
    expect(goQuote('\u2028\u00a0')).to.equal('"\\u2028\\u00a0"');
    expect(goQuote('\u{e0001}')).to.equal('"\\U000e0001"');
  });
});

describe('timeQuote', () => {
  it('escapes every byte of non-ASCII characters, as the time package does', () => {
    expect(timeQuote('1µx')).to.equal('"1\\xc2\\xb5x"');
    expect(timeQuote('a"b\\')).to.equal('"a\\"b\\\\"');
    expect(timeQuote('\n')).to.equal('"\\x0a"');
  });
});
