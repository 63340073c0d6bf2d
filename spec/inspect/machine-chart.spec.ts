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

    it('has every state of the definition, nested, with its type and initial child', () => {
      expect(chart.id).to.equal('process');
      expect(chart.root.initial).to.equal('starting');
      expect(chart.root.states.map((s) => s.key)).to.deep.equal(['starting', 'running', 'exited']);
      expect(find(chart.root, 'running')).to.include({ type: 'compound', initial: 'running.alive' });
      expect(find(chart.root, 'running').states.map((s) => s.path)).to.deep.equal(['running.alive', 'running.draining']);
      expect(find(chart.root, 'exited').type).to.equal('final');
      expect(chart.root.invoke).to.deep.equal(['child']);
    });

    it('has exactly the transitions of the definition, with their targets', () => {
      // The JSON definition is a second, independent view of the same machine.
      const definition = JSON.parse(JSON.stringify(processMachine.definition)) as DefinitionNode;
      const expected = definitionTransitions(definition).sort();
      const described = allStates(chart.root)
        .flatMap((s) => s.transitions.filter((t) => t.kind !== 'always').map((t) => `${s.path}|${t.event}|${t.targets.join(',')}`))
        .sort();
      expect(described).to.deep.equal(expected);
    });

    it('includes the drain timeout as an after transition and the closeSeen check as always', () => {
      const draining = find(chart.root, 'running.draining');
      const after = draining.transitions.find((t) => t.kind === 'after');
      expect(after).to.include({ delay: 'drainTimeout', guard: null });
      expect(after?.targets).to.deep.equal([]);
      expect(after?.actions).to.deep.equal(['xstate.assign', 'xstate.sendTo']);
      const always = draining.transitions.find((t) => t.kind === 'always');
      expect(always).to.deep.include({ event: '', guard: 'closeSeen', targets: ['exited'] });
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
      { kind: 'event', event: 'go', delay: null, guard: 'ready', targets: ['busy'], actions: ['count'] },
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
  states: Record<string, DefinitionNode>;
  transitions: { eventType: string; target?: string[] }[];
}

/** `path|event|targets` of every transition in xstate's JSON definition (ids → paths). */
function definitionTransitions(node: DefinitionNode): string[] {
  const toPath = (id: string): string => id.replace(/^#?process\.?/, '');
  const own = node.transitions.map((t) => `${toPath(node.id)}|${t.eventType}|${(t.target ?? []).map(toPath).join(',')}`);
  return [...own, ...Object.values(node.states).flatMap(definitionTransitions)];
}
