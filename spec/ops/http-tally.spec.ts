import { expect } from 'chai';
import { Histogram, Registry } from 'prom-client';
import { HttpTally } from '../../src/ops/http-tally.js';
import { sampleValue } from '../helpers/prometheus-text.js';

describe('HttpTally', () => {
  it('writes counts per status and a cumulative duration histogram per method and route', () => {
    const tally = new HttpTally([0.01, 0.1]);
    tally.record('GET', '/a/:id', 200, 0.005);
    tally.record('GET', '/a/:id', 200, 0.05);
    tally.record('GET', '/a/:id', 404, 0.5);
    tally.record('POST', '/b', 201, 0.01);
    const text = tally.render();
    const a = { method: 'GET', route: '/a/:id' };
    expect(sampleValue(text, 'procvisor_http_requests_total', { ...a, status: '200' })).to.equal(2);
    expect(sampleValue(text, 'procvisor_http_requests_total', { ...a, status: '404' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_bucket', { ...a, le: '0.01' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_bucket', { ...a, le: '0.1' })).to.equal(2);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_bucket', { ...a, le: '+Inf' })).to.equal(3);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_count', a)).to.equal(3);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_sum', a)).to.be.closeTo(0.555, 1e-9);
    // A bound is inclusive (le), as in Prometheus.
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_bucket', { method: 'POST', route: '/b', le: '0.01' })).to.equal(1);
  });

  it('writes the same histogram lines prom-client writes for the same observations', async () => {
    const bounds = [0.001, 0.005, 0.025];
    const registry = new Registry();
    const reference = new Histogram({ name: 'procvisor_http_request_duration_seconds', help: 'HTTP request duration, by method and route template.', labelNames: ['method', 'route'], buckets: bounds, registers: [registry] });
    const tally = new HttpTally(bounds);
    for (const seconds of [0.0004, 0.001, 0.003, 0.02, 7]) {
      reference.observe({ method: 'GET', route: '/x' }, seconds);
      tally.record('GET', '/x', 200, seconds);
    }
    const ours = tally.render().split('\n\n')[1]!.trim();
    expect(ours).to.equal((await registry.metrics()).trim());
  });

  it('escapes label values', () => {
    const tally = new HttpTally([1]);
    tally.record('GET', 'a"b\\c\nd', 200, 0.1);
    expect(tally.render()).to.contain('route="a\\"b\\\\c\\nd"');
  });
});
