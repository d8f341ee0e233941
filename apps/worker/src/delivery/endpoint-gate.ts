// The seam for per-endpoint isolation (in-flight cap, circuit breaker): asked before each attempt,
// told after it. A "not now" defers the delivery without spending an attempt.

export type Admission = { admitted: true } | { admitted: false; retryAt: Date; reason: string };

export interface EndpointGate {
  admit(webhookId: string, now: Date): Admission;
  /** Called once for every admitted attempt when it ends. */
  release(webhookId: string, ok: boolean): void;
}

/** Admits everything: the default until the breaker and in-flight cap are built. */
export class OpenEndpointGate implements EndpointGate {
  admit(): Admission {
    return { admitted: true };
  }

  release(): void {
    // Nothing to account for.
  }
}
