import { expect } from 'chai';
import { encodeJson } from '../../src/web/json.js';

describe('encodeJson', () => {
  it('escapes HTML characters and line separators like Go, and ends with a newline', () => {
    expect(encodeJson({ s: '<a>&\u2028\u2029' })).to.equal('{"s":"\\u003ca\\u003e\\u0026\\u2028\\u2029"}\n');
    expect(JSON.parse(encodeJson({ s: '<a>&' }))).to.deep.equal({ s: '<a>&' });
  });
});
