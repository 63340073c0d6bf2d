import type { ExitReason } from '../supervisor/exit-reason.js';

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
