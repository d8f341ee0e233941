// Makes sure a job with a deterministic id is scheduled: adds it when Redis has no such job, or
// only a finished one (a row still open in PostgreSQL means that finish is not the last word).
//
// Most calls are for a job that is not there: a first attempt made without a job and handed to one,
// a due row the reconciler found without one. A look at the job's own hash (O(1)) tells those
// apart before getJobState, whose search of the queue's waiting and active lists (LPOS) grows with
// the backlog: 100-500 µs of Redis a call during a burst of 20,000 (docs/benchmarks.md), once per
// due row in a reconcile of a backlog.
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
  // Deterministic ids make a race with another caller harmless: the second add is a no-op.
  const add = async (): Promise<Presence> => {
    await queue.add(job.name, job.data, job.opts);
    return "added";
  };
  const existing = await queue.getJob(job.opts.jobId);
  if (existing === undefined) return add();
  const state = await queue.getJobState(job.opts.jobId);
  const delayed = options.delayed ?? "keep";
  if (state === "completed" || state === "failed") {
    await existing.remove();
  } else if (state === "delayed" && delayed !== "keep") {
    return (await moveDelayed(queue, job.opts, delayed)) ? (delayed === "promote" ? "promoted" : "rescheduled") : "present";
  } else if (state !== "unknown") {
    return "present";
  }
  return add();
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
