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
/** Pictures of the page for a person to look at; overwritten by every run. */
const SCREENSHOT_PATH = join(tmpdir(), 'procvisor-inspect.png');
/** A process watched by the watchdog: both regions of `running` highlighted. */
const PARALLEL_SCREENSHOT_PATH = join(tmpdir(), 'procvisor-inspect-parallel.png');
const API = '/api/v0/processes';
const WAIT_MS = 10_000;

/** The little of a DOM element the functions run in the page use (the specs compile without the DOM lib). */
interface PageElement {
  getAttribute(name: string): string | null;
}
type PageWindow = { getComputedStyle(element: PageElement): { borderTopStyle: string } };

function allStates(state: ChartState): ChartState[] {
  return [state, ...state.states.flatMap(allStates)];
}

/** The classes of the state box at `path`, as a list. */
async function classesOf(page: Page, path: string): Promise<string[]> {
  return ((await page.getAttribute(`.chart-canvas .state[data-path="${path}"]`, 'class')) ?? '').split(/\s+/);
}

/** The paths of the highlighted leaves (`now`), in document order. */
async function currentPaths(page: Page): Promise<string[]> {
  return page.locator('.chart-canvas .state.current').evaluateAll((nodes) => nodes.map((node) => (node as PageElement).getAttribute('data-path') ?? ''));
}

/** `source#index` of every highlighted transition pill. */
async function takenPills(page: Page): Promise<string[]> {
  return page
    .locator('.chart-canvas .transition.taken')
    .evaluateAll((nodes) => nodes.map((node) => `${(node as PageElement).getAttribute('data-source') ?? ''}#${(node as PageElement).getAttribute('data-index') ?? ''}`));
}

/** `source#index` of the transition of `path` matching `test`. */
function pillOf(chart: MachineChart, path: string, test: (t: ChartState['transitions'][number]) => boolean): string {
  const index = allStates(chart.root).find((s) => s.path === path)?.transitions.findIndex(test) ?? -1;
  if (index < 0) throw new Error(`no such transition in ${path}`);
  return `${path}#${index}`;
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
    await page.waitForSelector('.chart-canvas .state[data-path="running.lifecycle.draining"]', { timeout: WAIT_MS });
    const drawn = await page.locator('.chart-canvas .state').evaluateAll((nodes) => nodes.map((node) => (node as PageElement).getAttribute('data-path')));
    expect(drawn).to.deep.equal(allStates(chart.root).map((s) => s.path));
    const transitions = allStates(chart.root).flatMap((s) => s.transitions);
    expect(await page.locator('.chart-canvas .transition').count()).to.equal(transitions.length);
    const withTarget = transitions.reduce((sum, t) => sum + t.targets.length, 0);
    expect(await page.locator('.chart-canvas svg > path').count()).to.equal(withTarget);
    // The parallel state shows its regions, split by a dashed line.
    expect(await classesOf(page, 'running')).to.include('state-parallel');
    const regions = await page
      .locator('.chart-canvas .state[data-path="running"] > .regions > .state')
      .evaluateAll((nodes) =>
        nodes.map((node) => [(node as PageElement).getAttribute('data-path'), (globalThis as unknown as PageWindow).getComputedStyle(node as PageElement).borderTopStyle]),
      );
    expect(regions).to.deep.equal([
      ['running.lifecycle', 'none'],
      ['running.watchdog', 'dashed'],
    ]);

    // A marker that a reload would wipe out.
    await page.evaluate(() => Object.assign(globalThis, { procvisorSpecMarker: 'same page' }));

    const started = await service!.post(`${API}/start`, { command: 'echo hello from the page; sleep 30' });
    const { id } = (await started.json()) as { id: string };
    const row = `#process-list li[data-process-id="${id}"]`;
    await page.waitForSelector(`${row}[data-status="active"]`, { timeout: WAIT_MS });
    expect(await page.getAttribute(row, 'data-state')).to.equal('running.lifecycle.alive, running.watchdog.unwatched');
    expect(await page.textContent(`${row} .badge`)).to.equal('running: alive · unwatched');
    // Both regions are highlighted: a leaf in each, and every ancestor.
    await page.waitForSelector('.chart-canvas .state.current[data-path="running.lifecycle.alive"]', { timeout: WAIT_MS });
    await page.waitForSelector('.chart-canvas .state.current[data-path="running.watchdog.unwatched"]', { timeout: WAIT_MS });
    expect(await currentPaths(page)).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.unwatched']);
    for (const path of ['', 'running', 'running.lifecycle', 'running.watchdog']) expect(await classesOf(page, path)).to.include('active');
    for (const path of ['starting', 'exited', 'running.lifecycle.draining', 'running.watchdog.watching']) {
      expect(await classesOf(page, path)).to.not.include('active');
    }
    // child.spawned took starting → running, and the watchdog's check went on (always) to unwatched.
    expect((await takenPills(page)).sort()).to.deep.equal(
      [pillOf(chart, 'starting', (t) => t.event === 'child.spawned'), pillOf(chart, 'running.watchdog.check', (t) => t.kind === 'always' && t.guard === null)].sort(),
    );
    await page.locator('#output', { hasText: 'hello from the page' }).waitFor({ timeout: WAIT_MS });

    const signalled = await service!.post(`${API}/${id}/signal`, { signal: 'terminate' });
    expect(signalled.status).to.equal(200);
    await page.waitForSelector(`${row}[data-state="exited"][data-status="done"]`, { timeout: WAIT_MS });
    await page.waitForSelector('.chart-canvas .state.current[data-path="exited"]', { timeout: WAIT_MS });
    expect(await currentPaths(page)).to.deep.equal(['exited']);
    expect(await page.locator('.chart-canvas .state.active[data-path^="running"]').count()).to.equal(0);
    const history = await page.locator('#history td:nth-child(2)').allTextContents();
    expect(history).to.include.members(['child.spawned', 'signal', 'child.exited', 'child.closed']);
    expect(await page.textContent('#detail-facts')).to.include('SIGTERM');

    expect(await page.evaluate(() => (globalThis as { procvisorSpecMarker?: string }).procvisorSpecMarker)).to.equal('same page');
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
  });

  it('highlights the watchdog watching a process started with timeout_ms, beside its lifecycle', async () => {
    const chart = (await (await service!.request('/inspect/machine.json')).json()) as MachineChart;
    const started = await service!.post(`${API}/start`, { command: 'echo watched; sleep 30', timeout_ms: 60_000 });
    expect(started.status).to.equal(200);
    const { id } = (await started.json()) as { id: string };
    const row = `#process-list li[data-process-id="${id}"]`;
    await page.waitForSelector(`${row}[data-status="active"]`, { timeout: WAIT_MS });
    await page.click(row);
    expect(await page.getAttribute(row, 'class')).to.include('selected');
    await page.waitForSelector('.chart-canvas .state.current[data-path="running.watchdog.watching"]', { timeout: WAIT_MS });
    expect(await currentPaths(page)).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.watching']);
    expect(await classesOf(page, 'running.watchdog.unwatched')).to.not.include('active');
    expect(await page.textContent(`${row} .badge`)).to.equal('running: alive · watching');
    expect(await page.getAttribute('#detail-title', 'data-state')).to.equal('running.lifecycle.alive, running.watchdog.watching');
    // check took its guarded always transition to watching this time.
    expect(await takenPills(page)).to.include(pillOf(chart, 'running.watchdog.check', (t) => t.kind === 'always' && t.guard === 'hasDeadline'));
    await page.locator('#output', { hasText: 'watched' }).waitFor({ timeout: WAIT_MS });
    await page.screenshot({ path: PARALLEL_SCREENSHOT_PATH, fullPage: true });

    const killed = await service!.post(`${API}/${id}/signal`, { signal: 'kill' });
    expect(killed.status).to.equal(200);
    await page.waitForSelector(`${row}[data-state="exited"]`, { timeout: WAIT_MS });
    await page.waitForSelector('.chart-canvas .state.current[data-path="exited"]', { timeout: WAIT_MS });
  });

  it('shows the watchdog terminating a process whose lifetime ran out while it is still alive', async () => {
    const chart = (await (await service!.request('/inspect/machine.json')).json()) as MachineChart;
    // Ignores SIGTERM (the ignored disposition is inherited by sleep), so terminating lasts until the kill grace.
    const started = await service!.post(`${API}/start`, { command: "trap '' TERM; echo trapped; sleep 30", timeout_ms: 200 });
    const { id } = (await started.json()) as { id: string };
    const row = `#process-list li[data-process-id="${id}"]`;
    await page.waitForSelector(row, { timeout: WAIT_MS });
    await page.click(row);
    await page.waitForSelector('.chart-canvas .state.current[data-path="running.watchdog.terminating"]', { timeout: WAIT_MS });
    expect(await currentPaths(page)).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.terminating']);
    expect(await page.getAttribute(row, 'data-state')).to.equal('running.lifecycle.alive, running.watchdog.terminating');
    expect(await takenPills(page)).to.deep.equal([pillOf(chart, 'running.watchdog.watching', (t) => t.kind === 'after' && t.delay === 'lifetime')]);
    expect(await page.locator('.chart-canvas svg > path.taken').evaluateAll((nodes) => nodes.map((node) => (node as PageElement).getAttribute('data-target')))).to.deep.equal([
      'running.watchdog.terminating',
    ]);
    const history = await page.locator('#history td:nth-child(2)').allTextContents();
    expect(history.at(-1)).to.equal('xstate.after.lifetime.process.running.watchdog.watching');

    const killed = await service!.post(`${API}/${id}/signal`, { signal: 'kill' });
    expect(killed.status).to.equal(200);
    await page.waitForSelector(`${row}[data-state="exited"]`, { timeout: WAIT_MS });
    expect(await page.textContent('#detail-facts')).to.include('timeout');
  });
});
