// Makes sure a job with a deterministic id is scheduled: adds it when Redis has no such job, or
// only a finished one (a row still open in PostgreSQL means that finish is not the last word).
import type { BulkJobOptions, Queue } from "bullmq";

export type Presence = "added" | "promoted" | "present";

export async function ensureJob(
  queue: Queue,
  job: { name: string; data: object; opts: BulkJobOptions & { jobId: string } },
  options: { promoteDelayed?: boolean } = {},
): Promise<Presence> {
  const state = await queue.getJobState(job.opts.jobId);
  if (state === "completed" || state === "failed") {
    const stale = await queue.getJob(job.opts.jobId);
    await stale?.remove();
  } else if (state === "delayed" && options.promoteDelayed) {
    const delayed = await queue.getJob(job.opts.jobId);
    await delayed?.promote();
    return "promoted";
  } else if (state !== "unknown") {
    return "present";
  }
  // Deterministic ids make a race with another caller harmless: the second add is a no-op.
  await queue.add(job.name, job.data, job.opts);
  return "added";
}
