// Attempts waiting in process for their owner's next slot (owner-slots.ts): an owner over its share
// whose slots free every few milliseconds (a burst to fast endpoints, a brief hold-up) gets its
// next slot sooner than a park and a wake-up could hand it over, at a fraction of their cost (no
// statement, no Redis call). Each waits at most `maxMs` and is then parked after all. Per owner,
// oldest first; the caller bounds how many wait (owner-slots.ts: all owners' attempts in flight and
// waiting leave a share of the thread's slots free), so nothing here grows with load.

interface Holder {
  grant(): void;
}

export class OwnerHolds {
  private readonly queues = new Map<string, Holder[]>();
  private size = 0;

  /** Attempts waiting here now, all owners together. */
  total(): number {
    return this.size;
  }

  /** Attempts of `owner` waiting here now. */
  count(owner: string): number {
    return this.queues.get(owner)?.length ?? 0;
  }

  /** Whether an owner other than `owner` has attempts waiting here. */
  othersThan(owner: string): boolean {
    return this.queues.size > (this.queues.has(owner) ? 1 : 0);
  }

  /** The owners with attempts waiting here. */
  owners(): string[] {
    return [...this.queues.keys()];
  }

  /** Waits for a slot of `owner` handed over by grantOldest(): true when handed one, false after `maxMs` without. */
  wait(owner: string, maxMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const queue = this.queues.get(owner) ?? [];
      const holder: Holder = {
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.remove(owner, holder);
        resolve(false);
      }, maxMs);
      timer.unref();
      queue.push(holder);
      this.size += 1;
      this.queues.set(owner, queue);
    });
  }

  /** Hands a slot of `owner` to its oldest waiting attempt; false when none waits. */
  grantOldest(owner: string): boolean {
    const queue = this.queues.get(owner);
    const holder = queue?.shift();
    if (queue?.length === 0) this.queues.delete(owner);
    if (holder !== undefined) this.size -= 1;
    holder?.grant();
    return holder !== undefined;
  }

  private remove(owner: string, holder: Holder): void {
    const queue = this.queues.get(owner);
    const at = queue?.indexOf(holder) ?? -1;
    if (at >= 0) {
      queue?.splice(at, 1);
      this.size -= 1;
    }
    if (queue?.length === 0) this.queues.delete(owner);
  }
}
