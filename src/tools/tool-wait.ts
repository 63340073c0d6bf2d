import type { OutputReadQuery, OutputReadResponse, ProcessApi } from '../client/process-api.js';
import { readNewOutput, type NewOutput } from './new-output.js';

/**
 * When a waiting tool call returns early, besides the process's exit (which always ends a wait).
 * A new condition is one more case here and in `waitQuery` (the API's `wait=` value).
 */
export type ReturnWhen =
  | { kind: 'exit' }
  /** Output from the cursor on matches this RE2 pattern. */
  | { kind: 'match'; pattern: string }
  /** Some output after the cursor, then none for this long (a reply that has finished). */
  | { kind: 'quiet'; quietMs: number }
  /** Any output after the cursor. */
  | { kind: 'output' }
  /** The process blocks reading its stdin (started with `stdin`): it waits for an answer. */
  | { kind: 'input' }
  /** The process group listens on `port`, or on any TCP port when it is null (a server is ready). */
  | { kind: 'port'; port: number | null };

/** The API query of one wait round: `when`, from `cursor`, at most `timeoutMs`. */
export function waitQuery(when: ReturnWhen, cursor: number, timeoutMs: number): OutputReadQuery {
  const base = { timeout_ms: Math.max(1, Math.ceil(timeoutMs)), omit_output: true } as const;
  // A cursor makes the answer carry a delta; only the conditions that start at a cursor send one.
  const from = { cursor, limit: 1 } as const;
  switch (when.kind) {
    case 'exit':
      return { ...base, wait: 'exit' };
    case 'match':
      return { ...base, ...from, wait: 'match', pattern: when.pattern };
    case 'quiet':
      return { ...base, wait: 'quiet', quiet_ms: when.quietMs };
    case 'output':
      return { ...base, ...from, wait: 'output' };
    case 'input':
      return { ...base, wait: 'input' };
    case 'port':
      return { ...base, wait: 'port', ...(when.port === null ? {} : { port: when.port }) };
  }
}

/** Why a wait ended: `timeout` is the tool's own deadline; the others are the API's wait results. */
export type WaitReason = 'exited' | 'match' | 'quiet' | 'output' | 'input' | 'port' | 'timeout';

/** What a wait saw: the status right after it ended, why it ended, and the new output since the cursor (bounded). */
export interface WaitOutcome {
  status: OutputReadResponse;
  reason: WaitReason;
  match?: { text: string; offset: number };
  /** With `port`: the ports the group listened on when the wait ended. */
  ports?: number[];
  output: NewOutput;
}

export type ReadApi = Required<Pick<ProcessApi, 'readOutput'>>;

interface Ended {
  status: OutputReadResponse;
  reason: WaitReason;
}

/**
 * Waits for one condition (or the exit) until `deadline`, asking again when the server's cap
 * ended a round first. Quiet counts only after something new: first output past the cursor, then silence.
 */
async function waitOne(api: ReadApi, id: string, when: ReturnWhen, cursor: number, deadline: number, signal: AbortSignal): Promise<Ended> {
  let status: OutputReadResponse;
  let round: ReturnWhen = when.kind === 'quiet' ? { kind: 'output' } : when;
  for (;;) {
    const remaining = deadline - performance.now();
    status = remaining <= 0 ? await api.readOutput(id, { omit_output: true }, { signal }) : await api.readOutput(id, waitQuery(round, cursor, remaining), { signal });
    const result = status.wait_result ?? (status.running ? 'timeout' : 'exited');
    if (when.kind === 'quiet' && round.kind === 'output' && result === 'output') {
      round = when;
      continue;
    }
    if (result !== 'timeout' || !status.running || performance.now() >= deadline) break;
  }
  const result = status.wait_result ?? (status.running ? 'timeout' : 'exited');
  return { status, reason: !status.running && result === 'timeout' ? 'exited' : result === 'http' ? 'port' : result };
}

/**
 * Waits until any of `conditions` holds (or the exit) from `cursor`, for at most `timeoutMs`:
 * one long-poll per condition at a time, the first to hold aborts the others. A condition whose
 * wait fails (e.g. an input wait where the service cannot watch: 501) drops out and the others
 * go on. Then collects the output between `cursor` and the end it saw (see readNewOutput).
 * Rejects with the client's error when every wait failed (the caller words it for the model).
 */
export async function waitAndCollect(api: ReadApi, id: string, conditions: ReturnWhen | readonly ReturnWhen[], cursor: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<WaitOutcome> {
  const list = Array.isArray(conditions) ? (conditions as readonly ReturnWhen[]) : [conditions as ReturnWhen];
  const deadline = performance.now() + timeoutMs;
  const race = new AbortController();
  const raceSignal = signal ? AbortSignal.any([signal, race.signal]) : race.signal;
  // The first condition that holds wins and ends the others. An exit ends every wait by itself,
  // so it aborts nothing: a match seen just before the exit still counts as the match.
  const rank = (ended: Ended): number => (ended.reason === 'timeout' ? 0 : ended.reason === 'exited' ? 1 : 2);
  let winner: Ended | null = null;
  const settled = await Promise.allSettled(
    list.map(async (when) => {
      const ended = await waitOne(api, id, when, cursor, deadline, raceSignal);
      if (winner === null || rank(ended) > rank(winner)) winner = ended;
      if (rank(ended) === 2) race.abort();
      return ended;
    }),
  );
  const found = winner as Ended | null;
  if (found === null) {
    // Every wait failed: report the first failure.
    const failure = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
    throw failure?.reason ?? new Error('wait ended without an answer');
  }
  if (signal?.aborted) throw signal.reason;
  // The end of the output now (a read without a cursor answers the total in next_cursor), and the status with it.
  const now = await api.readOutput(id, { omit_output: true }, { signal });
  const end = now.next_cursor ?? cursor;
  const output = await readNewOutput(api, id, cursor, end, signal);
  const { status, reason } = found;
  return {
    status: now,
    reason,
    ...(status.match && reason === 'match' ? { match: status.match } : {}),
    ...(status.listening_ports && reason === 'port' ? { ports: status.listening_ports } : {}),
    output,
  };
}
