// Makes sure a job with a deterministic id is scheduled: adds it when Redis has no such job, or
// only a finished one (a row still open in PostgreSQL means that finish is not the last word).
import type { BulkJobOptions, Queue } from "bullmq";

export type Presence = "added" | "promoted" | "rescheduled" | "present";

/**
 * What becomes of the job when it is there already, delayed: kept as it is (default), promoted
 * (it runs now), or rescheduled to the job's own delay and priority (it runs when this caller
 * would have had it run, not when its earlier maker did).
 */
export type WhenDelayed = "keep" | "promote" | "reschedule";

export async function ensureJob(
  queue: Queue,
  job: { name: string; data: object; opts: BulkJobOptions & { jobId: string } },
  options: { delayed?: WhenDelayed } = {},
): Promise<Presence> {
  const state = await queue.getJobState(job.opts.jobId);
  const delayed = options.delayed ?? "keep";
  if (state === "completed" || state === "failed") {
    const stale = await queue.getJob(job.opts.jobId);
    await stale?.remove();
  } else if (state === "delayed" && delayed !== "keep") {
    return (await moveDelayed(queue, job.opts, delayed)) ? (delayed === "promote" ? "promoted" : "rescheduled") : "present";
  } else if (state !== "unknown") {
    return "present";
  }
  // Deterministic ids make a race with another caller harmless: the second add is a no-op.
  await queue.add(job.name, job.data, job.opts);
  return "added";
}

/** False when the job left the delayed set meanwhile (it runs, or ran): then it is present as it is. */
async function moveDelayed(queue: Queue, opts: BulkJobOptions & { jobId: string }, how: "promote" | "reschedule"): Promise<boolean> {
  const existing = await queue.getJob(opts.jobId);
  if (existing === undefined) return false;
  try {
    if (how === "promote") {
      await existing.promote();
    } else {
      if (opts.priority !== undefined && opts.priority !== existing.priority) await existing.changePriority({ priority: opts.priority });
      await existing.changeDelay(Math.max(1, opts.delay ?? 1));
    }
    return true;
  } catch (err) {
    if (await queue.getJobState(opts.jobId).then((s) => s !== "delayed", () => false)) return false;
    throw err;
  }
}
