import { CONFIG_DEFAULTS } from '../config.js';
import { DEFAULT_HEAD_TAIL_SIZES, HeadTailBuffer, type HeadTailSizes, type RenderedOutput } from './head-tail-buffer.js';
import type { OutputSpill } from './spill-store.js';
import { StreamWindow, type WindowRead } from './stream-window.js';

export interface ProcessOutputSizes extends HeadTailSizes {
  /** Bytes of recent output addressable by cursor while the process runs. */
  streamWindowBytes: number;
  /** Bytes of that window kept once the process exited (the rest is released). */
  exitedStreamBytes: number;
}

/** The configured defaults (config/default.json). */
export const DEFAULT_OUTPUT_SIZES: ProcessOutputSizes = {
  ...DEFAULT_HEAD_TAIL_SIZES,
  streamWindowBytes: CONFIG_DEFAULTS.streamWindowBytes,
  exitedStreamBytes: CONFIG_DEFAULTS.exitedStreamBytes,
};

/** Called synchronously after every write, with the chunk lent for the call; must not throw (a throw is reported and dropped). */
export type OutputListener = (chunk: Buffer) => void;

/**
 * Everything a process actor keeps of its output: the reference's head/tail view (what `output`
 * renders), a cursor-addressed stream window (what streams and cursor reads use), the time of
 * the last write (idle timeouts, quiet waits), and the listeners woken by each write. Memory is
 * bounded by `headBytes + tailBytes + streamWindowBytes` while running and by
 * `exitedStreamBytes` plus the rendered string after `freeze()` (by the rendered string alone
 * when the spill file holds the whole output).
 */
export class ProcessOutput {
  readonly headTail: HeadTailBuffer;
  readonly window: StreamWindow;
  /** The whole output on disk (from offset 0, up to its limit), or null when spilling is off. */
  readonly spill: OutputSpill | null;

  /**
   * The output of a process restored from durable state: its final rendering, and an empty
   * window at its end (cursor reads before it report a gap).
   */
  static restored(rendered: RenderedOutput, totalBytes: number, exitedAt: number): ProcessOutput {
    return new ProcessOutput({}, () => exitedAt, () => undefined, { headTail: HeadTailBuffer.restored(rendered, totalBytes), window: StreamWindow.restoredEmpty(totalBytes) });
  }
  private readonly sizes: ProcessOutputSizes;
  private readonly now: () => number;
  private readonly listeners = new Set<OutputListener>();
  private readonly onListenerError: (error: unknown) => void;
  private lastWriteAt: number;

  /** `onListenerError` receives what a listener threw (the write itself always completes). */
  constructor(
    sizes: Partial<ProcessOutputSizes>,
    now: () => number,
    onListenerError: (error: unknown) => void,
    parts?: { headTail: HeadTailBuffer; window: StreamWindow },
    spill: OutputSpill | null = null,
  ) {
    this.spill = spill;
    this.sizes = { ...DEFAULT_OUTPUT_SIZES, ...sizes };
    this.now = now;
    this.onListenerError = onListenerError;
    this.lastWriteAt = now();
    this.headTail = parts?.headTail ?? new HeadTailBuffer(this.sizes);
    this.window = parts?.window ?? new StreamWindow(this.sizes.streamWindowBytes);
  }

  /** Every byte ever written (also the cursor one past the newest byte). */
  get totalBytes(): number {
    return this.headTail.totalBytes;
  }

  /** When the last byte arrived (or when the process started, if none has), epoch ms. */
  get lastOutputAt(): number {
    return this.lastWriteAt;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Takes `chunk`, lent for the call: every part copies what it keeps (see ChildListener.output). */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.headTail.write(chunk);
    this.window.write(chunk);
    this.spill?.write(chunk);
    this.lastWriteAt = this.now();
    for (const listener of this.listeners) {
      try {
        listener(chunk);
      } catch (error) {
        // A listener's bug must not break the process's output path.
        this.onListenerError(error);
      }
    }
  }

  /** Registers a listener for every later write; returns the unsubscribe. */
  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A copy of the last `maxBytes` bytes still in the stream window (fewer if it holds fewer). */
  tail(maxBytes: number): Buffer {
    const wanted = Math.max(0, this.window.end - maxBytes);
    // An exited window may keep less than the spill file holds (see freeze).
    if (wanted < this.window.start && this.spillComplete()) return this.read(wanted, maxBytes).data;
    const from = Math.max(this.window.start, wanted);
    return this.window.read(from, maxBytes).data;
  }

  /** True when the spill file holds every byte written so far (it never stopped, nothing is missing). */
  private spillComplete(): boolean {
    const spill = this.spill;
    return spill !== null && spill.stopped === null && spill.end === this.totalBytes;
  }

  /**
   * Up to `maxBytes` bytes from `cursor` on, from memory when the stream window still holds
   * them, else from the spill file: so every byte up to the spill's limit stays readable. A cursor
   * older than both snaps forward and reports the gap, as a window read does.
   */
  read(cursor: number, maxBytes: number): WindowRead {
    const spill = this.spill;
    if (spill !== null && cursor < this.window.start && cursor < spill.end) {
      const from = Math.max(0, cursor);
      const data = spill.read(from, maxBytes);
      // An empty read means the file is gone (logged by the spill): the window answers, with its gap.
      if (data.length > 0 || maxBytes <= 0) return { data, from, to: from + data.length, gapBytes: 0 };
    }
    return this.window.read(cursor, maxBytes);
  }

  render(): RenderedOutput {
    return this.headTail.render();
  }

  /** Drops the stream window (an exited process nobody resumed for a while); the head/tail stays. */
  releaseWindow(): void {
    this.window.release();
  }

  /**
   * At exit: renders the final head/tail once, shrinks the window, releases the Buffers. The
   * window's last bytes that the rendering holds verbatim (its tail, or all of a short output)
   * are shared with the rendered string instead of copied. When the spill file holds the whole
   * output, the window keeps nothing of its own (at most the shared tail): cursor reads before
   * it are served from the file, which holds every byte, not only `exitedStreamBytes`.
   */
  freeze(): RenderedOutput {
    // The file is worth creating only when some byte would be readable from nowhere else: the
    // rendering leaves a middle out, or the exited window keeps less than the whole output.
    const { headBytes, tailBytes, exitedStreamBytes, streamWindowBytes } = this.sizes;
    this.spill?.seal(this.totalBytes > headBytes + tailBytes || this.totalBytes > Math.min(exitedStreamBytes, streamWindowBytes));
    const rendered = this.headTail.freeze();
    this.window.freeze(this.sizes.exitedStreamBytes, rendered.output, this.spillComplete());
    return rendered;
  }
}
