/**
 * A counting semaphore with abortable waits. `acquire` resolves to a release function (call it
 * exactly once); an aborted wait leaves the queue and rejects with the signal's reason. Waiters
 * are served in arrival order.
 */
export class Semaphore {
  private free: number;
  private readonly waiters: { grant: () => void }[] = [];

  constructor(slots: number) {
    this.free = slots;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `free` only grows when nobody waits.
      if (next) next.grant();
      else this.free += 1;
    };
  }
}
