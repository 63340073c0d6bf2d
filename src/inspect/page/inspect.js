/* global document, window, location, fetch, EventSource, console, setTimeout, clearTimeout, requestAnimationFrame, TextEncoder */
// The /inspect page: draws the process state chart from /inspect/machine.json, and follows
// /inspect/events (Server-Sent Events) to list processes, highlight the selected one's active
// states (one leaf per region of a parallel state, and their ancestors), and show its event
// history and output tail. No framework, no build step.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const RECONNECT_AFTER_FAILURE_MS = 5000;

const view = {
  chart: null,
  /** Chart states by path, and their transitions (with index) by source path; see indexChart. */
  nodes: new Map(),
  bySource: new Map(),
  processes: new Map(),
  order: [],
  selected: null,
  /** True once a person picked a process; until then the page follows the first one. */
  pinned: false,
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function shortId(id) {
  return id.slice(0, 8);
}

/** A history entry's `state` is the active leaf paths joined with `, ` (as `stateName()` writes them). */
function leavesOf(state) {
  return state.split(', ');
}

/**
 * Every active state, given the active leaves: the root (''), each leaf and each ancestor.
 * `['running.lifecycle.alive', 'running.watchdog.unwatched']` → '', `running`,
 * `running.lifecycle`, `running.lifecycle.alive`, `running.watchdog`, `running.watchdog.unwatched`.
 */
function activeSet(leaves) {
  const active = new Set(['']);
  for (const leaf of leaves) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i += 1) active.add(parts.slice(0, i).join('.'));
  }
  return active;
}

function parentOf(path) {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** `running: alive · unwatched` for `running.lifecycle.alive, running.watchdog.unwatched`; `exited` stays `exited`. */
function shortState(leaves) {
  if (leaves.length === 1) return leaves[0];
  const top = leaves[0].split('.')[0];
  if (!leaves.every((leaf) => leaf.split('.')[0] === top)) return leaves.join(', ');
  return `${top}: ${leaves.map((leaf) => leaf.split('.').pop()).join(' · ')}`;
}

// ---- the chart: boxes from the machine definition, arrows drawn between them ----

/**
 * A transition's pill: the trigger (event, `after <delay>` or `always`) and the target's name
 * (`⟲` when it has none), then in smaller type the guard (`[closeSeen]`) and `re-enter`.
 */
function transitionPill(t) {
  let trigger;
  if (t.kind === 'always') trigger = 'always';
  else if (t.kind === 'after') trigger = `after ${t.delay}${typeof t.delay === 'number' ? ' ms' : ''}`;
  else trigger = t.event;
  const item = el('li', 'transition');
  item.append(el('span', 'trigger', trigger + (t.targets.length > 0 ? ` → ${t.targets.map((p) => p.split('.').pop()).join(', ')}` : ' ⟲')));
  const notes = [];
  if (t.guard) notes.push(`[${t.guard}]`);
  if (t.reenter) notes.push('re-enter');
  if (notes.length > 0) item.append(el('span', 'guard', notes.join(' ')));
  return item;
}

/** One box per state; `parent` is the chart state it sits in (null for the root). */
function renderState(node, parent) {
  const isRoot = parent === null;
  const isRegion = parent !== null && parent.type === 'parallel';
  const box = el('div', `state state-${node.type}${isRoot ? ' state-root' : ''}${isRegion ? ' state-region' : ''}`);
  box.dataset.path = node.path;
  const head = el('div', 'state-head');
  head.append(el('span', 'name', node.key));
  let kind = node.type === 'atomic' ? '' : node.type;
  if (isRoot) kind = 'machine';
  else if (isRegion) kind = 'region';
  else if (node.type === 'parallel') kind = `parallel · ${node.states.length} regions at once`;
  if (kind) head.append(el('span', 'kind', kind));
  head.append(el('span', 'here', 'now'));
  box.append(head);
  const notes = [];
  if (node.invoke.length > 0) notes.push(`invokes ${node.invoke.join(', ')}`);
  // The chart leaves out the timers xstate adds for `after`; these are the machine's own actions.
  if (node.entry.length > 0) notes.push(`entry / ${node.entry.map((a) => a.replace(/^xstate\./, '')).join(', ')}`);
  if (node.description) notes.push(node.description);
  if (notes.length > 0) box.append(el('p', 'state-note', notes.join(' · ')));
  if (node.transitions.length > 0) {
    const list = el('ul', 'transitions');
    node.transitions.forEach((t, index) => {
      const item = transitionPill(t);
      item.dataset.index = String(index);
      item.dataset.kind = t.kind;
      // Actions in a tooltip: inline they would make the chart too wide to read.
      if (t.actions.length > 0) item.title = `actions: ${t.actions.map((a) => a.replace(/^xstate\./, '')).join(', ')}`;
      item.dataset.event = t.event;
      item.dataset.source = node.path;
      item.dataset.targets = t.targets.join(' ');
      list.append(item);
    });
    box.append(list);
  }
  if (node.states.length > 0) {
    // A parallel state's regions are active together: stacked, split by dashed lines. The
    // children of a compound state are alternatives: side by side, the initial one marked.
    const row = el('div', node.type === 'parallel' ? 'regions' : 'substates');
    for (const child of node.states) {
      const childBox = renderState(child, node);
      if (child.path === node.initial) {
        const wrap = el('div', 'initial');
        wrap.append(el('span', 'initial-marker', '●→'), childBox);
        row.append(wrap);
      } else {
        row.append(childBox);
      }
    }
    box.append(row);
  }
  return box;
}

function renderChart() {
  const host = document.getElementById('chart');
  host.textContent = '';
  const canvas = el('div', 'chart-canvas');
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.classList.add('chart-arrows');
  // The arrows go on top: the state boxes have backgrounds.
  canvas.append(renderState(view.chart.root, null), svg);
  host.append(canvas);
  drawArrows();
}

function relativeRect(node, origin) {
  const r = node.getBoundingClientRect();
  return { left: r.left - origin.left, right: r.right - origin.left, top: r.top - origin.top, bottom: r.bottom - origin.top, width: r.width, height: r.height };
}

function isWithin(path, ancestor) {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`);
}

function marker(defs, id, className) {
  const m = document.createElementNS(SVG_NS, 'marker');
  m.setAttribute('id', id);
  m.setAttribute('viewBox', '0 0 10 10');
  m.setAttribute('refX', '9');
  m.setAttribute('refY', '5');
  m.setAttribute('markerWidth', '7');
  m.setAttribute('markerHeight', '7');
  m.setAttribute('orient', 'auto-start-reverse');
  if (className) m.classList.add(className);
  const tip = document.createElementNS(SVG_NS, 'path');
  tip.setAttribute('d', 'M0,0 L10,5 L0,10 z');
  m.append(tip);
  defs.append(m);
}

/**
 * The SVG path of one arrow from a transition's pill (rect `s`, in state `source`) to the box of
 * `target`: straight ahead when no box is in the way; into the target's top when it lies below
 * (a region's transition into one of its states); else out to the right, around underneath the
 * boxes in between, and up into the target's bottom.
 */
function arrowPath(s, source, target, boxes) {
  const t = boxes.find((b) => b.path === target).rect;
  const x1 = s.right;
  const y1 = s.top + s.height / 2;
  const r = 10;
  // A box is in the way unless the arrow starts or ends inside it (an ancestor), or it is inside the target.
  const blocks = (b) => !isWithin(source, b.path) && !isWithin(target, b.path) && !isWithin(b.path, target);
  const crosses = (rect, left, right, top, bottom) => rect.left < right && rect.right > left && rect.top < bottom && rect.bottom > top;
  const y2 = Math.min(Math.max(y1, t.top + 14), t.bottom - 14);
  const ahead = boxes.some((b) => blocks(b) && crosses(b.rect, x1, t.left, Math.min(y1, y2), Math.max(y1, y2)));
  if (t.left >= x1 + 8 && !ahead) {
    const dx = Math.max(20, (t.left - x1) / 2);
    return `M${x1},${y1} C${x1 + dx},${y1} ${t.left - dx},${y2} ${t.left},${y2}`;
  }
  const xDown = Math.max(t.left + Math.min(t.width / 2, 48), x1 + 2 * r);
  const down = t.top >= y1 + 6 && xDown <= t.right - 8 &&
    !boxes.some((b) => blocks(b) && (crosses(b.rect, x1, xDown, y1 - 2, y1 + 2) || crosses(b.rect, xDown - 2, xDown + 2, y1, t.top)));
  if (down) {
    const bend = Math.min(r, t.top - y1 - 2);
    return `M${x1},${y1} H${xDown - bend} Q${xDown},${y1} ${xDown},${y1 + bend} V${t.top}`;
  }
  const own = boxes.find((b) => b.path === source);
  const cx = Math.max(x1, own ? own.rect.right : x1) + 16;
  const x2 = t.left + Math.min(t.width / 2, 48);
  const between = boxes.filter((b) => (b.path === source || blocks(b)) && b.rect.right > Math.min(cx, x2) && b.rect.left < Math.max(cx, x2));
  const low = Math.max(t.bottom, ...between.map((b) => b.rect.bottom)) + 14;
  const dir = x2 >= cx ? 1 : -1;
  return (
    `M${x1},${y1} H${cx - r} Q${cx},${y1} ${cx},${y1 + r} V${low - r} Q${cx},${low} ${cx + dir * r},${low} ` +
    `H${x2 - dir * r} Q${x2},${low} ${x2},${low - r} V${t.bottom}`
  );
}

/** One arrow per transition target, then the highlight of the selected process. */
function drawArrows() {
  const canvas = document.querySelector('.chart-canvas');
  if (!canvas) return;
  const svg = canvas.querySelector('svg');
  svg.textContent = '';
  const defs = document.createElementNS(SVG_NS, 'defs');
  svg.append(defs);
  marker(defs, 'arrow', null);
  marker(defs, 'arrow-taken', 'taken');
  const origin = canvas.getBoundingClientRect();
  const boxes = [...canvas.querySelectorAll('.state')].map((node) => ({ path: node.dataset.path, rect: relativeRect(node, origin) }));
  for (const pill of canvas.querySelectorAll('.transition')) {
    const targets = pill.dataset.targets ? pill.dataset.targets.split(' ') : [];
    for (const target of targets) {
      if (!boxes.some((b) => b.path === target)) continue;
      const path = document.createElementNS(SVG_NS, 'path');
      path.setAttribute('d', arrowPath(relativeRect(pill, origin), pill.dataset.source, target, boxes));
      path.dataset.event = pill.dataset.event;
      path.dataset.source = pill.dataset.source;
      path.dataset.index = pill.dataset.index;
      path.dataset.target = target;
      svg.append(path);
    }
  }
  highlight();
}

// ---- the selected process ----

function selectedProcess() {
  return view.selected === null ? undefined : view.processes.get(view.selected);
}

/** Indexes the chart: states by path, and each state's transitions (with their index) by source path. */
function indexChart(root) {
  view.nodes = new Map();
  view.bySource = new Map();
  const visit = (node) => {
    view.nodes.set(node.path, node);
    view.bySource.set(node.path, node.transitions.map((t, index) => ({ t, index })));
    node.states.forEach(visit);
  };
  visit(root);
}

/**
 * Which transitions the event of history entry `entry` took, judged from the active leaves
 * before it and the state after it (guards cannot be evaluated here). Like xstate: in each
 * region active before, the deepest state that handles the event takes it; of a state's guarded
 * alternatives, those whose targets are active afterwards. Then the `always` transitions of the
 * states that were entered (or left for no other reason) and whose targets are active
 * afterwards, as in `child.exited` → `draining` → (always) `exited`. Returns `source#index` keys.
 */
function takenTransitions(beforeLeaves, entry) {
  const before = activeSet(beforeLeaves);
  const after = activeSet(leavesOf(entry.state));
  const taken = new Set();
  const withTargets = [];
  const entered = new Set();
  const enterDown = (path) => {
    const node = view.nodes.get(path);
    if (!node) return;
    entered.add(path);
    if (node.type === 'parallel') node.states.forEach((child) => enterDown(child.path));
    else if (node.initial) enterDown(node.initial);
  };
  const take = (source, item) => {
    const key = `${source}#${item.index}`;
    if (taken.has(key)) return;
    taken.add(key);
    if (item.t.targets.length === 0) return;
    withTargets.push(source);
    for (const target of item.t.targets) {
      enterDown(target);
      for (let up = parentOf(target); up !== '' && !before.has(up); up = parentOf(up)) entered.add(up);
    }
  };
  for (const leaf of beforeLeaves) {
    for (let path = leaf; ; path = parentOf(path)) {
      const candidates = (view.bySource.get(path) ?? []).filter(({ t }) => t.kind !== 'always' && t.event === entry.type);
      if (candidates.length > 0) {
        const fitting = candidates.filter(({ t }) => t.targets.every((target) => after.has(target)));
        for (const item of fitting.length > 0 ? fitting : candidates) take(path, item);
        break;
      }
      if (path === '') break;
    }
  }
  const leftByTaken = (path) => withTargets.some((source) => isWithin(source, path) || isWithin(path, source));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [path, items] of view.bySource) {
      if (after.has(path) || !(entered.has(path) || (before.has(path) && !leftByTaken(path)))) continue;
      const fit = items.find(({ t }) => t.kind === 'always' && t.targets.length > 0 && t.targets.every((target) => after.has(target)));
      if (fit && !taken.has(`${path}#${fit.index}`)) {
        take(path, fit);
        changed = true;
      }
    }
  }
  return taken;
}

/**
 * Marks the active states of the selected process (every active leaf, one per region, `now`,
 * and their ancestors), and the transitions its last event took.
 */
function highlight() {
  const canvas = document.querySelector('.chart-canvas');
  if (!canvas) return;
  const process = selectedProcess();
  const leaves = process ? process.states : [];
  const active = activeSet(leaves);
  for (const box of canvas.querySelectorAll('.state')) {
    const path = box.dataset.path;
    box.classList.toggle('active', process !== undefined && active.has(path));
    box.classList.toggle('current', leaves.includes(path));
  }
  const history = process ? process.history : [];
  const taken = history.length > 1 ? takenTransitions(leavesOf(history[history.length - 2].state), history[history.length - 1]) : new Set();
  const isTaken = (node) => taken.has(`${node.dataset.source}#${node.dataset.index}`);
  for (const pill of canvas.querySelectorAll('.transition')) pill.classList.toggle('taken', isTaken(pill));
  for (const path of canvas.querySelectorAll('svg > path')) {
    const on = isTaken(path);
    path.classList.toggle('taken', on);
    path.setAttribute('marker-end', on ? 'url(#arrow-taken)' : 'url(#arrow)');
  }
}

function fact(list, name, value) {
  if (value === null || value === undefined || value === '') return;
  const item = el('div');
  item.append(el('dt', '', name), el('dd', 'mono', String(value)));
  list.append(item);
}

/** The active leaves, one per line: a parallel state has one per region. */
function stateFact(list, leaves) {
  const item = el('div', leaves.length > 1 ? 'wide' : '');
  const value = el('dd', 'mono states');
  for (const leaf of leaves) value.append(el('span', 'leaf', leaf));
  item.append(el('dt', '', leaves.length > 1 ? `states (${leaves.length} regions)` : 'state'), value);
  list.append(item);
}

function badge(process) {
  const b = el('span', 'badge', shortState(process.states));
  b.title = process.state;
  b.dataset.status = process.status;
  b.dataset.failed = String(process.status === 'done' && process.exit_code !== 0);
  return b;
}

function renderDetail() {
  const process = selectedProcess();
  const title = document.getElementById('detail-title');
  const facts = document.getElementById('detail-facts');
  const history = document.getElementById('history');
  const output = document.getElementById('output');
  const outputBytes = document.getElementById('output-bytes');
  title.textContent = '';
  facts.textContent = '';
  history.textContent = '';
  if (!process) {
    title.textContent = 'No process selected';
    delete title.dataset.state;
    output.textContent = '';
    outputBytes.textContent = '';
    highlight();
    return;
  }
  title.append(badge(process), el('code', '', process.command));
  title.dataset.state = process.state;
  fact(facts, 'id', process.id);
  stateFact(facts, process.states);
  fact(facts, 'pid', process.pid);
  fact(facts, 'workdir', process.workdir);
  fact(facts, 'started', clock(process.started_at));
  fact(facts, 'exited', clock(process.exited_at));
  if (process.exited_at !== null) fact(facts, 'ran for', `${process.exited_at - process.started_at} ms`);
  fact(facts, 'exit code', process.exit_code);
  fact(facts, 'exit signal', process.exit_signal);
  fact(facts, 'exit reason', process.exit_reason);
  fact(facts, 'chat', process.chat_id);
  if (process.background) fact(facts, 'background', 'yes');
  for (const entry of process.history) {
    const row = el('tr');
    const after = el('td', 'states');
    for (const leaf of leavesOf(entry.state)) after.append(el('span', 'leaf', leaf));
    row.append(el('td', '', clock(entry.at)), el('td', 'event', entry.type), after);
    history.append(row);
  }
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  output.textContent = process.output_tail;
  if (atBottom) output.scrollTop = output.scrollHeight;
  const shown = new TextEncoder().encode(process.output_tail).length;
  outputBytes.textContent = process.output_bytes > shown ? `last ${shown} of ${process.output_bytes} bytes` : `${process.output_bytes} bytes`;
  highlight();
}

function renderList() {
  const list = document.getElementById('process-list');
  list.textContent = '';
  document.getElementById('empty').hidden = view.order.length > 0;
  let running = 0;
  for (const id of view.order) {
    const process = view.processes.get(id);
    if (!process) continue;
    if (process.status === 'active') running += 1;
    const item = el('li');
    item.dataset.processId = id;
    item.dataset.state = process.state;
    item.dataset.status = process.status;
    item.classList.toggle('selected', id === view.selected);
    const meta = [shortId(id), process.pid === null ? null : `pid ${process.pid}`, clock(process.started_at)];
    if (process.exit_reason) meta.push(`${process.exit_reason} (${process.exit_code})`);
    item.append(badge(process), el('code', 'cmd', process.command), el('span', 'meta', meta.filter(Boolean).join(' · ')));
    item.addEventListener('click', () => select(id));
    list.append(item);
  }
  document.getElementById('summary').textContent = `${view.order.length} shown · ${running} running`;
}

/** A person picked a process: keep it selected (and in the address, to share) while it is shown. */
function select(id) {
  view.selected = id;
  view.pinned = true;
  if (location.hash !== `#${id}`) window.history.replaceState(null, '', `#${id}`);
  renderList();
  renderDetail();
}

/** Keeps a picked process; otherwise follows the first one (running first, then newest). */
function reselect() {
  if (view.pinned && view.processes.has(view.selected)) return;
  const wanted = location.hash.slice(1);
  if (wanted && view.processes.has(wanted)) {
    view.selected = wanted;
    view.pinned = true;
    return;
  }
  view.pinned = false;
  view.selected = view.order.length > 0 ? view.order[0] : null;
}

function render() {
  reselect();
  renderList();
  renderDetail();
}

// ---- the live feed ----

function setConnection(state, text) {
  const node = document.getElementById('connection');
  node.dataset.connection = state;
  node.textContent = text;
}

function apply(message) {
  if (message.type === 'snapshot') {
    view.processes = new Map(message.processes.map((p) => [p.id, p]));
    view.order = message.processes.map((p) => p.id);
  } else {
    for (const p of message.processes) view.processes.set(p.id, p);
    view.order = message.order;
    const shown = new Set(view.order);
    for (const id of [...view.processes.keys()]) if (!shown.has(id)) view.processes.delete(id);
  }
  render();
}

let retryTimer = null;

function connect() {
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  const source = new EventSource('/inspect/events');
  const onMessage = (event) => {
    try {
      apply(JSON.parse(event.data));
    } catch (error) {
      console.error('procvisor inspect: bad message', error);
    }
  };
  source.addEventListener('snapshot', onMessage);
  source.addEventListener('update', onMessage);
  source.addEventListener('open', () => setConnection('live', 'live'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (e.g. 503, too many pages open): EventSource gives up, so try again later.
      setConnection('disconnected', 'disconnected, retrying…');
      source.close();
      retryTimer = setTimeout(connect, RECONNECT_AFTER_FAILURE_MS);
    } else {
      setConnection('reconnecting', 'reconnecting…');
    }
  });
}

async function start() {
  try {
    const response = await fetch('/inspect/machine.json');
    if (!response.ok) throw new Error(`machine.json: HTTP ${response.status}`);
    view.chart = await response.json();
    indexChart(view.chart.root);
    renderChart();
  } catch (error) {
    document.getElementById('chart').textContent = `Could not load the machine: ${error.message}`;
  }
  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawArrows();
    });
  });
  window.addEventListener('hashchange', () => {
    view.pinned = false;
    render();
  });
  connect();
}

start().catch((error) => console.error('procvisor inspect: failed to start', error));
