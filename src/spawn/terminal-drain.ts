import { drainFd } from './drain-fd.js';

/** At most this many bytes are read synchronously at the cut-off (a background job may write forever). */
export const TERMINAL_DRAIN_BYTES = 1024 * 1024;

/** The parts of node-pty 1.x's UnixTerminal this module relies on (not in its typings). */
interface UnixTerminalInternals {
  _socket?: { destroy?: (error?: Error) => unknown };
  _fd?: unknown;
}

/**
 * Makes node-pty read what is left on the terminal before its cut-off closes it.
 *
 * node-pty (lib/unixTerminal.js) destroys the terminal's socket 200 ms after the child's exit
 * if the socket has not closed by itself (the case of a background job holding the terminal).
 * On a stalled event loop that timer runs before the poll phase reads the output the child wrote
 * just before it exited, and that output is lost. This wraps the socket's `destroy` so that it
 * first reads the master synchronously (non-blocking fd) until EAGAIN, EIO (nothing holds the
 * other side and the buffer is empty) or TERMINAL_DRAIN_BYTES, handing each chunk to `output`.
 * The kernel flushes the pty's pending input before answering such a read (n_tty_read), so
 * everything written before the exit is delivered. Returns false when node-pty's internals do
 * not have the expected shape (then nothing is changed).
 */
export function drainBeforeCutOff(terminal: object, output: (chunk: Buffer) => void, problem: (error: Error) => void): boolean {
  const internals = terminal as UnixTerminalInternals;
  const socket = internals._socket;
  const fd = internals._fd;
  if (!socket || typeof socket.destroy !== 'function' || typeof fd !== 'number') return false;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error) => {
    drainFd(fd, TERMINAL_DRAIN_BYTES, output, problem);
    return destroy(error);
  };
  return true;
}
