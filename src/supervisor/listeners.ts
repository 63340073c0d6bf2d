/**
 * A set of listeners of one kind of fact. `notify` calls each in turn; a throwing listener is
 * reported to `onError` and the others still run.
 */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  /** Adds `listener`; returns its unsubscribe. */
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  notify(value: T, onError: (error: unknown) => void): void {
    for (const listener of this.set) {
      try {
        listener(value);
      } catch (error) {
        onError(error);
      }
    }
  }
}
