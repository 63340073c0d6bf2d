import type { AnyStateMachine } from 'xstate';

/** How a transition is triggered: a named event, a delay (`after`), or eventless (`always`). */
export type ChartTransitionKind = 'event' | 'after' | 'always';

/** One transition of a state, as the machine defines it. */
export interface ChartTransition {
  kind: ChartTransitionKind;
  /** The event type (`child.spawned`); for `after`, xstate's generated `xstate.after.*` type; '' for `always`. */
  event: string;
  /** For `after`: the delay, a name from `setup({ delays })` or milliseconds. */
  delay: string | number | null;
  guard: string | null;
  /** Target state paths (`running.draining`); empty for a transition that only runs actions. */
  targets: string[];
  /** Action names (`xstate.assign`, `xstate.sendTo`, or the name given in `setup`). */
  actions: string[];
}

/** One state node and its children, in definition order. */
export interface ChartState {
  /** xstate's id (`process.running.draining`). */
  id: string;
  key: string;
  /** Dotted path from the root (`running.draining`); '' for the root. Matches `stateName()`. */
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The path of the initial child of a compound state. */
  initial: string | null;
  description: string | null;
  entry: string[];
  exit: string[];
  /** Actors invoked while in this state (`child`). */
  invoke: string[];
  transitions: ChartTransition[];
  states: ChartState[];
}

/** The state chart of a machine: what `/inspect/machine.json` serves and the page draws. */
export interface MachineChart {
  id: string;
  root: ChartState;
}

/**
 * Describes `machine` from its runtime definition (`machine.root`): every state, nested state,
 * initial state, final state, event transition, `after` delay and `always` transition, in
 * definition order. Nothing is drawn by hand, so the chart follows the machine as it changes.
 * Pure; the result is plain JSON.
 */
export function describeMachine(machine: AnyStateMachine): MachineChart {
  return { id: machine.id, root: describeState(machine.root as unknown as NodeLike) };
}

/** The parts of xstate's StateNode read here (its generics carry `any` we do not need). */
interface NodeLike {
  id: string;
  key: string;
  path: string[];
  type: ChartState['type'];
  description?: string;
  states: Record<string, NodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  initial: { target: NodeLike[] };
  entry: unknown[];
  exit: unknown[];
  invoke: { id: string; src: unknown }[];
}

interface TransitionLike {
  eventType: string;
  delay?: string | number;
  guard?: unknown;
  target?: NodeLike[];
  actions: unknown[];
}


function describeState(node: NodeLike): ChartState {
  const transitions: ChartTransition[] = [];
  for (const definitions of node.transitions.values()) {
    for (const t of definitions) {
      const delay = t.delay;
      transitions.push({
        kind: delay === undefined ? 'event' : 'after',
        event: t.eventType,
        delay: delay ?? null,
        guard: nameOf(t.guard),
        targets: (t.target ?? []).map(pathOf),
        actions: t.actions.map(nameOf).filter((name): name is string => name !== null),
      });
    }
  }
  for (const t of node.always ?? []) {
    transitions.push({
      kind: 'always',
      event: '',
      delay: null,
      guard: nameOf(t.guard),
      targets: (t.target ?? []).map(pathOf),
      actions: t.actions.map(nameOf).filter((name): name is string => name !== null),
    });
  }
  const children = Object.values(node.states);
  const initialTarget = node.type === 'compound' ? node.initial.target[0] : undefined;
  return {
    id: node.id,
    key: node.key,
    path: pathOf(node),
    type: node.type,
    initial: initialTarget ? pathOf(initialTarget) : null,
    description: node.description ?? null,
    entry: node.entry.map(nameOf).filter((name): name is string => name !== null),
    exit: node.exit.map(nameOf).filter((name): name is string => name !== null),
    invoke: node.invoke.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id)),
    transitions,
    states: children.map(describeState),
  };
}

function pathOf(node: NodeLike): string {
  return node.path.join('.');
}

/**
 * The name of an action or guard as written in the machine: a string, `{ type }`, or a function
 * (xstate's built-in action creators carry a `type` such as `xstate.assign`).
 */
function nameOf(item: unknown): string | null {
  if (item === undefined || item === null) return null;
  if (typeof item === 'string') return item;
  if (typeof item === 'object' || typeof item === 'function') {
    const type = (item as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    const name = (item as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return typeof item === 'function' ? 'inline' : null;
}
