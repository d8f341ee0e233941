// A burst past the fan-out's bounds through the real worker (PostgreSQL, Redis, a receiver on
// loopback): once the owner's pace is measured, first attempts queued in process
// (INLINE_QUEUE_BYTES) are made without a job, so they arrive while the delivery queue is paused;
// with the queue resumed every delivery arrives exactly once and ends succeeded; with
// INLINE_QUEUE_BYTES=0 none is queued, in a burst after one that measured the pace.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { firstAttemptRoutes } from "./support/first-attempt-routes.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { scriptedReplies } from "./support/scripted-replies.js";
import { waitUntil } from "./support/wait.js";

// Two slots an owner (a quarter of 8), two first attempts at once without a job, no waiting in
// process for a slot (so no owner borrows): the burst's third attempt on is past every other bound.
const BOUNDED = { DELIVERY_CONCURRENCY: "8", OWNER_MAX_SHARE: "0.25", INLINE_FIRST_ATTEMPTS: "2", OWNER_HOLD_WAIT: "0ms" };
const BURST = 30;

let h: Harness;
let receiver: Receiver;
let alice: Awaited<ReturnType<typeof ownerOfFooBar>>;
const { counts, handler } = scriptedReplies();

beforeAll(async () => {
  h = await createHarness();
  receiver = await startReceiver({ handler });
  alice = await ownerOfFooBar(h.db, "alice");
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

async function publishBurst(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") })));
}

/**
 * Bursts of BURST events to one webhook with the delivery queue paused, each until those made without
 * a job have arrived, then resumed until all have; repeated (at most `rounds`) while `again` says so
 * of the last burst's routes: an owner's pace is measured only once its attempts have freed slots
 * while it held its share, which a burst's refused jobs do. Returns the routes of the last burst.
 */
async function run(path: string, env: Record<string, string>, rounds: number, again: (delta: Record<string, number>) => boolean): Promise<Record<string, number>> {
  const hook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}${path}`, author: alice });
  const worker = await h.startWorker(env);
  let sent = 0;
  let delta: Record<string, number> = {};
  try {
    for (let round = 0; round < rounds && (round === 0 || again(delta)); round += 1) {
      const before = await firstAttemptRoutes(worker.deps.metrics);
      const eventsBefore = await h.db.event.count({ where: { status: "fanned_out" } });
      await h.queues.delivery.pause();
      await publishBurst(BURST);
      await waitUntil(async () => (await h.db.event.count({ where: { status: "fanned_out" } })) === eventsBefore + BURST, { what: "the burst to be fanned out" });
      const after = await firstAttemptRoutes(worker.deps.metrics);
      delta = Object.fromEntries(Object.entries(after).map(([r, n]) => [r, n - (before[r] ?? 0)]));
      // Made without a job: they arrive with the delivery queue paused (those handed to a job wait for it).
      const withoutJob = (delta.inline ?? 0) + (delta.queued ?? 0) - (delta.wait_expired ?? 0);
      await waitUntil(() => (counts.get(path) ?? 0) >= sent + withoutJob, { what: `the ${withoutJob} attempts made without a job to arrive` });
      await h.queues.delivery.resume();
      sent += BURST;
      await waitUntil(() => counts.get(path) === sent, { what: "every delivery to arrive" });
    }
    await waitUntil(async () => (await h.db.delivery.count({ where: { webhookId: hook.id, status: "succeeded" } })) === sent, {
      what: "every delivery to be recorded succeeded",
    });
    expect(await h.db.delivery.count({ where: { webhookId: hook.id } })).toBe(sent);
    expect(await h.db.deliveryAttempt.count({ where: { delivery: { webhookId: hook.id } } })).toBe(sent);
    // Exactly once each: nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counts.get(path)).toBe(sent);
    await h.db.webhook.update({ where: { id: hook.id }, data: { inactive: true } });
    return delta;
  } finally {
    await h.queues.delivery.resume();
    await worker.stop();
  }
}

it("queues the burst's first attempts in process past the bounds: made without a job, each delivered once", async () => {
  const delta = await run("/queued", BOUNDED, 4, (last) => (last.queued ?? 0) === 0);
  expect(delta.queued ?? 0).toBeGreaterThan(0);
  expect(delta.job ?? 0).toBe(0);
});

it("with INLINE_QUEUE_BYTES=0 queues none: past the bounds they take their jobs, each delivered once", async () => {
  const delta = await run("/unqueued", { ...BOUNDED, INLINE_QUEUE_BYTES: "0" }, 2, () => true);
  expect(delta.queued ?? 0).toBe(0);
  expect((delta.job ?? 0) + (delta.parked ?? 0)).toBeGreaterThan(0);
});
