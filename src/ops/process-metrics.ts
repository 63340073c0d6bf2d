import { Registry, collectDefaultMetrics } from 'prom-client';

let shared: Registry | null = null;

/**
 * The Node process metrics (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, heap,
 * GC, handles...), in a registry of their own. They describe the whole Node process, and
 * prom-client starts an event-loop monitor and a GC observer per registration, so they are
 * registered once per process, however many services run in it (tests start dozens).
 */
export function processMetricsRegistry(): Registry {
  if (shared === null) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
