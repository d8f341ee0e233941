// Waiting for state the system reaches on its own time (a worker's delivery, a log line, drained
// queues) by polling it. The limit is a sentinel, not a claim about speed: far beyond what the
// work takes on a loaded machine and well inside the preset's test timeout, so that a state that
// never comes fails naming what was awaited rather than as a bare jest timeout.
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import type { TestContext } from "./test-context.js";

export const WAIT_LIMIT_MS = 30_000;

/** Polls `check` until it returns something other than false/undefined, and resolves with that. */
export async function waitUntil<T>(what: string, check: () => T | false | undefined | Promise<T | false | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${WAIT_LIMIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Resolves once the events, fan-out and delivery queues hold no job that is waiting, delayed or
 * running: whatever the worker was going to send for the work queued so far has been sent. This
 * is what makes "nothing more arrived" mean something. The queues are read in the order work
 * flows through them (a job only ever queues work further down), so an empty reading of each in
 * turn cannot miss a job moving between them.
 */
export async function queuesDrained(ctx: TestContext): Promise<void> {
  const flow = [QUEUE_NAMES.ingest, QUEUE_NAMES.fanout, QUEUE_NAMES.delivery].map((name) => {
    const queue = ctx.deps.queues.find((q) => q.name === name);
    if (queue === undefined) throw new Error(`the API has no ${name} queue`);
    return queue;
  });
  await waitUntil("the worker to finish every queued job", async () => {
    for (const queue of flow) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  });
}
