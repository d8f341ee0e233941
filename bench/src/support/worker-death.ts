// A worker process's death, heard by whoever waits on it (watched()). Waits subscribe and unsubscribe:
// Promise.race over a promise that never settles (a worker that lives) leaves one reaction on that
// promise per race for the process's life. The soak's publisher raced once per publish, about
// 720,000 times an hour; the bench's heap grew by some 200 MB of them, and its garbage collections
// over that heap took a core for hundreds of milliseconds at a time late in the run, which showed in
// the very latency the soak measures.

export type DeathListener = (err: Error) => void;

/** Anything that may die during a run and tells its listeners once. */
export interface Mortal {
  /** Calls `listener` with the error once the process has died (at once if it already has); returns the unsubscribe. */
  onDeath(listener: DeathListener): () => void;
}

export class DeathWatch implements Mortal {
  private readonly listeners = new Set<DeathListener>();
  private error: Error | undefined;

  onDeath(listener: DeathListener): () => void {
    if (this.error) {
      const err = this.error;
      queueMicrotask(() => listener(err));
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener, once; later ones hear it as they subscribe. */
  die(err: Error): void {
    if (this.error) return;
    this.error = err;
    for (const listener of this.listeners) listener(err);
    this.listeners.clear();
  }

  /** Listeners subscribed now (for tests). */
  get size(): number {
    return this.listeners.size;
  }
}

/** Waits for `p`, failing at once if one of `mortals` dies; leaves nothing subscribed once settled. */
export function watched<T>(p: Promise<T>, mortals: readonly Mortal[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const offs = mortals.map((m) => m.onDeath(reject));
    p.then(resolve, reject).finally(() => {
      for (const off of offs) off();
    });
  });
}
