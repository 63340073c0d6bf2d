import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HttpTally } from './http-tally.js';
import type { ProcessRecord } from '../supervisor/process-record.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { EXIT_REASONS } from '../protocol/exit-reasons.js';
import { processMetricsRegistry } from './process-metrics.js';

export type { HttpLabel } from './http-tally.js';

/** Spawn latency buckets, seconds: a fork+exec of `sh` takes about 1–10 ms. */
const SPAWN_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * procvisor's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * several services in one process, as in tests, do not collide). Process metrics follow the
 * supervisor through its start and exit listeners; gauges are read at scrape time.
 */
export interface ServiceMetrics {
  /** The process and stream metrics (prom-client); `render()` adds the HTTP ones and the Node process's. */
  readonly registry: Registry;
  /** The HTTP request metrics, counted by the HTTP layer (see HttpTally). */
  readonly http: HttpTally;
  /** The Content-Type of `render()`'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /**
   * The hook of the output stream feature: `source` is read at each scrape for
   * `procvisor_stream_readers`. Until something sets it, the gauge reads 0.
   */
  setStreamReaderSource(source: () => number): void;
  /** This service's metrics followed by the Node process metrics, as Prometheus text. */
  render(): Promise<string>;
  /** Stops following the supervisor. Idempotent. */
  close(): void;
}

type MetricsSupervisor = Pick<Supervisor, 'onProcessStart' | 'onProcessExit' | 'onSpawnFailure' | 'stats'>;

/**
 * Creates the metrics of one service and subscribes them to `supervisor`. `sweptAtStart`: how
 * many processes of a killed earlier run the crash sweep ended at this start-up (counted as
 * exits with reason `swept`).
 */
export function createServiceMetrics(supervisor: MetricsSupervisor, options: { sweptAtStart?: number } = {}): ServiceMetrics {
  const registry = new Registry();
  let streamReaders: () => number = () => 0;
  // Output bytes already counted, per running process: a scrape adds what each wrote since,
  // and the exit adds the rest, so the counter is exact at every scrape and holds no exited record.
  const counted = new Map<ProcessRecord, number>();
  const countOutput = (record: ProcessRecord): number => {
    const total = record.snapshot.context.buffer.totalBytes;
    const delta = total - (counted.get(record) ?? 0);
    counted.set(record, total);
    return delta;
  };

  const started = new Counter({ name: 'procvisor_processes_started_total', help: 'Processes that started running.', registers: [registry] });
  const exited = new Counter({ name: 'procvisor_processes_exited_total', help: 'Processes that exited (output drained), by exit_reason.', labelNames: ['reason'], registers: [registry] });
  for (const reason of EXIT_REASONS) exited.inc({ reason }, 0);
  exited.inc({ reason: 'swept' }, options.sweptAtStart ?? 0);
  const spawnDuration = new Histogram({
    name: 'procvisor_spawn_duration_seconds',
    help: 'Time from asking the spawner to the child running.',
    buckets: SPAWN_BUCKETS_S,
    registers: [registry],
  });
  const outputBytes = new Counter({
    name: 'procvisor_output_bytes_total',
    help: 'Output bytes written by supervised processes (stdout and stderr), including bytes the bounded buffer dropped.',
    registers: [registry],
    collect() {
      for (const record of counted.keys()) this.inc(countOutput(record));
    },
  });
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() {
      this.set(read());
    } });
  };
  gauge('procvisor_processes_running', 'Processes not yet exited.', () => supervisor.stats().running);
  gauge('procvisor_blocking_waiters', 'Requests blocked in GET /{id}/output?wait=true.', () => supervisor.stats().waiters);
  gauge('procvisor_stream_readers', 'Clients reading an output stream.', () => streamReaders());
  const http = new HttpTally();

  const unsubscribeStart = supervisor.onProcessStart((record) => {
    started.inc();
    if (record.spawnDurationMs !== null) spawnDuration.observe(record.spawnDurationMs / 1000);
    counted.set(record, 0);
  });
  const unsubscribeExit = supervisor.onProcessExit((record) => {
    outputBytes.inc(countOutput(record));
    counted.delete(record);
    exited.inc({ reason: record.snapshot.context.exitReason ?? 'exited' });
  });
  // A failed start never runs, so it is counted only here (not as started).
  const unsubscribeFailure = supervisor.onSpawnFailure(() => exited.inc({ reason: 'spawn_failed' }));

  return {
    registry,
    http,
    contentType: registry.contentType,
    setStreamReaderSource(source) {
      streamReaders = source;
    },
    render: async () => {
      const [service, node] = await Promise.all([registry.metrics(), processMetricsRegistry().metrics()]);
      return `${service}\n${http.render()}\n${node}`;
    },
    close() {
      unsubscribeStart();
      unsubscribeExit();
      unsubscribeFailure();
      counted.clear();
    },
  };
}
