import type { ChildHandle, SpawnRequest, Spawner } from '../../src/spawn/spawner.js';

/** Everything a spawned child reported, and promises for its milestones. */
export interface RecordedChild {
  handle: ChildHandle;
  /** `spawned`, `exited`, `closed`, `failed: <message>`, in order. */
  events: string[];
  chunks: Buffer[];
  /** All output so far, as UTF-8. */
  text(): string;
  pid: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with `closed` or `failed`: the end of the child, whichever way. */
  ended: Promise<string>;
}

/** Spawns `request` through `spawner` with a listener that records every fact. */
export function recordChild(spawner: Spawner, request: SpawnRequest): RecordedChild {
  const events: string[] = [];
  const chunks: Buffer[] = [];
  let onPid!: (pid: number) => void;
  let onExit!: (value: { code: number | null; signal: NodeJS.Signals | null }) => void;
  let onEnd!: (how: string) => void;
  const pid = new Promise<number>((resolve) => (onPid = resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => (onExit = resolve));
  const ended = new Promise<string>((resolve) => (onEnd = resolve));
  const handle = spawner.spawn(request, {
    spawned: (p) => {
      events.push('spawned');
      onPid(p);
    },
    // A spawner lends each chunk for the call only (the native one reads the next bytes into the same memory).
    output: (chunk) => chunks.push(Buffer.from(chunk)),
    exited: (code, signal) => {
      events.push('exited');
      onExit({ code, signal });
    },
    closed: () => {
      events.push('closed');
      onEnd('closed');
    },
    failed: (message) => {
      events.push(`failed: ${message}`);
      onEnd('failed');
    },
  });
  return { handle, events, chunks, text: () => Buffer.concat(chunks).toString(), pid, exited, ended };
}
