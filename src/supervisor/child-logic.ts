import { fromCallback } from 'xstate';
import type { Logger } from '../logger.js';
import type { Spawner } from '../spawn/spawner.js';
import type { ChildCommand, ChildInput, ProcessEvent } from './process-machine.js';

/**
 * The process actor's child: spawns through `spawner`, writes output straight into the actor's
 * output (no event per chunk: a snapshot per chunk would cost more than the copy), and reports
 * spawned / exited / closed / failed as `child.*` events. Carries signals, cut-offs, input and
 * resizes to the child. If the actor stops before the child closed (supervisor shutdown, a test
 * tearing down), the whole process group is killed.
 */
export function createChildLogic(spawner: Spawner, log: Logger) {
  return fromCallback<ChildCommand, ChildInput, ProcessEvent>(({ input, sendBack, receive }) => {
    let closed = false;
    const handle = spawner.spawn(input.request, {
      spawned: (pid) => sendBack({ type: 'child.spawned', pid }),
      output: (chunk) => input.buffer.write(chunk),
      exited: (code, signal) => sendBack({ type: 'child.exited', code, signal }),
      closed: () => {
        closed = true;
        sendBack({ type: 'child.closed' });
      },
      failed: (message) => {
        closed = true;
        sendBack({ type: 'child.failed', message });
      },
      warning: (message, cause) => log.warn({ err: cause }, message),
      debug: (message, cause) => log.debug({ err: cause }, message),
    });
    receive((command) => {
      switch (command.type) {
        case 'cutOff':
          handle.cutOff();
          return;
        case 'input':
          handle.write(command.data, command.eof, command.reply);
          return;
        case 'resize':
          handle.resize(command.cols, command.rows);
          return;
        case 'signal':
          try {
            handle.signal(command.signal);
          } catch (error) {
            const failure = error instanceof Error ? error : new Error(String(error));
            sendBack({ type: 'child.signalFailed', signal: command.signal, message: failure.message });
            command.reply?.(failure);
            return;
          }
          command.reply?.(null);
      }
    });
    return () => {
      if (closed) return;
      try {
        handle.signal('SIGKILL');
      } catch (error) {
        log.error({ err: error }, 'failed to kill the process group of a stopped actor');
      }
      handle.cutOff();
    };
  });
}
