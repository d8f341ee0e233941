// The retry policy as one pure function: how long to wait after a failed attempt.

export interface RetryDelayInput {
  /** 1-based number of the attempt that just failed. */
  attemptNumber: number;
  /** Delays after attempt 1, 2, ... (ms); its length is the number of retries. */
  schedule: readonly number[];
  /** Relative jitter, e.g. 0.2 for +/-20%. */
  jitter: number;
  /** The endpoint's Retry-After (ms), when it sent one. */
  retryAfterMs?: number | null;
  /** Upper bound for a Retry-After (ms): an endpoint may not park a delivery for days. */
  retryAfterMaxMs: number;
  /** A uniform random number in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Milliseconds until the next attempt, or null when the schedule is spent (give up). */
export function nextDelay(input: RetryDelayInput): number | null {
  const { attemptNumber, schedule, jitter } = input;
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1 || attemptNumber > schedule.length) return null;
  const base = schedule[attemptNumber - 1] ?? 0;
  const random = input.random ?? Math.random;
  const jittered = Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
  const retryAfter = input.retryAfterMs;
  if (retryAfter === undefined || retryAfter === null || !(retryAfter > 0)) return jittered;
  // Retry-After means "not before": it can lengthen the wait, never shorten it.
  return Math.max(jittered, Math.min(retryAfter, input.retryAfterMaxMs));
}
