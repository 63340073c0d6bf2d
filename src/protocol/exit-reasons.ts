/**
 * Why a process ended (the `exit_reason` wire field, additive to the reference):
 * - `exited`: the shell exited on its own (any exit code);
 * - `signaled`: a signal nobody asked procvisor for ended it;
 * - `requested`: it ended after a client asked to end it (kill, terminate, interrupt, hangup, quit);
 * - `timeout`: its `timeout_ms` lifetime ran out;
 * - `idle_timeout`: it printed nothing for `idle_timeout_ms`;
 * - `shutdown`: the supervisor closed and terminated it;
 * - `spawn_failed`: it never started (bad workdir, no `sh`);
 * - `drain_cutoff`: it exited, but something kept its output pipes open past the drain timeout,
 *   so procvisor closed them;
 * - `internal_error`: procvisor's own handling of it failed (a bug); its group was killed;
 * - `swept`: it was still running when the service was killed, and the crash sweep of the next
 *   start-up (with `dataDir`) ended its process group.
 */
export type ExitReason = 'exited' | 'signaled' | 'requested' | 'timeout' | 'idle_timeout' | 'shutdown' | 'spawn_failed' | 'drain_cutoff' | 'internal_error' | 'swept';

// A Record, so a new ExitReason does not compile until it is listed here.
const REASONS: Record<ExitReason, true> = {
  exited: true,
  signaled: true,
  requested: true,
  timeout: true,
  idle_timeout: true,
  shutdown: true,
  spawn_failed: true,
  drain_cutoff: true,
  internal_error: true,
  swept: true,
};

/** Every ExitReason at run time: the metric's label values and the OpenAPI enum. */
export const EXIT_REASONS = Object.keys(REASONS) as [ExitReason, ...ExitReason[]];
