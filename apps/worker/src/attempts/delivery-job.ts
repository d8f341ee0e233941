// The worker's side of delivery jobs: the shared options from the queue package (deterministic ids,
// the backoff type; names and the job type are imported from there directly) with attempts =
// schedule + 1, the retry lane, and the backoff that asks the retry policy for the delay.
import type { BackoffStrategy } from "bullmq";
import { DELIVERY_JOB_NAME, deliveryJobOptions, type DeliveryJob } from "@msr-webhooks/queue/delivery-job";
import type { RetryPolicy } from "../config.js";
import { nextDelay } from "./retry-delay.js";
import { isRetryLaterError } from "./retry-later.error.js";

/**
 * First attempts are queued without a priority, and BullMQ serves such jobs before any prioritized
 * one. A delivery's job moves to this priority once it is retried or deferred, so retries and
 * attempts waiting on a busy or broken endpoint never hold up a first attempt.
 */
export const RETRY_LANE_PRIORITY = 1;

/** The delivery's canonical job: the only one that ever attempts it, so attempts never overlap. */
export function deliveryJob(deliveryId: string, policy: RetryPolicy, name: string = DELIVERY_JOB_NAME): DeliveryJob {
  return { name, data: { deliveryId }, opts: deliveryJobOptions(deliveryId, policy.maxAttempts) };
}

/**
 * BullMQ's custom backoff: the processor has already computed (and stored) the delay of a failed
 * attempt; any other error (e.g. the database was unreachable) gets the schedule's delay.
 */
export function deliveryBackoffStrategy(policy: RetryPolicy): BackoffStrategy {
  return (attemptsMade, _type, err) => {
    if (isRetryLaterError(err)) return err.delayMs;
    return (
      nextDelay({
        attemptNumber: Math.min(attemptsMade, policy.scheduleMs.length),
        schedule: policy.scheduleMs,
        jitter: policy.jitter,
        retryAfterMaxMs: policy.retryAfterMaxMs,
      }) ?? -1
    );
  };
}
