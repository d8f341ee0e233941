// Each busy owner's pace in a worker thread (owner-slots.ts): how often one of its slots frees while
// it has waiters or holds its cap, as an exponentially weighted mean, and when one of them last
// freed. Bounded: the PACED_OWNERS most recently released owners.
import { LruCache } from "../shared/lru-cache.js";

/** Owners whose pace is remembered, at most (least recently released forgotten first). */
export const PACED_OWNERS = 10_000;
/** Weight of the newest interval in the pace (an exponentially weighted mean). */
const PACE_WEIGHT = 0.1;

interface Pace {
  /** The last release while busy; undefined after one while not. */
  lastAt: number | undefined;
  everyMs: number | undefined;
  /** The last release, or when the owner last filled its cap, whichever came later. */
  freedAt: number;
}

export class OwnerPaces {
  private readonly paces = new LruCache<string, Pace>(PACED_OWNERS);

  /** `maxEveryMs`: the longest interval a pace counts (an attempt's timeout plus a margin, per slot); longer ones are idle gaps. */
  constructor(private readonly maxEveryMs = Number.POSITIVE_INFINITY) {}

  /** A slot of `owner` freed at `now`; `busy`: it held its cap or had waiters then. */
  released(owner: string, busy: boolean, now: number): void {
    const pace = this.paces.get(owner) ?? { lastAt: undefined, everyMs: undefined, freedAt: now };
    if (busy && pace.lastAt !== undefined) {
      const sample = Math.min(this.maxEveryMs, Math.max(0, now - pace.lastAt));
      pace.everyMs = pace.everyMs === undefined ? sample : pace.everyMs + PACE_WEIGHT * (sample - pace.everyMs);
    }
    pace.lastAt = busy ? now : undefined;
    pace.freedAt = now;
    this.paces.set(owner, pace);
  }

  /**
   * `owner` filled its cap at `now`: the time since one of its slots freed counts from here. Slots it
   * held through a lull (at a slow endpoint, say) tell nothing of the attempts that fill it after
   * the lull: counted from its last release, a burst after a quiet moment would find the owner
   * "slow" and be parked by the hundred while its endpoints answer in milliseconds.
   */
  filledCap(owner: string, now: number): void {
    const pace = this.paces.peek(owner);
    if (pace !== undefined) pace.freedAt = now;
  }

  /** The owner's pace (ms between freed slots while busy), once measured. */
  everyMs(owner: string): number | undefined {
    return this.paces.get(owner)?.everyMs;
  }

  /**
   * How often one of `owner`'s slots frees now: its pace, or, while it holds slots (`holding`), the
   * time since one last freed or it filled its cap (filledCap()) when that is longer (its endpoints
   * stopped answering); undefined before it is measured.
   */
  now(owner: string, holding: boolean, now: number): number | undefined {
    const pace = this.paces.get(owner);
    if (pace?.everyMs === undefined) return undefined;
    return Math.max(pace.everyMs, holding ? now - pace.freedAt : 0);
  }
}
