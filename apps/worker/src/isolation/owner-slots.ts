// Fair delivery between owners: how many of this worker thread's delivery slots each owner (a
// webhook's author account) holds now, in memory. An owner at its cap is refused, and the attempt is
// deferred without spending anything, so one owner's hanging endpoints can never take more than
// OWNER_MAX_SHARE of the slots and every other owner keeps the rest. Per thread (not cluster-wide):
// the slots being shared are this thread's BullMQ concurrency; a cluster-wide count would cost a
// Redis round trip per attempt and protect nothing more on any one worker.

/** The most slots one owner may hold: `share` of `slots`, rounded down, at least 1. */
export function ownerCap(share: number, slots: number): number {
  return Math.max(1, Math.floor(share * slots));
}

export class OwnerSlots {
  private readonly held = new Map<string, number>();

  constructor(readonly cap: number) {}

  /** Takes a slot for `owner` unless it already holds `cap`; a taken slot must be released once. */
  tryAcquire(owner: string): boolean {
    const n = this.held.get(owner) ?? 0;
    if (n >= this.cap) return false;
    this.held.set(owner, n + 1);
    return true;
  }

  release(owner: string): void {
    const n = this.held.get(owner) ?? 0;
    if (n <= 1) this.held.delete(owner);
    else this.held.set(owner, n - 1);
  }

  /** Slots `owner` holds now (tests, metrics). */
  inFlight(owner: string): number {
    return this.held.get(owner) ?? 0;
  }
}
