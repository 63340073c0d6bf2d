import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { httpMetrics, mountedRouters, UNMATCHED_ROUTE } from '../../src/http/http-metrics.js';
import { createServiceMetrics, type ServiceMetrics } from '../../src/ops/service-metrics.js';
import { createTestSupervisor, type TestSupervisor } from '../../src/testing/create-test-supervisor.js';
import { sampleValue } from '../helpers/prometheus-text.js';

describe('httpMetrics', () => {
  let kit: TestSupervisor;
  let metrics: ServiceMetrics;
  let server: Server;
  let url: string;

  beforeEach(async () => {
    kit = createTestSupervisor();
    metrics = createServiceMetrics(kit.supervisor);
    const app = new Koa();
    app.use(httpMetrics(metrics, () => mountedRouters(app)));
    // Mounted after the metrics middleware, and named nowhere else: a feature's router.
    const late = new Router({ prefix: '/api/v0/late' });
    late.get('/:thing/items/:item', (ctx) => {
      ctx.body = 'ok';
    });
    late.post('/boom', () => {
      throw new Error('handler failure');
    });
    app.use(late.routes());
    app.silent = true;
    const handle = app.callback();
    // Koa settles its handler's promise itself (errors go to the app's 'error' event).
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    metrics.close();
    await kit.supervisor.close();
  });

  it('labels a route of a router mounted after it by its template, and an unknown method as OTHER', async () => {
    await (await fetch(`${url}/api/v0/late/a/items/1`)).text();
    await (await fetch(`${url}/api/v0/late/b/items/2`)).text();
    await (await fetch(`${url}/nowhere`, { method: 'PROPFIND' })).text();
    const text = await metrics.render();
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'GET', route: '/api/v0/late/:thing/items/:item', status: '200' })).to.equal(2);
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'OTHER', route: UNMATCHED_ROUTE, status: '404' })).to.equal(1);
  });

  it('counts a request whose handler threw past every error handler as 500', async () => {
    const response = await fetch(`${url}/api/v0/late/boom`, { method: 'POST' });
    await response.text();
    expect(response.status).to.equal(500);
    const text = await metrics.render();
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'POST', route: '/api/v0/late/boom', status: '500' })).to.equal(1);
  });
});
