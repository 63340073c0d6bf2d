/* global document, window, location, fetch, EventSource, console, setTimeout, clearTimeout, requestAnimationFrame, TextEncoder */
// The /inspect page: draws the process state chart from /inspect/machine.json, and follows
// /inspect/events (Server-Sent Events) to list processes, highlight the selected one's state,
// and show its event history and output tail. No framework, no build step.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const RECONNECT_AFTER_FAILURE_MS = 5000;

const view = {
  chart: null,
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

/** `running.draining` → `running`, `running.draining`: every state that is active. */
function activePaths(state) {
  const parts = state.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

// ---- the chart: boxes from the machine definition, arrows drawn between them ----

function transitionLabel(t) {
  let label;
  if (t.kind === 'always') label = 'always';
  else if (t.kind === 'after') label = `after ${t.delay}${typeof t.delay === 'number' ? ' ms' : ''}`;
  else label = t.event;
  if (t.guard) label += ` [${t.guard}]`;
  label += t.targets.length > 0 ? ` → ${t.targets.map((p) => p.split('.').pop()).join(', ')}` : ' ⟲';
  return label;
}

function renderState(node, isRoot) {
  const box = el('div', `state state-${node.type}${isRoot ? ' state-root' : ''}`);
  box.dataset.path = node.path;
  const head = el('div', 'state-head');
  head.append(el('span', 'name', node.key));
  const kind = isRoot ? 'machine' : node.type === 'atomic' ? '' : node.type;
  if (kind) head.append(el('span', 'kind', kind));
  head.append(el('span', 'here', 'now'));
  box.append(head);
  const notes = [];
  if (node.invoke.length > 0) notes.push(`invokes ${node.invoke.join(', ')}`);
  const entry = node.entry.filter((a) => a !== 'xstate.raise' && a !== 'xstate.cancel');
  if (entry.length > 0) notes.push(`entry / ${entry.map((a) => a.replace(/^xstate\./, '')).join(', ')}`);
  if (node.description) notes.push(node.description);
  if (notes.length > 0) box.append(el('p', 'state-note', notes.join(' · ')));
  if (node.transitions.length > 0) {
    const list = el('ul', 'transitions');
    for (const t of node.transitions) {
      const item = el('li', 'transition', transitionLabel(t));
      // Actions in a tooltip: inline they would make the chart too wide to read.
      if (t.actions.length > 0) item.title = `actions: ${t.actions.map((a) => a.replace(/^xstate\./, '')).join(', ')}`;
      item.dataset.event = t.event;
      item.dataset.source = node.path;
      item.dataset.targets = t.targets.join(' ');
      list.append(item);
    }
    box.append(list);
  }
  if (node.states.length > 0) {
    const row = el('div', 'substates');
    for (const child of node.states) {
      const childBox = renderState(child, false);
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
  canvas.append(renderState(view.chart.root, true), svg);
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

/** The SVG path of one arrow: straight ahead when no box is in the way, else around underneath. */
function arrowPath(s, source, target, boxes) {
  const t = boxes.find((b) => b.path === target).rect;
  const x1 = s.right;
  const y1 = s.top + s.height / 2;
  const y2 = Math.min(Math.max(y1, t.top + 14), t.bottom - 14);
  const inTheWay = boxes.some(
    (b) =>
      !isWithin(source, b.path) && !isWithin(b.path, target) && !isWithin(target, b.path) &&
      b.rect.left < t.left && b.rect.right > x1 && b.rect.top < Math.max(y1, y2) && b.rect.bottom > Math.min(y1, y2),
  );
  if (t.left >= x1 + 8 && !inTheWay) {
    const dx = Math.max(20, (t.left - x1) / 2);
    return `M${x1},${y1} C${x1 + dx},${y1} ${t.left - dx},${y2} ${t.left},${y2}`;
  }
  // Out of the source box to the right, down below every box in between, along, and up into the target.
  const own = boxes.find((b) => b.path === source);
  const cx = Math.max(x1, own ? own.rect.right : x1) + 16;
  const x2 = t.left + Math.min(t.width / 2, 48);
  const between = boxes.filter((b) => b.path !== '' && b.rect.right > Math.min(cx, x2) && b.rect.left < Math.max(cx, x2));
  const low = Math.max(t.bottom, ...between.map((b) => b.rect.bottom)) + 24;
  const r = 10;
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

/** Marks the active states of the selected process, and the transition its last event took. */
function highlight() {
  const canvas = document.querySelector('.chart-canvas');
  if (!canvas) return;
  const process = selectedProcess();
  const active = new Set(process ? activePaths(process.state) : []);
  const current = process ? process.state : null;
  for (const box of canvas.querySelectorAll('.state')) {
    const path = box.dataset.path;
    box.classList.toggle('active', process !== undefined && (path === '' || active.has(path)));
    box.classList.toggle('current', path === current);
  }
  const history = process ? process.history : [];
  const last = history.length > 1 ? history[history.length - 1] : null;
  const wasActive = history.length > 1 ? ['', ...activePaths(history[history.length - 2].state)] : [];
  // xstate lets the deepest active state that handles the event take it.
  const handles = (node) => last !== null && node.dataset.event === last.type && wasActive.includes(node.dataset.source);
  const pills = [...canvas.querySelectorAll('.transition')];
  const deepest = pills.filter(handles).reduce((depth, pill) => Math.max(depth, pill.dataset.source.length), -1);
  const taken = (node) => handles(node) && node.dataset.source.length === deepest;
  for (const pill of pills) pill.classList.toggle('taken', taken(pill));
  for (const path of canvas.querySelectorAll('svg > path')) {
    const on = taken(path) && activePaths(last.state).includes(path.dataset.target);
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

function badge(process) {
  const b = el('span', 'badge', process.state);
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
  fact(facts, 'state', process.state);
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
    row.append(el('td', '', clock(entry.at)), el('td', '', entry.type), el('td', '', entry.state));
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
