import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import type { Logger } from '../logger.js';
import { leanEvent, leanSnapshot } from './lean-inspection.js';

/** A running Stately inspector client. */
export interface StatelyInspector {
  /** Give this to the Supervisor's `inspect` option: every process actor's inspection events. */
  inspect: (event: InspectionEvent) => void;
  /** Stops for good (no reconnect), sends what was already inspected, closes the socket. Resolves once it is closed. */
  stop(): Promise<void>;
}

export interface StatelyInspectorOptions {
  /** The inspector's WebSocket (`ws://localhost:8080` for `@statelyai/inspect/server`). */
  url: string;
  log: Logger;
  /** Wait between connection attempts, ms. */
  reconnectDelayMs?: number;
  /** Events held while disconnected (oldest dropped first). */
  maxDeferredEvents?: number;
  /** Events are dropped while the socket has more than this many bytes unsent. */
  maxBufferedBytes?: number;
  /** A clean close that takes longer than this is cut, ms. */
  closeGraceMs?: number;
}

const DEFAULTS = { reconnectDelayMs: 5000, maxDeferredEvents: 200, maxBufferedBytes: 4 * 1024 * 1024, closeGraceMs: 1000 };

/**
 * Publishes every process actor's inspection events to a Stately inspector over WebSocket, in
 * the Stately inspector protocol: `@statelyai/inspect`'s `createInspector` converts the events
 * (actor created with its machine definition, events, snapshots) exactly as its own WebSocket
 * inspector does. The transport is ours because that one's reconnect timer survives `stop()`
 * and keeps the process alive (stack.md P7). Snapshots are made lean first: no environment (it
 * holds the service's secrets), no output bytes, no functions. Never throws into the actor.
 */
export function createStatelyInspector(options: StatelyInspectorOptions): StatelyInspector {
  const settings = { ...DEFAULTS, ...options };
  const transport = new WebSocketTransport(settings);
  const inspector = createInspector(transport, {
    serialize: (event) => leanStatelyEvent(event),
    maxDeferredEvents: settings.maxDeferredEvents,
  });
  inspector.start();
  return {
    inspect: (event) => {
      if (transport.stopped) return;
      try {
        // Microsteps and actions are not part of the protocol; the inspector would drop them anyway.
        if (event.type === '@xstate.snapshot') inspector.inspect.next?.({ ...event, snapshot: leanSnapshot(event.snapshot) } as InspectionEvent);
        else if (event.type === '@xstate.actor' || event.type === '@xstate.event') inspector.inspect.next?.(event);
      } catch (error) {
        settings.log.warn({ err: error, inspection_type: event.type }, 'stately inspector failed to take an event');
      }
    },
    stop: async () => {
      // The inspector converts each event in a setTimeout(0): let the ones already taken through.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await transport.stop();
    },
  };
}

/** Strips what must not leave the service from an event the inspector built (actor snapshots come raw). */
function leanStatelyEvent(event: StatelyInspectionEvent): StatelyInspectionEvent {
  switch (event.type) {
    case '@xstate.actor':
      return { ...event, snapshot: leanSnapshot(event.snapshot) };
    case '@xstate.snapshot':
      return { ...event, snapshot: leanSnapshot(event.snapshot), event: leanEvent(event.event) } as StatelyInspectionEvent;
    case '@xstate.event':
      return { ...event, event: leanEvent(event.event) };
    default:
      return event;
  }
}

/** The inspector's adapter: one WebSocket, reconnected after failures until stopped; bounded queues. */
class WebSocketTransport {
  stopped = false;
  private readonly settings: Required<StatelyInspectorOptions>;
  private socket: WebSocket | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private deferred: string[] = [];
  private failures = 0;
  private dropped = 0;

  constructor(settings: Required<StatelyInspectorOptions>) {
    this.settings = settings;
  }

  start(): void {
    this.connect();
  }

  send(event: StatelyInspectionEvent): void {
    if (this.stopped) return;
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch (error) {
      this.settings.log.warn({ err: error, inspection_type: event.type }, 'stately inspector could not serialise an event');
      return;
    }
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) {
      this.deferred.push(text);
      if (this.deferred.length > this.settings.maxDeferredEvents) this.deferred.shift();
      return;
    }
    this.write(socket, text);
  }

  private write(socket: WebSocket, text: string): void {
    if (socket.bufferedAmount > this.settings.maxBufferedBytes) {
      // A slow inspector must not grow the heap: drop, and say so once per stall.
      if (this.dropped++ === 0) this.settings.log.warn({ url: this.settings.url }, 'stately inspector is not keeping up; dropping events');
      return;
    }
    this.dropped = 0;
    socket.send(text, (error) => {
      if (error) this.settings.log.debug({ err: error, url: this.settings.url }, 'stately inspector send failed');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const { url, log } = this.settings;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.on('open', () => {
      log.info({ url }, 'stately inspector connected');
      this.failures = 0;
      for (const text of this.deferred.splice(0)) this.write(socket, text);
    });
    // 'close' always follows 'error', so reconnecting is left to 'close'.
    socket.on('error', (error) => {
      if (this.stopped) return;
      // The first failure is news; the same failure every few seconds is not.
      if (this.failures++ === 0) log.warn({ err: error, url }, 'stately inspector connection failed; retrying');
      else log.debug({ err: error, url }, 'stately inspector connection failed again');
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (this.stopped) return;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, this.settings.reconnectDelayMs);
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.deferred = [];
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.terminate();
    } else {
      // A clean close first, so queued events still go out; a peer that never answers is cut.
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'procvisor stopping');
      const cut = setTimeout(() => socket.terminate(), this.settings.closeGraceMs);
      await closed;
      clearTimeout(cut);
      return;
    }
    await closed;
  }
}
