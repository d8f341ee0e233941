// Makes sure a job with a deterministic id is scheduled: adds it when Redis has no such job, or
// only a finished one (a row still open in PostgreSQL means that finish is not the last word).
//
// BullMQ's getJobState is not asked: it searches the queue's active and waiting lists (LPOS), so
// its cost is the backlog's length (100-500 µs of Redis a call during a burst of 20,000, docs/
// benchmarks.md), and the reconciler asks about every due row of a backlog. The job's own hash says
// whether there is a job at all (most calls: a first attempt handed to its job, a lost row), and
// set lookups (ZSCORE) whether it is finished or delayed; any other job is present as it is.
import type { BulkJobOptions, Job, Queue } from "bullmq";

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
  const delayed = options.delayed ?? "keep";
  const [completed, failed, isDelayed] = await Promise.all([
    existing.isCompleted(),
    existing.isFailed(),
    delayed === "keep" ? Promise.resolve(false) : existing.isDelayed(),
  ]);
  if (completed || failed) {
    await existing.remove();
    return add();
  }
  if (isDelayed && delayed !== "keep") {
    return (await moveDelayed(existing, job.opts, delayed)) ? (delayed === "promote" ? "promoted" : "rescheduled") : "present";
  }
  return "present";
}

/** False when the job left the delayed set meanwhile (it runs, or ran): then it is present as it is. */
async function moveDelayed(existing: Job, opts: BulkJobOptions & { jobId: string }, how: "promote" | "reschedule"): Promise<boolean> {
  try {
    if (how === "promote") {
      await existing.promote();
    } else {
      if (opts.priority !== undefined && opts.priority !== existing.priority) await existing.changePriority({ priority: opts.priority });
      await existing.changeDelay(Math.max(1, opts.delay ?? 1));
    }
    return true;
  } catch (err) {
    if (await existing.isDelayed().then((stillDelayed) => !stillDelayed, () => false)) return false;
    throw err;
  }
}
