// How delivery jobs are queued, shared by everyone who adds them (the worker's fan-out and
// reconciler, the API's redeliver and recover): names, deterministic ids, the backoff type the
// worker's strategy answers, and what Redis keeps of finished jobs.
import type { BulkJobOptions } from "bullmq";
import { deliveryJobId, type DeliveryJobData } from "./names.js";

export const DELIVERY_JOB_NAME = "deliver";
/** A redeliver request, and the canonical job it creates: its first attempt is recorded as "manual". */
export const REDELIVER_JOB_NAME = "redeliver";
/** The custom backoff type; the worker registers the strategy that computes its delays. */
export const DELIVERY_BACKOFF_TYPE = "delivery-schedule";
/**
 * Runs of a redeliver request before BullMQ gives up on it. The request only hands the delivery to
 * its canonical job, so it fails only when Redis or PostgreSQL does; the reopened row is then still
 * found by the worker's reconciler.
 */
export const REDELIVER_REQUEST_ATTEMPTS = 3;

export type DeliveryJobOptions = BulkJobOptions & { jobId: string };

export interface DeliveryJob {
  name: string;
  data: DeliveryJobData;
  opts: DeliveryJobOptions;
}

/** Options of a delivery's job of `generation` (0: the canonical job, the only one that attempts). */
export function deliveryJobOptions(deliveryId: string, attempts: number, generation = 0): DeliveryJobOptions {
  return {
    jobId: deliveryJobId(deliveryId, generation),
    attempts,
    backoff: { type: DELIVERY_BACKOFF_TYPE },
    // PostgreSQL keeps the record; Redis keeps only what is still to run (and a few failures to look at).
    removeOnComplete: true,
    removeOnFail: { count: 1000 },
  };
}

/**
 * A redeliver request: a job of a later `generation` (each request a fresh one, so a request still
 * in Redis never swallows the next), which makes the canonical job run now. The caller must first
 * reopen the delivery row (status pending, nextAttemptAt now): the worker ignores a request for a
 * finished delivery.
 */
export function redeliverRequestJob(deliveryId: string, generation: number): DeliveryJob {
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new RangeError(`a redeliver request's generation must be a positive integer, not ${generation}`);
  }
  return {
    name: REDELIVER_JOB_NAME,
    data: { deliveryId },
    opts: deliveryJobOptions(deliveryId, REDELIVER_REQUEST_ATTEMPTS, generation),
  };
}
