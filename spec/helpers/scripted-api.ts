import type {
  CallOptions,
  ListProcessesResponse,
  ProcessApi,
  ProcessOutputOptions,
  ProcessOutputResponse,
  ProcessSignal,
  SignalProcessResponse,
  StartProcessRequest,
  StartProcessResponse,
} from '../../src/client/process-api.js';

/** One call the tools made, as the scripted API saw it. */
export interface ScriptedCall {
  method: 'startProcess' | 'listProcesses' | 'processOutput' | 'signalProcess';
  id?: string;
  wait?: boolean;
  signal?: AbortSignal | undefined;
  request?: StartProcessRequest;
  processSignal?: ProcessSignal;
}

/** An answer: a value, an Error to reject with, or a function of the call. */
export type Step<T> = T | Error | ((call: ScriptedCall) => Promise<T>);

/**
 * A ProcessApi whose answers are scripted per method, in order; an unscripted call rejects.
 * Records every call, so tests can assert which calls were made, with which wait flag and signal.
 */
export class ScriptedApi implements ProcessApi {
  readonly calls: ScriptedCall[] = [];
  readonly starts: Step<StartProcessResponse>[] = [];
  readonly lists: Step<ListProcessesResponse>[] = [];
  readonly outputs: Step<ProcessOutputResponse>[] = [];
  readonly signals: Step<SignalProcessResponse>[] = [];

  startProcess(request: StartProcessRequest, options: CallOptions = {}): Promise<StartProcessResponse> {
    return this.answer(this.starts, { method: 'startProcess', request, signal: options.signal });
  }

  listProcesses(options: CallOptions = {}): Promise<ListProcessesResponse> {
    return this.answer(this.lists, { method: 'listProcesses', signal: options.signal });
  }

  processOutput(id: string, options: ProcessOutputOptions = {}): Promise<ProcessOutputResponse> {
    return this.answer(this.outputs, { method: 'processOutput', id, wait: options.wait === true, signal: options.signal });
  }

  signalProcess(id: string, processSignal: ProcessSignal, options: CallOptions = {}): Promise<SignalProcessResponse> {
    return this.answer(this.signals, { method: 'signalProcess', id, processSignal, signal: options.signal });
  }

  private answer<T>(queue: Step<T>[], call: ScriptedCall): Promise<T> {
    this.calls.push(call);
    const step = queue.shift();
    if (step === undefined) return Promise.reject(new Error(`unscripted call to ${call.method}`));
    if (step instanceof Error) return Promise.reject(step);
    if (typeof step === 'function') return (step as (call: ScriptedCall) => Promise<T>)(call);
    return Promise.resolve(step);
  }
}

/** A step that blocks until the call's signal aborts, then rejects with `message` (a cut transport). */
export function untilAborted(message = 'do request: Get "http://agent/output?wait=true": context deadline exceeded'): (call: ScriptedCall) => Promise<never> {
  return (call) =>
    new Promise((_resolve, reject) => {
      const signal = call.signal;
      if (!signal) {
        reject(new Error('the call had no signal, so it could block forever'));
        return;
      }
      if (signal.aborted) reject(new Error(message));
      else signal.addEventListener('abort', () => reject(new Error(message)), { once: true });
    });
}
