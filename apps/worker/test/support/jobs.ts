// BullMQ jobs as a positive signal: a test that asserts nothing more happened first waits until the
// job that could have done it has run for the last time.
import type { Queue } from "bullmq";
import { waitUntil } from "./wait.js";

/** Done states: failed for good, or completed (and then removed: removeOnComplete makes it "unknown"). */
const OVER = new Set(["completed", "failed", "unknown"]);

/** Waits until the job (known to have been queued) has run for the last time; returns its final state. */
export async function jobOver(queue: Queue, jobId: string, what: string): Promise<string> {
  let state = "";
  await waitUntil(async () => OVER.has((state = await queue.getJobState(jobId))), { what: () => `${what} to be over (job ${jobId}: ${state})` });
  return state;
}
