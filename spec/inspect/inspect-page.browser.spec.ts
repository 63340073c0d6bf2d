import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { MachineChart, ChartState } from '../../src/inspect/machine-chart.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/** Debian's Chromium; CI installs it (.ci/run). Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps dialling out, and this machine refuses. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** One picture of the page for a person to look at; overwritten by every run. */
const SCREENSHOT_PATH = join(tmpdir(), 'procvisor-inspect.png');
const API = '/api/v0/processes';
const WAIT_MS = 10_000;

function countTransitions(state: ChartState): number {
  return state.transitions.length + state.states.reduce((sum, child) => sum + countTransitions(child), 0);
}

describe('/inspect page in headless Chromium', function () {
  this.timeout(60_000);
  let service: TestService | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium before the specs`);
      console.log(`    (skipped: ${CHROMIUM} is missing; install it with apt-get install chromium)`);
      this.skip();
    }
    service = await startTestService();
    profile = mkdtempSync(join(tmpdir(), 'procvisor-chromium-'));
    // A fresh --user-data-dir; Playwright takes it as the persistent context's directory.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => console.error('page error:', error));
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await service?.close();
  });

  it('loads, draws the chart from the machine, and follows a process to exited without reload', async () => {
    const base = service!.url;
    await page.goto(`${base}/inspect`);
    await page.waitForSelector('#connection[data-connection="live"]', { timeout: WAIT_MS });

    // The chart has every state and transition of the served machine.
    const chart = (await (await service!.request('/inspect/machine.json')).json()) as MachineChart;
    await page.waitForSelector('.chart-canvas .state[data-path="running.draining"]', { timeout: WAIT_MS });
    expect(await page.locator('.chart-canvas .transition').count()).to.equal(countTransitions(chart.root));
    expect(await page.locator('.chart-canvas svg > path').count()).to.be.greaterThan(0);

    // A marker that a reload would wipe out.
    await page.evaluate(() => Object.assign(globalThis, { procvisorSpecMarker: 'same page' }));

    const started = await service!.post(`${API}/start`, { command: 'echo hello from the page; sleep 30' });
    const { id } = (await started.json()) as { id: string };
    const row = `#process-list li[data-process-id="${id}"]`;
    await page.waitForSelector(`${row}[data-status="active"]`, { timeout: WAIT_MS });
    expect(await page.getAttribute(row, 'data-state')).to.equal('running.alive');
    await page.waitForSelector('.chart-canvas .state.current[data-path="running.alive"]', { timeout: WAIT_MS });
    expect(await page.getAttribute('.chart-canvas .state[data-path="running"]', 'class')).to.include('active');
    await page.locator('#output', { hasText: 'hello from the page' }).waitFor({ timeout: WAIT_MS });

    const signalled = await service!.post(`${API}/${id}/signal`, { signal: 'terminate' });
    expect(signalled.status).to.equal(200);
    await page.waitForSelector(`${row}[data-state="exited"][data-status="done"]`, { timeout: WAIT_MS });
    await page.waitForSelector('.chart-canvas .state.current[data-path="exited"]', { timeout: WAIT_MS });
    expect(await page.locator('.chart-canvas .state.active[data-path="running"]').count()).to.equal(0);
    const history = await page.locator('#history td:nth-child(2)').allTextContents();
    expect(history).to.include.members(['child.spawned', 'signal', 'child.exited', 'child.closed']);
    expect(await page.textContent('#detail-facts')).to.include('SIGTERM');

    expect(await page.evaluate(() => (globalThis as { procvisorSpecMarker?: string }).procvisorSpecMarker)).to.equal('same page');
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
  });
});
