// First attempts made by the fan-out without a queue job (src/attempts/inline-attempts.ts): made while
// the delivery queue is paused, a retry queued as the delivery's job in the retry lane, the bound
// and the switch (INLINE_FIRST_ATTEMPTS), and a worker killed during the attempt: its lease runs out
// and the reconciler has the delivery made again.
import { redeliverRequestJob } from "@msr-webhooks/queue/delivery-job";
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { RETRY_LANE_PRIORITY } from "../src/attempts/delivery-job.js";
import { LEASE_MARGIN_MS } from "../src/attempts/inline-attempts.js";
import { eventIdForJob } from "../src/ingest/ingest.processor.js";
import { createHarness, exited, type Harness } from "./support/harness.js";
import { startHeldServer, type HeldCount, type HeldServer } from "./support/held-server.js";
import { jobOver } from "./support/jobs.js";
import { createRepo, createWebhook, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { scriptedReplies } from "./support/scripted-replies.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let alice: AccountRef;
const { replies, counts, handler } = scriptedReplies();

beforeAll(async () => {
  h = await createHarness();
  receiver = await startReceiver({
    handler,
  });
  alice = await ownerOfFooBar(h.db, "alice");
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

afterEach(async () => {
  await h.queues.delivery.resume();
});

/** A webhook of its own repository (only it matches the events published for it) to `endpoint`. */
async function hookFor(repo: string, endpoint: string) {
  const ns = await h.db.account.findUniqueOrThrow({ where: { name: "foo" } });
  await createRepo(h.db, ns, repo);
  return createWebhook(h.db, { type: "TAG_PUSH", key: `foo/${repo}`, endpoint, author: alice });
}

async function publishFor(repo: string): Promise<string> {
  return eventIdForJob(await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", repo) }));
}

/** The webhook's delivery with its attempts, once it has `status`. */
function deliveryWhen(world: Harness, webhookId: string, status: string, what: string, timeoutMs?: number) {
  return waitUntil(
    async () => {
      const d = await world.db.delivery.findFirst({ where: { webhookId }, include: { attempts: { orderBy: { number: "asc" } } } });
      return d?.status === status ? d : null;
    },
    { what, ...(timeoutMs ? { timeoutMs } : {}) },
  );
}

/**
 * A world of its own (`env` over the harness's) whose one webhook, alice's on foo/bar, goes to an
 * endpoint that holds every request open until released; cleaned up after `body`.
 */
async function withHangingEndpoint(
  env: Record<string, string>,
  body: (t: { world: Harness; webhookId: string; count: HeldCount; hanging: HeldServer }) => Promise<void>,
): Promise<void> {
  const world = await createHarness(env);
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
  const hanging = await startHeldServer(count);
  try {
    const owner = await ownerOfFooBar(world.db, "alice");
    const w = await createWebhook(world.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${hanging.url}/hang`, author: owner });
    await body({ world, webhookId: w.id, count, hanging });
  } finally {
    hanging.release();
    await hanging.close();
    await world.close();
  }
}

describe("in process", () => {
  beforeAll(async () => {
    await h.startWorker();
  });

  it("makes a first attempt without a job: delivered while the delivery queue is paused, the lease ended by the record", async () => {
    await h.queues.delivery.pause();
    const w = await hookFor("inline-ok", `${receiver.url}/inline-ok`);
    await publishFor("inline-ok");
    const d = await deliveryWhen(h, w.id, "succeeded", "the delivery to succeed with its queue paused");
    expect(d!.attempts.map((a) => [a.number, a.trigger, a.statusCode])).toEqual([[1, "scheduled", 200]]);
    expect(d!.leasedUntil).toBeNull();
    expect(d!.nextAttemptAt).toBeNull();
    expect(await h.queues.delivery.getJobState(deliveryJobId(d!.id))).toBe("unknown");
    expect(counts.get("/inline-ok")).toBe(1);
  });

  it("queues a retry as the delivery's job, delayed, in the retry lane; the job makes the second attempt", async () => {
    replies.set("/inline-retry", (n) => (n === 1 ? { status: 500 } : { status: 200 }));
    await h.queues.delivery.pause();
    const w = await hookFor("inline-retry", `${receiver.url}/inline-retry`);
    await publishFor("inline-retry");
    const retrying = await deliveryWhen(h, w.id, "retrying", "the first attempt to fail");
    const job = await waitUntil(() => h.queues.delivery.getJob(deliveryJobId(retrying!.id)), { what: "the retry's job" });
    expect(job.opts.priority).toBe(RETRY_LANE_PRIORITY);
    expect(job.opts.delay).toBeGreaterThan(0);
    expect(retrying!.leasedUntil).toBeNull();
    expect(retrying!.attempts.map((a) => a.statusCode)).toEqual([500]);

    await h.queues.delivery.resume();
    const d = await deliveryWhen(h, w.id, "succeeded", "the retry to succeed");
    expect(d!.attempts.map((a) => [a.number, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(counts.get("/inline-retry")).toBe(2);
  });
});

describe("bounds", () => {
  let held: HeldServer;
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };

  beforeAll(async () => {
    held = await startHeldServer(count);
  });

  afterAll(async () => {
    held.release();
    await held.close();
  });

  it("past INLINE_FIRST_ATTEMPTS a first attempt goes through its job, and with 0 every one does", async () => {
    const bounded = await createHarness({ INLINE_FIRST_ATTEMPTS: "1" });
    const off = await createHarness({ INLINE_FIRST_ATTEMPTS: "0" });
    try {
      const [boundedAlice, offAlice] = [await ownerOfFooBar(bounded.db, "alice"), await ownerOfFooBar(off.db, "alice")];
      for (const world of [bounded, off]) {
        await world.startWorker();
        await world.queues.delivery.pause();
      }
      // One attempt held in flight at the hanging endpoint takes the bound's only place.
      const hanging = await createWebhook(bounded.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${held.url}/hang`, author: boundedAlice });
      await bounded.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
      await waitUntil(() => count.open === 1, { what: "the first attempt to hang in flight" });
      await bounded.db.webhook.update({ where: { id: hanging.id }, data: { inactive: true } });
      const next = await createWebhook(bounded.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/bounded`, author: boundedAlice });
      await bounded.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
      const queued = await waitUntil(() => bounded.db.delivery.findFirst({ where: { webhookId: next.id } }), { what: "the second delivery" });
      await waitUntil(async () => (await bounded.queues.delivery.getJobState(deliveryJobId(queued.id))) === "waiting", { what: "its job to wait in the paused queue" });
      expect(queued.leasedUntil).toBeNull();

      const offHook = await createWebhook(off.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/off`, author: offAlice });
      await off.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
      const offDelivery = await waitUntil(() => off.db.delivery.findFirst({ where: { webhookId: offHook.id } }), { what: "the delivery with inline attempts off" });
      await waitUntil(async () => (await off.queues.delivery.getJobState(deliveryJobId(offDelivery.id))) === "waiting", { what: "its job to wait in the paused queue" });
      expect(offDelivery.leasedUntil).toBeNull();

      // Neither was attempted with the queue paused; resumed, both jobs deliver.
      expect(counts.get("/bounded")).toBeUndefined();
      expect(counts.get("/off")).toBeUndefined();
      await bounded.queues.delivery.resume();
      await off.queues.delivery.resume();
      await waitUntil(() => counts.get("/bounded") === 1 && counts.get("/off") === 1, { what: "both jobs to deliver" });
    } finally {
      held.release();
      await bounded.close();
      await off.close();
    }
  });
});

describe("a redeliver request during the attempt", () => {
  /** Starts the worker, publishes, and once the first attempt hangs in flight, asks for a redeliver as the API does: the leased row keeps its lease's end, and the delivery's job waits for it. */
  async function redeliverDuringAttempt(world: Harness, webhookId: string, count: HeldCount) {
    await world.startWorker();
    await world.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
    await waitUntil(() => count.open === 1, { what: "the first attempt to be in flight" });
    const leased = await world.db.delivery.findFirstOrThrow({ where: { webhookId } });
    const request = redeliverRequestJob(leased.id, 1);
    await world.queues.delivery.add(request.name, request.data, request.opts);
    await waitUntil(async () => (await world.queues.delivery.getJobState(deliveryJobId(leased.id))) === "delayed", { what: "the delivery's job to wait" });
    return leased;
  }

  it("has the delivery's job wait for the lease: it finds the delivery done, and no second attempt runs beside the first", async () => {
    await withHangingEndpoint({ DELIVERY_TIMEOUT_MS: "1000" }, async ({ world, webhookId, count, hanging }) => {
      const d = await redeliverDuringAttempt(world, webhookId, count);
      hanging.release();
      await deliveryWhen(world, webhookId, "succeeded", "the first attempt to succeed");
      expect(await jobOver(world.queues.delivery, deliveryJobId(d.id), "the delivery's job")).toBe("unknown");
      expect(count.requests).toBe(1);
      expect(await world.db.deliveryAttempt.count({ where: { deliveryId: d.id } })).toBe(1);
    });
  });

  it("has that job make the retry when the attempt fails, after the retry's delay, not at the lease's end", async () => {
    // The attempt times out after 1 s; its retry is due 2 s later; the lease runs 7 s.
    await withHangingEndpoint({ DELIVERY_TIMEOUT_MS: "1000", RETRY_SCHEDULE: "2s,2s", RETRY_JITTER: "0" }, async ({ world, webhookId, count, hanging }) => {
      const leased = await redeliverDuringAttempt(world, webhookId, count);
      await deliveryWhen(world, webhookId, "retrying", "the first attempt to time out");
      hanging.release();
      const d = await deliveryWhen(world, webhookId, "succeeded", "the retry to succeed", 20_000);
      expect(d!.attempts.map((a) => [a.number, a.statusCode])).toEqual([
        [1, null],
        [2, 200],
      ]);
      expect(d!.attempts[1]!.startedAt.getTime()).toBeLessThan(leased.leasedUntil!.getTime());
      expect(count.requests).toBe(2);
    });
  });
});

describe("a worker killed during the attempt", () => {
  it("leaves the lease to run out, then the reconciler has the delivery made again", async () => {
    await withHangingEndpoint({ RECONCILE_INTERVAL: "200ms", RECONCILE_MIN_AGE: "0s" }, async ({ world, webhookId, count, hanging }) => {
      // Its lease: twice this timeout plus the margin (9 s). It is killed with the request open, well before the timeout.
      const child = world.spawnWorker({ DELIVERY_TIMEOUT_MS: "2000" });
      const published = Date.now();
      await world.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
      await waitUntil(() => count.requests === 1, { what: "the first attempt to reach the endpoint" });
      const leased = await world.db.delivery.findFirstOrThrow({ where: { webhookId } });
      expect(leased.leasedUntil).not.toBeNull();
      expect(leased.nextAttemptAt!.getTime()).toBe(leased.leasedUntil!.getTime());
      expect(leased.leasedUntil!.getTime()).toBeGreaterThanOrEqual(published + 2 * 2000 + LEASE_MARGIN_MS);
      child.kill("SIGKILL");
      await exited(child);
      hanging.release();

      // The next worker (its reconciler every 200 ms) leaves the leased row alone until its lease ends.
      await world.startWorker();
      const d = await deliveryWhen(world, webhookId, "succeeded", "the delivery to be made again after its lease", 30_000);
      expect(d!.attempts).toHaveLength(1);
      expect(d!.attempts[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(leased.leasedUntil!.getTime());
      expect(count.requests).toBe(2);
    });
  });
});
