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
  /**
   * Target state paths (`running.lifecycle.draining`, or `exited` for `#process.exited`); empty
   * for a transition that only runs actions. A target may lie outside the source's region.
   */
  targets: string[];
  /** True when a transition to the source itself (or a descendant) exits and re-enters it (`reenter: true`). */
  reenter: boolean;
  /** Action names (`xstate.assign`, `xstate.sendTo`, or the name given in `setup`). */
  actions: string[];
}

/**
 * One state node and its children, in definition order. A `parallel` state's children are its
 * regions: all of them are active at once, each with its own initial child.
 */
export interface ChartState {
  /** xstate's id (`process.running.lifecycle.draining`). */
  id: string;
  key: string;
  /**
   * Dotted path from the root (`running.lifecycle.draining`); '' for the root. An active atomic
   * state's path is one of the leaf paths `stateName()` joins (`running.lifecycle.alive, …`).
   */
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The path of the initial child of a compound state; null otherwise (a parallel state enters every region). */
  initial: string | null;
  description: string | null;
  /**
   * Entry and exit action names. The timers xstate adds for `after` transitions (`xstate.raise`
   * of an `xstate.after.*` event on entry, its `xstate.cancel` on exit) are left out: the `after`
   * transitions stand for them.
   */
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
 * parallel state with its regions, initial state, final state, event transition, `after` delay
 * and `always` transition, in definition order. Nothing is drawn by hand, so the chart follows the machine as it changes.
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
  reenter?: boolean;
  actions: unknown[];
}

/** xstate's prefix of the events it raises for `after` transitions. */
const AFTER_EVENT_PREFIX = 'xstate.after.';

function describeState(node: NodeLike): ChartState {
  const transitions: ChartTransition[] = [];
  for (const definitions of node.transitions.values()) {
    for (const t of definitions) {
      const delay = t.delay;
      transitions.push(describeTransition(delay === undefined ? 'event' : 'after', t.eventType, delay ?? null, t));
    }
  }
  for (const t of node.always ?? []) transitions.push(describeTransition('always', '', null, t));
  const children = Object.values(node.states);
  const initialTarget = node.type === 'compound' ? node.initial.target[0] : undefined;
  return {
    id: node.id,
    key: node.key,
    path: pathOf(node),
    type: node.type,
    initial: initialTarget ? pathOf(initialTarget) : null,
    description: node.description ?? null,
    entry: actionNames(node.entry.filter((action) => !isAfterTimer(action))),
    exit: actionNames(node.exit.filter((action) => !isAfterTimer(action))),
    invoke: node.invoke.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id)),
    transitions,
    states: children.map(describeState),
  };
}

function describeTransition(kind: ChartTransitionKind, event: string, delay: string | number | null, t: TransitionLike): ChartTransition {
  return {
    kind,
    event,
    delay,
    guard: nameOf(t.guard),
    targets: (t.target ?? []).map(pathOf),
    reenter: t.reenter === true,
    actions: actionNames(t.actions),
  };
}

function actionNames(actions: unknown[]): string[] {
  return actions.map(nameOf).filter((name): name is string => name !== null);
}

/**
 * True for the actions xstate adds to a state with `after` transitions: on entry a delayed
 * `xstate.raise` whose id is the `xstate.after.*` event, on exit the `xstate.cancel` of that id.
 */
function isAfterTimer(action: unknown): boolean {
  if ((typeof action !== 'function' && typeof action !== 'object') || action === null) return false;
  const { type, id, sendId } = action as { type?: unknown; id?: unknown; sendId?: unknown };
  if (type === 'xstate.raise') return typeof id === 'string' && id.startsWith(AFTER_EVENT_PREFIX);
  if (type === 'xstate.cancel') return typeof sendId === 'string' && sendId.startsWith(AFTER_EVENT_PREFIX);
  return false;
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
