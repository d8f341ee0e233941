// Maintenance: PostgreSQL is the record, so when Redis loses the run's keys mid-run (as a
// FLUSHALL would) the reconciler restores its own schedule and re-queues what is due; an event
// committed without its fan-out job is fanned out; finished jobs of open rows are replaced;
// retention purges old rows.
import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker, type Queue } from "bullmq";
import { createQueues, createRedis } from "@msr-webhooks/queue/connection";
import { deliveryJobId, QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { deliveryJob } from "../src/delivery/delivery-job.js";
import { Reconciler } from "../src/maintenance/reconcile.service.js";
import { createHarness, silentLogger, type Harness } from "./support/harness.js";
import {
  createOrg,
  createRepo,
  createUser,
  createWebhook,
  insertDelivery,
  insertEvent,
  tagPushContents,
  type AccountRef,
} from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let alice: AccountRef;
const seen = new Map<string, number>();

beforeAll(async () => {
  h = await createHarness({ RETRY_SCHEDULE: "1500ms", RECONCILE_INTERVAL: "300ms", RECONCILE_MIN_AGE: "200ms" });
  // Each endpoint fails its first request, so its delivery sits in BullMQ's delayed set for 1.5 s.
  receiver = await startReceiver({
    handler: (req) => {
      const n = (seen.get(req.path) ?? 0) + 1;
      seen.set(req.path, n);
      return { status: req.path.startsWith("/flaky") && n === 1 ? 500 : 200 };
    },
  });
  alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "bar");
  await createRepo(h.db, foo, "lost");
  await h.startWorker();
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

it("re-schedules due deliveries after the run's Redis keys are deleted mid-run", async () => {
  const hooks = await Promise.all(
    [1, 2, 3, 4, 5].map((i) =>
      createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/flaky-${i}`, author: alice }),
    ),
  );
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  const ids = hooks.map((w) => w.id);
  await waitUntil(async () => (await h.db.delivery.count({ where: { webhookId: { in: ids }, status: "retrying" } })) === 5, {
    what: "five retrying deliveries",
  });
  expect(await h.queues.delivery.getDelayedCount()).toBe(5);

  await deletePrefix(h.prefix);
  expect(await h.queues.delivery.getDelayedCount()).toBe(0);

  const done = await waitUntil(
    async () => {
      const rows = await h.db.delivery.findMany({ where: { webhookId: { in: ids } }, include: { attempts: true } });
      return rows.every((d) => d.status === "succeeded") && rows;
    },
    { timeoutMs: 15_000, what: "the lost deliveries to succeed" },
  );
  for (const d of done) expect(d.attempts).toHaveLength(2);
  expect(await h.queues.maintenance.getJobScheduler("reconcile")).toBeDefined();
  for (let i = 1; i <= 5; i += 1) expect(seen.get(`/flaky-${i}`)).toBe(2);
});

it("fans out an event that was committed without its fan-out job", async () => {
  const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/lost", endpoint: `${receiver.url}/lost`, author: alice });
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "lost", receivedAt: new Date(Date.now() - 1000) });
  const d = await waitUntil(() => h.db.delivery.findFirst({ where: { eventId, webhookId: w.id, status: "succeeded" } }), {
    timeoutMs: 10_000,
    what: "the lost event's delivery",
  });
  expect(d.attemptCount).toBe(1);
  expect((await h.db.event.findUniqueOrThrow({ where: { id: eventId } })).status).toBe("fanned_out");
});

it("purges deliveries, attempts and events older than the retention period", async () => {
  const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/old`, author: alice, inactive: true });
  const old = new Date(Date.now() - 15 * 86_400_000);
  const recent = new Date(Date.now() - 13 * 86_400_000);
  const ids: Record<string, { event: string; delivery: string }> = {};
  for (const [name, at] of [["old", old], ["recent", recent]] as const) {
    const event = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: at, status: "fanned_out" });
    const delivery = await insertDelivery(h.db, event, w.id, { status: "succeeded", nextAttemptAt: null, createdAt: at });
    await h.db.deliveryAttempt.create({ data: { id: randomUUID(), deliveryId: delivery, number: 1, startedAt: at, durationMs: 5 } });
    ids[name] = { event, delivery };
  }
  await h.queues.maintenance.add("purge", {}, { removeOnComplete: true });
  await waitUntil(async () => (await h.db.event.count({ where: { id: ids.old!.event } })) === 0, { what: "the purge" });
  expect(await h.db.delivery.count({ where: { id: ids.old!.delivery } })).toBe(0);
  expect(await h.db.deliveryAttempt.count({ where: { deliveryId: ids.old!.delivery } })).toBe(0);
  expect(await h.db.event.count({ where: { id: ids.recent!.event } })).toBe(1);
  expect(await h.db.delivery.count({ where: { id: ids.recent!.delivery } })).toBe(1);
  expect(await h.db.deliveryAttempt.count({ where: { deliveryId: ids.recent!.delivery } })).toBe(1);
});

describe("Reconciler", () => {
  it("replaces a finished job of a delivery that is still open, and leaves scheduled ones alone", async () => {
    const prefix = testQueuePrefix();
    const redis = createRedis(redisUrl());
    const queues = createQueues(redis, { prefix });
    const policy = loadConfig(h.env).retry;
    try {
      const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/r`, author: alice, inactive: true });
      const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "fanned_out" });
      const due = new Date(Date.now() - 5000);
      const failedJobDelivery = await insertDelivery(h.db, eventId, w.id, { status: "retrying", attemptCount: 1, nextAttemptAt: due });
      const event2 = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "fanned_out" });
      const waitingDelivery = await insertDelivery(h.db, event2, w.id, { nextAttemptAt: due });
      const event3 = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "fanned_out" });
      const futureDelivery = await insertDelivery(h.db, event3, w.id, { nextAttemptAt: new Date(Date.now() + 60_000) });

      // A job that ended in BullMQ's failed set while PostgreSQL still says "retrying".
      const first = deliveryJob(failedJobDelivery, policy);
      await queues.delivery.add(first.name, first.data, { ...first.opts, attempts: 1 });
      const failer = new Worker(
        QUEUE_NAMES.delivery,
        () => Promise.reject(new UnrecoverableError("simulated")),
        { connection: redis, prefix, autorun: true },
      );
      await waitUntil(async () => (await queues.delivery.getJobState(deliveryJobId(failedJobDelivery))) === "failed");
      await failer.close();
      const second = deliveryJob(waitingDelivery, policy);
      await queues.delivery.add(second.name, second.data, second.opts);

      const reconciler = new Reconciler({
        sql: h.sql,
        fanoutQueue: queues.fanout,
        deliveryQueue: queues.delivery as Queue,
        retry: policy,
        log: silentLogger(),
        minAgeMs: 1000,
        batchSize: 1,
      });
      const result = await reconciler.run();
      // Rows of other tests in this database may be due too; the ones made here are what count.
      expect(result.deliveriesRequeued).toBeGreaterThanOrEqual(1);
      expect(await queues.delivery.getJobState(deliveryJobId(failedJobDelivery))).toBe("waiting");
      expect(await queues.delivery.getJobState(deliveryJobId(waitingDelivery))).toBe("waiting");
      expect(await queues.delivery.getJobState(deliveryJobId(futureDelivery))).toBe("unknown");
      const again = await reconciler.run();
      expect(again).toEqual({ eventsRequeued: 0, deliveriesRequeued: 0 });
    } finally {
      await queues.close();
      redis.disconnect();
      await deletePrefix(prefix);
    }
  });
});
