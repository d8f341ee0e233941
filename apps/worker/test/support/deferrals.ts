// Deferrals counted as BullMQ counts them: every deferral (and every retry) moves a job to the
// delayed set and writes one `delayed` event to the queue's event stream.
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import type { Redis } from "ioredis";

/** `delayed` events in the delivery queue's event stream (under `prefix`) so far, by job id. */
export async function deferrals(prefix: string, redis: Redis): Promise<Map<string, number>> {
  const entries = await redis.xrange(`${prefix}:${QUEUE_NAMES.delivery}:events`, "-", "+");
  const byJob = new Map<string, number>();
  for (const [, fields] of entries) {
    const event = fields[fields.indexOf("event") + 1];
    const jobId = fields[fields.indexOf("jobId") + 1];
    if (event === "delayed" && jobId !== undefined) byJob.set(jobId, (byJob.get(jobId) ?? 0) + 1);
  }
  return byJob;
}

export const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
