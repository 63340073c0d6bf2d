import { ClientError } from '../client/client-error.js';
import type { ProcessApi, ProcessSignal } from '../client/process-api.js';
import type { CliIo } from './cli-io.js';
import { describeError } from './report-error.js';

/**
 * Forwards the signals the CLI receives to the process it runs on the service, as if that process
 * ran in the foreground here: the first SIGINT sends `interrupt`, the first SIGTERM `terminate`;
 * a second signal of either kind sends `kill`; a third gives up waiting (`abandoned` fires) and
 * leaves the process to the service. Signals that arrive before the process has an id are sent
 * once it has one (`attach`). A process that already exited (409) is not an error; other
 * failures are noted on stderr. `close` unsubscribes and waits for the requests in flight.
 */
export class SignalForwarder {
  /** Aborted at the third signal: the CLI stops waiting. */
  readonly abandoned = new AbortController();
  private id: string | null = null;
  private received = 0;
  private readonly queued: ProcessSignal[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly api: ProcessApi,
    private readonly io: CliIo,
    private readonly url: string,
  ) {
    this.unsubscribe = [io.onSignal('SIGINT', () => this.onSignal('interrupt')), io.onSignal('SIGTERM', () => this.onSignal('terminate'))];
  }

  /** Names the process; sends what was received before. */
  attach(id: string): void {
    this.id = id;
    for (const signal of this.queued.splice(0)) this.send(signal);
  }

  /** Sends `signal` now (when stdout broke: `terminate`, as SIGPIPE would end a local command). */
  send(signal: ProcessSignal): void {
    if (this.id === null) {
      this.queued.push(signal);
      return;
    }
    const sent: Promise<void> = this.api.signalProcess(this.id, signal).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof ClientError && error.status === 409) return;
        this.io.stderr.write(`procvisor: could not send ${signal}: ${describeError(error, this.url).message}\n`);
      },
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await Promise.all(this.inFlight);
  }

  private onSignal(first: ProcessSignal): void {
    this.received += 1;
    if (this.received >= 3) {
      this.io.stderr.write(`procvisor: stopped waiting${this.id === null ? '' : `; process ${this.id} may still be running`}\n`);
      this.abandoned.abort(new Error('stopped waiting'));
      return;
    }
    this.send(this.received === 1 ? first : 'kill');
  }
}
