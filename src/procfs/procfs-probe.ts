import type { ProcessProbe } from '../supervisor/process-probe.js';
import { fdTarget, isWaitingToRead } from './input-read.js';
import { listeningSockets, socketInodes } from './listening-sockets.js';
import { processTree } from './process-tree.js';

/**
 * The ProcessProbe of Linux: reads /proc. A tree walk visits at most MAX_TREE_PROCESSES
 * processes, so one call costs at most that many small /proc reads (see each function).
 */
export function createProcfsProbe(): ProcessProbe {
  return {
    inputTargets(pid, terminal) {
      const stdin = fdTarget(pid, 0);
      // Our stdin is a socket pair or pipe (libuv), or the terminal's slave. Anything else means
      // the shell has fd 0 redirected right now (`read x < file`): ask again later.
      if (stdin === null || !(terminal ? stdin.startsWith('/dev/pts/') : /^(socket|pipe):\[\d+\]$/.test(stdin))) return null;
      // A program asking for a password often opens /dev/tty itself: that is the same terminal.
      return new Set(terminal ? [stdin, '/dev/tty'] : [stdin]);
    },
    waitsForInput: (leaderPid, targets) => processTree(leaderPid).some((pid) => isWaitingToRead(pid, targets)),
    listeningSockets,
    socketInodes: (leaderPid) => processTree(leaderPid).flatMap(socketInodes),
  };
}
