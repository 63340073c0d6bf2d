import { assign, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import type { SpawnRequest } from '../spawn/spawner.js';
import type { ExitReason } from '../protocol/exit-reasons.js';
import type { EndCause } from './end-cause.js';
import type { RenderedOutput } from './head-tail-buffer.js';
import type { ProcessOutput } from './process-output.js';

/** Longest delay a timer may have (Node's limit); stands for "never" where no limit is set. */
const NEVER_MS = 2_147_483_647;

/** Signal and terminate commands kept while a process starts; more are refused (the reply says so). */
export const MAX_QUEUED_COMMANDS = 16;

/** What the supervisor gives a new process actor. */
export interface ProcessInput {
  request: SpawnRequest;
  /** The actor's output; the child logic writes into it, the actor freezes it at exit. */
  buffer: ProcessOutput;
  /** Grace between the shell's exit and closing pipes a grandchild still holds open. */
  drainTimeoutMs: number;
  /** Hard lifetime: terminate (then kill after `killGraceMs`) this long after the start. */
  timeoutMs?: number | null;
  /** Terminate (then kill) once no output arrived for this long. */
  idleTimeoutMs?: number | null;
  /** Grace between SIGTERM and SIGKILL when a timeout ends the process. */
  killGraceMs: number;
  /** Milliseconds since the epoch, from the supervisor's clock. */
  now: () => number;
  /** When the start was asked for (the record's `startedAt`, which durable state keeps); default `now()`. */
  startedAt?: number;
}

export interface ProcessContext {
  request: SpawnRequest;
  buffer: ProcessOutput;
  drainTimeoutMs: number;
  timeoutMs: number | null;
  idleTimeoutMs: number | null;
  /** Grace of the termination under way (SIGTERM → SIGKILL). */
  killGraceMs: number;
  now: () => number;
  startedAt: number;
  pid: number | null;
  /** Exit code as the shell reported it (null when a signal ended it or it never ran). */
  rawExitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Wire exit code (reference convention: -1 for a signal, a spawn failure or a drain cut-off). */
  exitCode: number | null;
  exitReason: ExitReason | null;
  /** Reference-style spawn error text (`chdir /x: no such file or directory`). */
  spawnError: string | null;
  /** The error of a child logic that threw (a bug, not an OS fact); the process then ends as `internal_error`. */
  internalError: string | null;
  closeSeen: boolean;
  drainCutOff: boolean;
  endCause: EndCause | null;
  /** True while input may be written (the process was started with stdin open and no EOF sent). */
  stdinOpen: boolean;
  /** The last signal that could not be delivered, with the OS error text. */
  signalError: string | null;
  /** Signal and terminate commands that arrived while `starting`, applied right after the spawn (at most MAX_QUEUED_COMMANDS). */
  queued: QueuedCommand[];
  exitedAt: number | null;
  /** The frozen output, set on entering `exited`. */
  output: RenderedOutput | null;
}

/** Called once with the outcome of an input write: null, or the error. */
export type InputReply = (error: Error | null) => void;

/**
 * Called with the outcome of a signal delivery: null, or the OS error. Called during the send
 * while the process runs; a command that changes nothing (a terminate already under way) is
 * never answered, which means nothing failed.
 */
export type SignalReply = (error: Error | null) => void;

/** Facts from the OS (past tense, `child.*`) and commands from outside (verbs). */
export type ProcessEvent =
  | { type: 'child.spawned'; pid: number }
  | { type: 'child.exited'; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'child.closed' }
  | { type: 'child.failed'; message: string }
  | { type: 'child.signalFailed'; signal: NodeJS.Signals; message: string }
  | { type: 'signal'; signal: NodeJS.Signals; cause?: EndCause; reply?: SignalReply }
  | { type: 'terminate'; graceMs: number; cause: EndCause; reply?: SignalReply }
  | { type: 'input'; data: Buffer; eof: boolean; reply: InputReply }
  | { type: 'resize'; cols: number; rows: number };

/** A command that waits in `starting` for the child to run. */
export type QueuedCommand = Extract<ProcessEvent, { type: 'signal' | 'terminate' }>;

/** Commands the machine sends to its child logic. */
export type ChildCommand =
  | { type: 'signal'; signal: NodeJS.Signals; reply?: SignalReply }
  | { type: 'cutOff' }
  | { type: 'input'; data: Buffer; eof: boolean; reply: InputReply }
  | { type: 'resize'; cols: number; rows: number };

/** What the child logic receives as input: the request and the output to fill. */
export interface ChildInput {
  request: SpawnRequest;
  buffer: ProcessOutput;
}

/** Replaced through `.provide({ actors: { child } })`: by the supervisor or by a test. */
const childLogicPlaceholder = fromCallback<ChildCommand, ChildInput, ProcessEvent>(() => {
  throw new Error('processMachine needs a child logic: provide one with processMachine.provide({ actors: { child } }).');
});

function exitReasonOf(context: ProcessContext): ExitReason {
  if (context.spawnError !== null) return 'spawn_failed';
  if (context.internalError !== null) return 'internal_error';
  if (context.endCause !== null) return context.endCause;
  if (context.exitSignal !== null) return 'signaled';
  if (context.drainCutOff) return 'drain_cutoff';
  return 'exited';
}

function wireExitCode(context: ProcessContext): number {
  if (context.spawnError !== null || context.internalError !== null || context.exitSignal !== null || context.rawExitCode === null) return -1;
  // Like Go's ErrWaitDelay: a successful exit whose pipes had to be cut off reports -1.
  if (context.drainCutOff && context.rawExitCode === 0 && context.endCause === null) return -1;
  return context.rawExitCode;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const remaining = (deadline: number, now: number): number => Math.min(NEVER_MS, Math.max(0, deadline - now));

/**
 * One OS process as a state machine: `starting → running → exited`. `running` is parallel:
 * `lifecycle` (`alive → draining`) tracks the child, and the machine reaches `exited` only after
 * the shell exited AND every output pipe closed (or the drain cut-off closed them), so whoever
 * reads the status first and the output second never pairs a final status with partial output;
 * `watchdog` runs the lifetime and idle timeouts and the SIGTERM → SIGKILL escalation
 * (`terminating`). A spawn failure goes straight to `exited`, and so does an error of the child
 * logic (`internal_error`; the supervisor kills the group). Entering `exited` freezes the output.
 */
export const processMachine = setup({
  types: { context: {} as ProcessContext, events: {} as ProcessEvent, input: {} as ProcessInput },
  actors: { child: childLogicPlaceholder },
  delays: {
    drainTimeout: ({ context }) => context.drainTimeoutMs,
    lifetime: ({ context }) => (context.timeoutMs === null ? NEVER_MS : remaining(context.startedAt + context.timeoutMs, context.now())),
    idleCheck: ({ context }) =>
      context.idleTimeoutMs === null ? NEVER_MS : remaining(context.buffer.lastOutputAt + context.idleTimeoutMs, context.now()),
    killGrace: ({ context }) => context.killGraceMs,
  },
  guards: {
    closeSeen: ({ context }) => context.closeSeen,
    hasDeadline: ({ context }) => context.timeoutMs !== null || context.idleTimeoutMs !== null,
    hasLifetime: ({ context }) => context.timeoutMs !== null,
    hasIdleTimeout: ({ context }) => context.idleTimeoutMs !== null,
    idleExpired: ({ context }) => context.idleTimeoutMs !== null && context.now() - context.buffer.lastOutputAt >= context.idleTimeoutMs,
    stdinOpen: ({ context }) => context.stdinOpen,
  },
  actions: {
    rejectInput: (_, params: { reply: InputReply }) => params.reply(new Error('stdin is not open')),
    queueCommand: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'signal' && event.type !== 'terminate') return;
      if (context.queued.length >= MAX_QUEUED_COMMANDS) {
        const { reply } = event;
        if (reply) enqueue(() => reply(new Error(`${MAX_QUEUED_COMMANDS} commands already wait for the process to start`)));
        return;
      }
      enqueue.assign({ queued: [...context.queued, event] });
    }),
  },
}).createMachine({
  id: 'process',
  context: ({ input }) => ({
    request: input.request,
    buffer: input.buffer,
    drainTimeoutMs: input.drainTimeoutMs,
    timeoutMs: input.timeoutMs ?? null,
    idleTimeoutMs: input.idleTimeoutMs ?? null,
    killGraceMs: input.killGraceMs,
    now: input.now,
    startedAt: input.startedAt ?? input.now(),
    pid: null,
    rawExitCode: null,
    exitSignal: null,
    exitCode: null,
    exitReason: null,
    spawnError: null,
    internalError: null,
    closeSeen: false,
    drainCutOff: false,
    endCause: null,
    stdinOpen: input.request.stdin === true || input.request.pty !== undefined,
    signalError: null,
    queued: [],
    exitedAt: null,
    output: null,
  }),
  invoke: {
    id: 'child',
    src: 'child',
    input: ({ context }) => ({ request: context.request, buffer: context.buffer }),
    // A child logic that throws (in its start or a command) is a bug, not an OS fact: without
    // this the actor would stay short of `exited` and every waiter, and shutdown, would hang.
    onError: { target: '#process.exited', actions: assign({ internalError: ({ event }) => errorText(event.error) }) },
  },
  initial: 'starting',
  states: {
    starting: {
      on: {
        // Commands that came while starting are raised again, in order, before any later event.
        'child.spawned': {
          target: 'running',
          actions: [
            assign({ pid: ({ event }) => event.pid }),
            enqueueActions(({ context, enqueue }) => {
              for (const command of context.queued) enqueue.raise(command);
              enqueue.assign({ queued: [] });
            }),
          ],
        },
        // Never started: a queued command has nothing left to act on, which is not a failure.
        'child.failed': { target: 'exited', actions: assign({ spawnError: ({ event }) => event.message, queued: [] }) },
        signal: { actions: 'queueCommand' },
        terminate: { actions: 'queueCommand' },
      },
    },
    running: {
      type: 'parallel',
      on: {
        signal: {
          actions: [
            assign({ endCause: ({ context, event }) => context.endCause ?? event.cause ?? null }),
            sendTo('child', ({ event }) => ({ type: 'signal', signal: event.signal, ...(event.reply ? { reply: event.reply } : {}) })),
          ],
        },
        'child.signalFailed': { actions: assign({ signalError: ({ event }) => event.message }) },
        // Node always reports exit before close; a fake child may not, so remember it either way.
        'child.closed': { actions: assign({ closeSeen: true }) },
        input: [
          {
            guard: 'stdinOpen',
            actions: [assign({ stdinOpen: ({ event }) => !event.eof }), sendTo('child', ({ event }) => ({ ...event }))],
          },
          { actions: { type: 'rejectInput', params: ({ event }) => ({ reply: event.reply }) } },
        ],
        resize: { actions: sendTo('child', ({ event }) => ({ ...event })) },
      },
      states: {
        lifecycle: {
          initial: 'alive',
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
        watchdog: {
          initial: 'check',
          on: {
            terminate: {
              target: '.terminating',
              actions: assign({
                endCause: ({ context, event }) => context.endCause ?? event.cause,
                killGraceMs: ({ event }) => event.graceMs,
              }),
            },
          },
          states: {
            check: { always: [{ guard: 'hasDeadline', target: 'watching' }, { target: 'unwatched' }] },
            unwatched: {},
            watching: {
              after: {
                lifetime: { guard: 'hasLifetime', target: 'terminating', actions: assign({ endCause: ({ context }) => context.endCause ?? 'timeout' }) },
                idleCheck: [
                  { guard: 'idleExpired', target: 'terminating', actions: assign({ endCause: ({ context }) => context.endCause ?? 'idle_timeout' }) },
                  // Output arrived meanwhile: look again when the new idle deadline is due.
                  { guard: 'hasIdleTimeout', target: 'watching', reenter: true },
                ],
              },
            },
            terminating: {
              // Entered by a terminate command (whose sender waits for the delivery's outcome) or a timeout.
              entry: sendTo('child', ({ event }) => ({ type: 'signal', signal: 'SIGTERM', ...(event.type === 'terminate' && event.reply ? { reply: event.reply } : {}) })),
              after: { killGrace: { actions: sendTo('child', { type: 'signal', signal: 'SIGKILL' }) } },
              // A second terminate while one is under way changes nothing.
              on: { terminate: {} },
            },
          },
        },
      },
    },
    exited: {
      type: 'final',
      entry: assign(({ context }) => ({
        exitCode: wireExitCode(context),
        exitReason: exitReasonOf(context),
        exitedAt: context.now(),
        stdinOpen: false,
        output: context.buffer.freeze(),
      })),
    },
  },
});

export type ProcessMachine = typeof processMachine;
