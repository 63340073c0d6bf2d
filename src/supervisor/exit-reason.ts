/**
 * Why a process ended (the `exit_reason` wire field, additive to the reference):
 * - `exited`: the shell exited on its own (any exit code);
 * - `signaled`: a signal nobody asked procvisor for ended it;
 * - `requested`: it ended after a `signal` request (kill or terminate);
 * - `shutdown`: the supervisor closed and terminated it;
 * - `spawn_failed`: it never started (bad workdir, no `sh`);
 * - `drain_cutoff`: it exited, but something kept its output pipes open past the drain timeout,
 *   so procvisor closed them.
 */
export type ExitReason = 'exited' | 'signaled' | 'requested' | 'shutdown' | 'spawn_failed' | 'drain_cutoff';
