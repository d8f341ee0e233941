// The seam for per-endpoint isolation (in-flight cap, circuit breaker): asked before each attempt,
// told after it. A "not now" defers the delivery without spending an attempt.
// The real gate (src/isolation) keeps its state in Redis, so both calls may be asynchronous.

export type Admission =
  | { admitted: true }
  | {
      admitted: false;
      retryAt: Date;
      reason: string;
      /**
       * "busy": the endpoint is at its in-flight cap (the slow lane's, for an endpoint that keeps
       * timing out), and the delivery keeps its place among first attempts. "circuit" (the default): the endpoint is failing, and the delivery waits with retries.
       */
      cause?: "busy" | "circuit";
      /**
       * From a gate that parks (onFreed), when the attempt is to be parked (busy, or refused by an
       * open circuit but not kept back for its probe): attempts parked for the endpoint now, and its cap in effect.
       */
      queue?: { waiting: number; slots: number };
    };

/**
 * What park() did: "parked" (remembered as a waiter); "full" (not remembered: the waiters are full,
 * or the gate cannot say; the job comes back on its own at the park's end); "free" (with
 * onlyIfRefused: the endpoint would take the attempt now, so it was not parked).
 */
export type ParkResult = "parked" | "full" | "free";

export interface EndpointGate {
  /**
   * May an attempt to `endpoint` (the webhook's URL) start now? `slot` names the attempt (the
   * delivery id): an admitted attempt holds an in-flight slot under that name until release.
   */
  admit(endpoint: string, now: Date, slot: string): Admission | Promise<Admission>;
  /**
   * Called once for every admitted attempt when it ends; `ok` is whether the endpoint answered well,
   * `timedOut` whether it failed to answer in time (the slow lane counts those in a row).
   */
  release(endpoint: string, ok: boolean, slot: string, timedOut?: boolean): void | Promise<void>;
  /**
   * The metrics seam: how many endpoints have an open circuit now (msrwh_open_circuits). A gate
   * without a breaker leaves it out and the gauge reads 0.
   */
  openCircuits?(): number | Promise<number>;
  /**
   * Parking, for attempts refused with a `queue`: park() remembers one (its job already put off
   * until `until`) as a waiter for the endpoint ("full" when the endpoint's waiters are full; with
   * `onlyIfRefused`, "free" when the endpoint would take it now, a slot having freed since); `wake`,
   * given once to onFreed(), is called with a waiter's slot and until each time one of the
   * endpoint's slots frees, here or in another process. A gate without them never parks.
   */
  park?(endpoint: string, slot: string, until: Date, onlyIfRefused?: boolean): Promise<ParkResult>;
  onFreed?(wake: (slot: string, until: number) => void): void;
}

/** Admits everything: for tests that look at something else. */
export class OpenEndpointGate implements EndpointGate {
  admit(): Admission {
    return { admitted: true };
  }

  release(): void {
    // Nothing to account for.
  }
}
