// What an attempt's outcome means for its delivery: finished, retried after a delay, or failed for good.
// Pure, so every branch is unit-tested without a network.
import type { AttemptResult } from "@msr-webhooks/delivery/attempt-result";
import type { Outcome } from "@msr-webhooks/delivery/classify";
import type { RetryPolicy } from "../config.js";
import { nextDelay } from "./retry-delay.js";

export type DeliveryDecision =
  | { kind: "succeeded" }
  | { kind: "retry"; delayMs: number; nextAttemptAt: Date; reason: string }
  | { kind: "failed"; reason: string; disable: string | null };

/** A short account of a failed attempt, for the delivery's `reason`. */
export function describeFailure(result: AttemptResult): string {
  if (result.errorMessage) return result.errorKind ? `${result.errorKind}: ${result.errorMessage}` : result.errorMessage;
  return result.statusCode === null ? "no response" : `HTTP ${result.statusCode}`;
}

export function decide(
  outcome: Outcome,
  result: AttemptResult,
  attemptNumber: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): DeliveryDecision {
  switch (outcome.action) {
    case "success":
      return { kind: "succeeded" };
    case "disable":
      return { kind: "failed", reason: `${outcome.reason}: subscription disabled`, disable: outcome.reason };
    case "give_up":
      return { kind: "failed", reason: `not retried: ${outcome.reason}`, disable: null };
    case "retry": {
      const delayMs =
        attemptNumber >= policy.maxAttempts
          ? null
          : nextDelay({
              attemptNumber,
              schedule: policy.scheduleMs,
              jitter: policy.jitter,
              retryAfterMs: outcome.retryAfterMs,
              retryAfterMaxMs: policy.retryAfterMaxMs,
              random,
            });
      if (delayMs === null) {
        return { kind: "failed", reason: `gave up after ${attemptNumber} attempts: ${describeFailure(result)}`, disable: null };
      }
      return { kind: "retry", delayMs, nextAttemptAt: new Date(now.getTime() + delayMs), reason: describeFailure(result) };
    }
  }
}
