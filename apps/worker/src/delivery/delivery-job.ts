// How delivery jobs are queued: deterministic ids, attempts = schedule + 1, and the backoff that
// asks the retry policy for the delay.
import type { BackoffStrategy, BulkJobOptions } from "bullmq";
import { deliveryJobId, type DeliveryJobData } from "@msr-webhooks/queue/names";
import type { RetryPolicy } from "../config.js";
import { nextDelay } from "./retry-delay.js";
import { isRetryLaterError } from "./retry-later.error.js";

export const DELIVERY_JOB_NAME = "deliver";
/** The canonical job's name when a redeliver request created it: its attempt is recorded as "manual". */
export const REDELIVER_JOB_NAME = "redeliver";
export const DELIVERY_BACKOFF_TYPE = "delivery-schedule";

export interface DeliveryJob {
  name: string;
  data: DeliveryJobData;
  opts: BulkJobOptions & { jobId: string };
}

/** The delivery's canonical job: the only one that ever attempts it, so attempts never overlap. */
export function deliveryJob(deliveryId: string, policy: RetryPolicy, name: string = DELIVERY_JOB_NAME): DeliveryJob {
  return {
    name,
    data: { deliveryId },
    opts: {
      jobId: deliveryJobId(deliveryId),
      attempts: policy.maxAttempts,
      backoff: { type: DELIVERY_BACKOFF_TYPE },
      // PostgreSQL keeps the record; Redis keeps only what is still to run (and a few failures to look at).
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    },
  };
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
