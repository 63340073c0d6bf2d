import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { SpawnRequest } from '../spawn/spawner.js';
import type { ExitReason } from './exit-reason.js';
import type { HeadTailBuffer, RenderedOutput } from './head-tail-buffer.js';

/** Who asked for a signal: a client, or the supervisor shutting down. */
export type SignalOrigin = 'request' | 'shutdown';

/** What the supervisor gives a new process actor. */
export interface ProcessInput {
  request: SpawnRequest;
  /** The actor's output buffer; the child logic writes into it, the actor freezes it at exit. */
  buffer: HeadTailBuffer;
  /** Grace between the shell's exit and closing pipes a grandchild still holds open. */
  drainTimeoutMs: number;
  /** Milliseconds since the epoch, from the supervisor's clock. */
  now: () => number;
}

export interface ProcessContext {
  request: SpawnRequest;
  buffer: HeadTailBuffer;
  drainTimeoutMs: number;
  now: () => number;
  pid: number | null;
  /** Exit code as the shell reported it (null when a signal ended it or it never ran). */
  rawExitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Wire exit code (reference convention: -1 for a signal, a spawn failure or a drain cut-off). */
  exitCode: number | null;
  exitReason: ExitReason | null;
  /** Reference-style spawn error text (`chdir /x: no such file or directory`). */
  spawnError: string | null;
  closeSeen: boolean;
  drainCutOff: boolean;
  signalOrigin: SignalOrigin | null;
  /** The last signal that could not be delivered, with the OS error text. */
  signalError: string | null;
  exitedAt: number | null;
  /** The frozen output, set on entering `exited`. */
  output: RenderedOutput | null;
}

/** Facts from the OS (past tense, `child.*`) and commands from outside (verbs). */
export type ProcessEvent =
  | { type: 'child.spawned'; pid: number }
  | { type: 'child.exited'; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'child.closed' }
  | { type: 'child.failed'; message: string }
  | { type: 'child.signalFailed'; signal: NodeJS.Signals; message: string }
  | { type: 'signal'; signal: NodeJS.Signals; origin: SignalOrigin };

/** Commands the machine sends to its child logic. */
export type ChildCommand = { type: 'signal'; signal: NodeJS.Signals } | { type: 'cutOff' };

/** What the child logic receives as input: the request and the buffer to fill. */
export interface ChildInput {
  request: SpawnRequest;
  buffer: HeadTailBuffer;
}

/** Replaced through `.provide({ actors: { child } })`: by the supervisor or by a test. */
const childLogicPlaceholder = fromCallback<ChildCommand, ChildInput, ProcessEvent>(() => {
  throw new Error('processMachine needs a child logic: provide one with processMachine.provide({ actors: { child } }).');
});

function exitReasonOf(context: ProcessContext): ExitReason {
  if (context.spawnError !== null) return 'spawn_failed';
  if (context.signalOrigin === 'shutdown') return 'shutdown';
  if (context.signalOrigin === 'request') return 'requested';
  if (context.exitSignal !== null) return 'signaled';
  if (context.drainCutOff) return 'drain_cutoff';
  return 'exited';
}

function wireExitCode(context: ProcessContext): number {
  if (context.spawnError !== null || context.exitSignal !== null || context.rawExitCode === null) return -1;
  // Like Go's ErrWaitDelay: a successful exit whose pipes had to be cut off reports -1.
  if (context.drainCutOff && context.rawExitCode === 0 && context.signalOrigin === null) return -1;
  return context.rawExitCode;
}

/**
 * One OS process as a state machine: `starting → running → exited`. `running` has two
 * substates, `alive` and `draining`: the machine reaches `exited` only after the shell exited
 * AND every output pipe closed (or the drain cut-off closed them), so whoever reads the status
 * first and the output second never pairs a final status with partial output. A spawn failure
 * goes straight from `starting` to `exited`. Entering `exited` freezes the buffer.
 */
export const processMachine = setup({
  types: { context: {} as ProcessContext, events: {} as ProcessEvent, input: {} as ProcessInput },
  actors: { child: childLogicPlaceholder },
  delays: { drainTimeout: ({ context }) => context.drainTimeoutMs },
  guards: { closeSeen: ({ context }) => context.closeSeen },
}).createMachine({
  id: 'process',
  context: ({ input }) => ({
    request: input.request,
    buffer: input.buffer,
    drainTimeoutMs: input.drainTimeoutMs,
    now: input.now,
    pid: null,
    rawExitCode: null,
    exitSignal: null,
    exitCode: null,
    exitReason: null,
    spawnError: null,
    closeSeen: false,
    drainCutOff: false,
    signalOrigin: null,
    signalError: null,
    exitedAt: null,
    output: null,
  }),
  invoke: { id: 'child', src: 'child', input: ({ context }) => ({ request: context.request, buffer: context.buffer }) },
  initial: 'starting',
  states: {
    starting: {
      on: {
        'child.spawned': { target: 'running', actions: assign({ pid: ({ event }) => event.pid }) },
        'child.failed': { target: 'exited', actions: assign({ spawnError: ({ event }) => event.message }) },
      },
    },
    running: {
      initial: 'alive',
      on: {
        signal: {
          actions: [
            // The first origin wins: a shutdown after a client's kill is still the client's kill.
            assign({ signalOrigin: ({ context, event }) => context.signalOrigin ?? event.origin }),
            sendTo('child', ({ event }) => ({ type: 'signal', signal: event.signal })),
          ],
        },
        'child.signalFailed': { actions: assign({ signalError: ({ event }) => event.message }) },
        // Node always reports exit before close; a fake child may not, so remember it either way.
        'child.closed': { actions: assign({ closeSeen: true }) },
      },
      states: {
        alive: {
          on: {
            'child.exited': {
              target: 'draining',
              actions: assign({ rawExitCode: ({ event }) => event.code, exitSignal: ({ event }) => event.signal }),
            },
          },
        },
        draining: {
          always: { guard: 'closeSeen', target: '#process.exited' },
          after: {
            drainTimeout: { actions: [assign({ drainCutOff: true }), sendTo('child', { type: 'cutOff' })] },
          },
          on: { 'child.closed': { target: '#process.exited', actions: assign({ closeSeen: true }) } },
        },
      },
    },
    exited: {
      type: 'final',
      entry: assign(({ context }) => ({
        exitCode: wireExitCode(context),
        exitReason: exitReasonOf(context),
        exitedAt: context.now(),
        output: context.buffer.freeze(),
      })),
    },
  },
});

export type ProcessMachine = typeof processMachine;
