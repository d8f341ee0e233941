// What this worker thread last heard from the endpoint gate, per endpoint: when an attempt to it was
// refused (and the waiters and cap the gate named), until one of this thread's attempts to it ends.
// Hints only, never a decision: the gate's scripts decide atomically. They keep owner waiters from
// being woken for an endpoint that would only park them again, and let fan-out park a new delivery
// for an endpoint known to refuse at once, instead of queueing it to be loaded and refused. Bounded:
// the most recently refused ENDPOINT_HINTS endpoints.
import { LruCache } from "../shared/lru-cache.js";

/** Endpoints whose last refusal a worker thread remembers (the most recently refused ones). */
const ENDPOINT_HINTS = 1000;
/**
 * How long after a refusal an endpoint counts as refusing (unless one of this thread's attempts to
 * it ends first; another process's may not be heard of before this).
 */
export const REFUSING_MS = 1000;

export interface GateQueue {
  /** Attempts parked at the endpoint when it refused. */
  waiting: number;
  /** Its in-flight cap then. */
  slots: number;
}

/** Why the gate refused: at the in-flight cap (the slow lane's too), or an open circuit. */
export type RefusalCause = "busy" | "circuit";

interface Hint {
  at: number;
  cause: RefusalCause;
  queue?: GateQueue;
}

export class RefusalHints {
  private readonly hints = new LruCache<string, Hint>(ENDPOINT_HINTS);

  constructor(private readonly now: () => number = Date.now) {}

  /** The gate refused an attempt to `endpoint` just now, for `cause` (naming its waiters and cap, when it parks). */
  refused(endpoint: string, cause: RefusalCause, queue?: GateQueue): void {
    this.hints.set(endpoint, { at: this.now(), cause, ...(queue ? { queue } : {}) });
  }

  /** One of this thread's attempts to `endpoint` ended: a slot freed, so it may take the next one. */
  freed(endpoint: string): void {
    const hint = this.hints.get(endpoint);
    if (hint) this.hints.set(endpoint, { ...hint, at: 0 });
  }

  /** Refused a moment ago, and no slot freed here since. */
  refusing(endpoint: string): boolean {
    return this.now() - (this.hints.get(endpoint)?.at ?? 0) < REFUSING_MS;
  }

  /** Refused a moment ago at its in-flight cap (not by its circuit), and no slot freed here since. */
  busy(endpoint: string): boolean {
    return this.refusing(endpoint) && this.hints.get(endpoint)?.cause === "busy";
  }

  /** Why it was last refused, if it was. */
  cause(endpoint: string): RefusalCause | undefined {
    return this.hints.get(endpoint)?.cause;
  }

  /** The waiters and cap the gate named at its last refusal (kept after a slot freed: the line is still there). */
  queue(endpoint: string): GateQueue | undefined {
    return this.hints.get(endpoint)?.queue;
  }
}
