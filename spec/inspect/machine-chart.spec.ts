import { expect } from 'chai';
import { assign, setup } from 'xstate';
import { describeMachine, type ChartState } from '../../src/inspect/machine-chart.js';
import { processMachine } from '../../src/supervisor/process-machine.js';

function allStates(state: ChartState): ChartState[] {
  return [state, ...state.states.flatMap(allStates)];
}

function find(state: ChartState, path: string): ChartState {
  const found = allStates(state).find((s) => s.path === path);
  if (!found) throw new Error(`no state ${path}`);
  return found;
}

describe('describeMachine', () => {
  describe('of processMachine', () => {
    const chart = describeMachine(processMachine);
    // xstate's JSON definition and the raw config are two views of the same machine, independent
    // of the StateNode objects describeMachine reads: the expectations come from them.
    const definition = JSON.parse(JSON.stringify(processMachine.definition)) as DefinitionNode;
    const config = processMachine.config as ConfigNode;

    it('has every state of the definition, nested, with its id, type and initial child', () => {
      const expected = definitionStates(definition).sort();
      const described = allStates(chart.root)
        .map((s) => `${s.id}|${s.path}|${s.type}|${s.initial ?? ''}`)
        .sort();
      expect(described).to.deep.equal(expected);
      expect(chart.id).to.equal(processMachine.id);
      expect(chart.root.invoke).to.deep.equal(['child']);
    });

    it('has running as a parallel state whose regions are lifecycle (alive → draining) and watchdog', () => {
      expect(chart.root.states.map((s) => s.key)).to.deep.equal(['starting', 'running', 'exited']);
      const running = find(chart.root, 'running');
      expect(running).to.include({ id: 'process.running', type: 'parallel', initial: null });
      expect(running.states.map((s) => s.id)).to.deep.equal(['process.running.lifecycle', 'process.running.watchdog']);
      expect(find(chart.root, 'running.lifecycle')).to.include({ type: 'compound', initial: 'running.lifecycle.alive' });
      expect(find(chart.root, 'running.lifecycle').states.map((s) => s.id)).to.deep.equal([
        'process.running.lifecycle.alive',
        'process.running.lifecycle.draining',
      ]);
      expect(find(chart.root, 'running.watchdog')).to.include({ type: 'compound', initial: 'running.watchdog.check' });
      expect(find(chart.root, 'running.watchdog').states.map((s) => s.key)).to.deep.equal(['check', 'unwatched', 'watching', 'terminating']);
      expect(find(chart.root, 'exited').type).to.equal('final');
    });

    it('has exactly the event and after transitions of the definition, with guards, targets and reenter', () => {
      const expected = definitionTransitions(definition).sort();
      const described = allStates(chart.root)
        .flatMap((s) =>
          s.transitions
            .filter((t) => t.kind !== 'always')
            .map((t) => `${s.path}|${t.event}|${t.delay ?? ''}|${t.guard ?? ''}|${t.targets.join(',')}|${t.reenter}`),
        )
        .sort();
      expect(described).to.deep.equal(expected);
      // Every after transition carries the delay its event is named after.
      for (const s of allStates(chart.root)) {
        for (const t of s.transitions.filter((t) => t.kind === 'after')) expect(t.event).to.equal(`xstate.after.${t.delay}.${s.id}`);
      }
    });

    it('has exactly the always transitions and after delays of the config, in order', () => {
      const expected = configEventless(config, processMachine.id).sort();
      const described = allStates(chart.root)
        .flatMap((s) => {
          const always = s.transitions.filter((t) => t.kind === 'always');
          const after = s.transitions.filter((t) => t.kind === 'after');
          return [
            ...(always.length > 0 ? [`${s.id}|always|${always.map((t) => `${t.guard ?? ''}→${t.targets.join(',')}`).join(';')}`] : []),
            ...(after.length > 0 ? [`${s.id}|after|${after.map((t) => String(t.delay)).join(';')}`] : []),
          ];
        })
        .sort();
      expect(described).to.deep.equal(expected);
      expect(described.length).to.be.greaterThan(0);
    });

    it('includes the drain timeout, and the closeSeen check that leaves the parallel state for exited', () => {
      const draining = find(chart.root, 'running.lifecycle.draining');
      expect(draining.transitions.filter((t) => t.kind === 'after')).to.deep.equal([
        {
          kind: 'after',
          event: 'xstate.after.drainTimeout.process.running.lifecycle.draining',
          delay: 'drainTimeout',
          guard: null,
          targets: [],
          reenter: false,
          actions: ['xstate.assign', 'xstate.sendTo'],
        },
      ]);
      expect(draining.transitions.filter((t) => t.kind === 'always')).to.deep.equal([
        { kind: 'always', event: '', delay: null, guard: 'closeSeen', targets: ['exited'], reenter: false, actions: [] },
      ]);
      expect(draining.transitions.find((t) => t.event === 'child.closed')?.targets).to.deep.equal(['exited']);
      expect(find(chart.root, 'running.lifecycle.alive').transitions.map((t) => [t.event, t.targets])).to.deep.equal([
        ['child.exited', ['running.lifecycle.draining']],
      ]);
    });

    it('includes the watchdog: check (always), the lifetime and idleCheck delays, and terminating with killGrace', () => {
      const summary = (path: string): string[] =>
        find(chart.root, path).transitions.map((t) => `${t.kind} ${t.kind === 'after' ? String(t.delay) : t.event} [${t.guard ?? ''}] → ${t.targets.join(',')}${t.reenter ? ' (reenter)' : ''}`);
      expect(summary('running.watchdog')).to.deep.equal(['event terminate [] → running.watchdog.terminating']);
      expect(summary('running.watchdog.check')).to.deep.equal([
        'always  [hasDeadline] → running.watchdog.watching',
        'always  [] → running.watchdog.unwatched',
      ]);
      expect(summary('running.watchdog.unwatched')).to.deep.equal([]);
      expect(summary('running.watchdog.watching')).to.deep.equal([
        'after lifetime [hasLifetime] → running.watchdog.terminating',
        'after idleCheck [idleExpired] → running.watchdog.terminating',
        'after idleCheck [hasIdleTimeout] → running.watchdog.watching (reenter)',
      ]);
      expect(summary('running.watchdog.terminating')).to.deep.equal(['event terminate [] → ', 'after killGrace [] → ']);
    });

    it("leaves out the timers xstate adds for after transitions, and keeps the machine's own actions", () => {
      // terminating sends SIGTERM on entry; xstate adds a delayed raise (entry) and a cancel (exit) for killGrace.
      expect(find(chart.root, 'running.watchdog.terminating')).to.deep.include({ entry: ['xstate.sendTo'], exit: [] });
      expect(find(chart.root, 'running.watchdog.watching')).to.deep.include({ entry: [], exit: [] });
      expect(find(chart.root, 'running.lifecycle.draining')).to.deep.include({ entry: [], exit: [] });
      expect(find(chart.root, 'exited').entry).to.deep.equal(['xstate.assign']);
      // The definition does list them: the description leaves out exactly those.
      const terminating = definition.states['running']?.states['watchdog']?.states['terminating'];
      expect(terminating?.entry.map((a) => a?.type ?? null)).to.deep.equal(['xstate.sendTo', 'xstate.raise']);
    });

    it('is plain JSON', () => {
      expect(JSON.parse(JSON.stringify(chart))).to.deep.equal(chart);
    });
  });

  it('follows a different machine: parallel regions, numeric delays, guards, descriptions, named actions', () => {
    const machine = setup({
      types: { context: {} as { n: number }, events: {} as { type: 'go' } | { type: 'stop' } },
      guards: { ready: () => true },
      actions: { count: assign({ n: ({ context }) => context.n + 1 }) },
    }).createMachine({
      id: 'toy',
      context: { n: 0 },
      initial: 'idle',
      states: {
        idle: { description: 'waiting', on: { go: { target: 'busy', guard: 'ready', actions: 'count' } } },
        busy: {
          type: 'parallel',
          states: {
            left: { initial: 'a', states: { a: { after: { 250: 'b' } }, b: {} } },
            right: { initial: 'c', states: { c: { always: 'd' }, d: {} } },
          },
          on: { stop: '#toy.done' },
        },
        done: { type: 'final' },
      },
    });
    const chart = describeMachine(machine);
    expect(find(chart.root, 'idle').description).to.equal('waiting');
    expect(find(chart.root, 'idle').transitions).to.deep.equal([
      { kind: 'event', event: 'go', delay: null, guard: 'ready', targets: ['busy'], reenter: false, actions: ['count'] },
    ]);
    expect(find(chart.root, 'busy')).to.include({ type: 'parallel', initial: null });
    expect(find(chart.root, 'busy.left').initial).to.equal('busy.left.a');
    expect(find(chart.root, 'busy.left.a').transitions[0]).to.include({ kind: 'after', delay: 250 });
    expect(find(chart.root, 'busy.left.a').transitions[0]?.targets).to.deep.equal(['busy.left.b']);
    expect(find(chart.root, 'busy.right.c').transitions[0]).to.deep.include({ kind: 'always', targets: ['busy.right.d'] });
    expect(find(chart.root, 'busy').transitions[0]?.targets).to.deep.equal(['done']);
    expect(find(chart.root, 'done').type).to.equal('final');
  });
});

interface DefinitionNode {
  id: string;
  type: ChartState['type'];
  initial?: { target: string[] };
  states: Record<string, DefinitionNode>;
  entry: ({ type?: string } | null)[];
  transitions: { eventType: string; delay?: string | number; guard?: string | { type: string }; target?: string[]; reenter?: boolean }[];
}

interface ConfigTransition {
  target?: string | string[];
  guard?: string;
}

interface ConfigNode {
  id?: string;
  states?: Record<string, ConfigNode>;
  always?: string | ConfigTransition | (string | ConfigTransition)[];
  after?: Record<string, unknown>;
}

/** `#process.running.lifecycle` → `running.lifecycle`. */
const toPath = (id: string): string => id.replace(/^#?process\.?/, '');

/** `id|path|type|initial` of every state in xstate's JSON definition. */
function definitionStates(node: DefinitionNode): string[] {
  const initial = node.type === 'compound' ? (node.initial?.target ?? []).map(toPath).join(',') : '';
  const own = `${node.id}|${toPath(node.id)}|${node.type}|${initial}`;
  return [own, ...Object.values(node.states).flatMap(definitionStates)];
}

/** `path|event|delay|guard|targets|reenter` of every transition in xstate's JSON definition (ids → paths). */
function definitionTransitions(node: DefinitionNode): string[] {
  const own = node.transitions.map((t) => {
    const guard = typeof t.guard === 'string' ? t.guard : (t.guard?.type ?? '');
    return `${toPath(node.id)}|${t.eventType}|${t.delay ?? ''}|${guard}|${(t.target ?? []).map(toPath).join(',')}|${t.reenter === true}`;
  });
  return [...own, ...Object.values(node.states).flatMap(definitionTransitions)];
}

/**
 * From the machine's config as written: `id|always|guard→target;…` and `id|after|delay;…` of
 * every state that has them. Targets are resolved as xstate does: `#id`, `.child`, or a sibling.
 */
function configEventless(node: ConfigNode, id: string, parentId: string | null = null): string[] {
  const own: string[] = [];
  if (node.always !== undefined) {
    const list = (Array.isArray(node.always) ? node.always : [node.always]).map((t) => (typeof t === 'string' ? { target: t } : t));
    const resolve = (target: string): string => {
      if (target.startsWith('#')) return toPath(target);
      if (target.startsWith('.')) return toPath(`${id}${target}`);
      return toPath(`${parentId ?? id}.${target}`);
    };
    const targets = (t: ConfigTransition): string => (t.target === undefined ? [] : Array.isArray(t.target) ? t.target : [t.target]).map(resolve).join(',');
    own.push(`${id}|always|${list.map((t) => `${t.guard ?? ''}→${targets(t)}`).join(';')}`);
  }
  if (node.after !== undefined) {
    const delays = Object.entries(node.after).flatMap(([delay, t]) => (Array.isArray(t) ? t.map(() => delay) : [delay]));
    own.push(`${id}|after|${delays.join(';')}`);
  }
  return [...own, ...Object.entries(node.states ?? {}).flatMap(([key, child]) => configEventless(child, `${id}.${key}`, id))];
}
