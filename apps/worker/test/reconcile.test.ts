// The reconciler on its own: a job that finished in BullMQ while PostgreSQL still holds the row
// open is replaced, and scheduled ones are left alone. Kept apart from maintenance.test.ts, whose
// harness runs a live reconcile loop every 300 ms over the same database: that loop raced this
// test for the same due rows.
import { UnrecoverableError, Worker, type Queue } from "bullmq";
import { createQueues, createRedis } from "@msr-webhooks/queue/connection";
import { deliveryJobId, QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { deliveryJob } from "../src/attempts/delivery-job.js";
import { Reconciler } from "../src/maintenance/reconcile.service.js";
import { createHarness, silentLogger, type Harness } from "./support/harness.js";
import { createUser, createWebhook, insertDelivery, insertEvent, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let alice: AccountRef;

beforeAll(async () => {
  // No periodic reconcile during this file: the test drives its own Reconciler.
  h = await createHarness({ RECONCILE_INTERVAL: "1h" });
  receiver = await startReceiver();
  alice = await createUser(h.db, "alice");
});

afterAll(async () => {
  await receiver.close();
  await h.close();
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
      await waitUntil(async () => (await queues.delivery.getJobState(deliveryJobId(failedJobDelivery))) === "failed", {
        what: "the job to end in the failed set",
      });
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
