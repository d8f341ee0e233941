// First attempts never queue behind retries: a failed or deferred delivery's job moves to BullMQ's
// prioritized lane, which a worker serves only when no first attempt waits. Shown with a worker of
// concurrency 2 kept busy by a backlog of retries: a new event's first attempt goes out next.
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { deliveryJob, RETRY_LANE_PRIORITY } from "../src/delivery/delivery-job.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, insertDelivery, insertEvent, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const BACKLOG = 40;

let h: Harness;
let failing: Receiver;
let healthy: Receiver;

beforeAll(async () => {
  h = await createHarness({
    DELIVERY_CONCURRENCY: "2",
    // Retries come back almost at once, so the retry lane always has more work than the worker can take.
    RETRY_SCHEDULE: Array(30).fill("20ms").join(","),
    ENDPOINT_MAX_IN_FLIGHT: "1000",
  });
  failing = await startReceiver({ handler: () => ({ status: 500, delayMs: 30 }) });
  healthy = await startReceiver();
}, 60_000);

afterAll(async () => {
  await h.close();
  await failing.close();
  await healthy.close();
});

it("sends a new event's first attempt before a backlog of retries", async () => {
  const alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "busy");
  await createRepo(h.db, foo, "fresh");
  const broken = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/busy", endpoint: `${failing.url}/x`, author: alice });
  await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/fresh", endpoint: `${healthy.url}/y`, author: alice });
  const policy = loadConfig(h.env).retry;
  const ids: string[] = [];
  for (let i = 0; i < BACKLOG; i += 1) {
    const eventId = await insertEvent(h.db, { namespace: "foo", repository: "busy", status: "fanned_out", tag: `t${i}` });
    ids.push(await insertDelivery(h.db, eventId, broken.id));
  }
  await h.queues.delivery.addBulk(ids.map((id) => deliveryJob(id, policy)));
  await h.startWorker();

  // Every backlog delivery has failed at least once and now waits in the retry lane.
  await waitUntil(async () => (await h.db.delivery.count({ where: { webhookId: broken.id, attemptCount: { gte: 1 } } })) === BACKLOG, {
    what: "the backlog to fail once",
  });
  await waitUntil(() => failing.requests.length >= 2 * BACKLOG, { what: "retries to be under way" });
  const before = failing.requests.length;
  const published = Date.now();
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "fresh") });
  const [first] = await healthy.waitFor(1, 10_000);
  const retriesMeanwhile = failing.requests.filter((r) => r.receivedAt <= first!.receivedAt).length - before;

  // In one FIFO lane the first attempt would wait behind ~40 retries of 30 ms at concurrency 2 (600 ms).
  expect(retriesMeanwhile).toBeLessThanOrEqual(6);
  expect(first!.receivedAt - published).toBeLessThan(400);
  const job = await h.queues.delivery.getJob(deliveryJobId(ids[0]!));
  expect(job?.priority).toBe(RETRY_LANE_PRIORITY);
}, 60_000);
