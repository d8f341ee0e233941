// How fan-out jobs are queued, by the API and the worker alike: one per event, deterministic id, a few
// retries for database blips (the worker's reconciler catches anything beyond them).
import type { BulkJobOptions } from "bullmq";
import { fanoutJobId, type FanoutJobData } from "./names.js";

export const FANOUT_JOB_NAME = "fanout";

export function fanoutJob(eventId: string): { name: string; data: FanoutJobData; opts: BulkJobOptions & { jobId: string } } {
  return {
    name: FANOUT_JOB_NAME,
    data: { eventId },
    opts: {
      jobId: fanoutJobId(eventId),
      attempts: 5,
      backoff: { type: "exponential", delay: 500 },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    },
  };
}
