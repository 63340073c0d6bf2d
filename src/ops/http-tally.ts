/** Labels of the HTTP metrics; `route` is a route template, never a raw path. */
export type HttpLabel = 'method' | 'route' | 'status';

/** Request duration buckets, seconds: up to the 5-minute cap of a blocking wait. */
export const HTTP_BUCKETS_S: readonly number[] = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 300];

const REQUESTS = {
  name: 'procvisor_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status.',
};
const DURATION = {
  name: 'procvisor_http_request_duration_seconds',
  help: 'HTTP request duration, by method and route template.',
};

/** One method × route template: its duration histogram and its count per status. */
interface RouteTally {
  /** Labels as written in the exposition: `method="GET",route="/x"`. */
  labels: string;
  /** Observations per bucket (not cumulative); the last slot is past every bound (+Inf). */
  buckets: Float64Array;
  sum: number;
  count: number;
  statuses: Map<number, number>;
}

/**
 * The HTTP request metrics (`procvisor_http_requests_total`, `procvisor_http_request_duration_seconds`),
 * kept as plain numbers on the request path and written as Prometheus text at scrape time.
 * prom-client's labelled metrics hash the label object on every observation (measured: ~1.4 µs
 * of a ~27 µs snapshot GET, the largest single cost procvisor adds to Koa); here a request is
 * two Map lookups, a bucket search over ten bounds and a few additions. Bounded by methods ×
 * route templates × statuses, which the caller keeps bounded.
 */
export class HttpTally {
  private readonly routes = new Map<string, Map<string, RouteTally>>();

  constructor(private readonly bounds: readonly number[] = HTTP_BUCKETS_S) {}

  /** Counts one answered request. `method` and `route` must come from bounded sets. */
  record(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.routes.get(route);
    if (byMethod === undefined) this.routes.set(route, (byMethod = new Map<string, RouteTally>()));
    let tally = byMethod.get(method);
    if (tally === undefined) {
      tally = { labels: `method="${escapeLabel(method)}",route="${escapeLabel(route)}"`, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0, statuses: new Map() };
      byMethod.set(method, tally);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]!) bucket++;
    tally.buckets[bucket]!++;
    tally.sum += seconds;
    tally.count++;
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  }

  /** Both families in the Prometheus text format (0.0.4), each ending with a newline. */
  render(): string {
    const requests = [`# HELP ${REQUESTS.name} ${REQUESTS.help}`, `# TYPE ${REQUESTS.name} counter`];
    const duration = [`# HELP ${DURATION.name} ${DURATION.help}`, `# TYPE ${DURATION.name} histogram`];
    for (const byMethod of this.routes.values()) {
      for (const tally of byMethod.values()) {
        for (const [status, count] of tally.statuses) requests.push(`${REQUESTS.name}{${tally.labels},status="${status}"} ${count}`);
        let cumulative = 0;
        for (let i = 0; i <= this.bounds.length; i++) {
          cumulative += tally.buckets[i]!;
          const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
          duration.push(`${DURATION.name}_bucket{le="${le}",${tally.labels}} ${cumulative}`);
        }
        duration.push(`${DURATION.name}_sum{${tally.labels}} ${tally.sum}`, `${DURATION.name}_count{${tally.labels}} ${tally.count}`);
      }
    }
    return `${requests.join('\n')}\n\n${duration.join('\n')}\n`;
  }
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
