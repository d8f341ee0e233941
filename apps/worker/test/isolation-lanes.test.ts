// First attempts never queue behind retries: a failed or deferred delivery's job moves to BullMQ's
// prioritized lane, which a worker serves only when no first attempt waits. Shown by order, with a
// worker of concurrency 2 whose both slots hold retries (the failing endpoint holds its requests
// until the test lets them go) while a backlog of ready retries waits: once a new event's first
// attempt is queued and the slots free up, it goes out before the backlog, with at most one retry
// (taken by the other freed slot) ahead of it.
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { deliveryJob, RETRY_LANE_PRIORITY } from "../src/attempts/delivery-job.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, insertDelivery, insertEvent, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const BACKLOG = 40;
const CONCURRENCY = 2;

let h: Harness;
let failing: Receiver;
let healthy: Receiver;
/** Every request as it arrived, at either receiver. */
const arrivals: ("retry" | "first")[] = [];
let holding = false;
const held: (() => void)[] = [];

function releaseHeld(): void {
  for (const release of held.splice(0)) release();
}

beforeAll(async () => {
  h = await createHarness({
    DELIVERY_CONCURRENCY: String(CONCURRENCY),
    // Retries come back almost at once, so the retry lane always has more work than the worker can take.
    RETRY_SCHEDULE: Array(30).fill("20ms").join(","),
    ENDPOINT_MAX_IN_FLIGHT: "1000",
    // Held requests end when the test lets them go, never by a timer.
    DELIVERY_TIMEOUT_MS: "60000",
  });
  failing = await startReceiver({
    handler: async () => {
      arrivals.push("retry");
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
      return { status: 500 };
    },
  });
  healthy = await startReceiver({
    handler: () => {
      arrivals.push("first");
      return { status: 200 };
    },
  });
});

afterAll(async () => {
  holding = false;
  releaseHeld();
  await h?.close();
  await failing?.close();
  await healthy?.close();
});

it("sends a new event's first attempt before a backlog of retries", async () => {
  const alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "busy");
  await createRepo(h.db, foo, "fresh");
  const broken = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/busy", endpoint: `${failing.url}/x`, author: alice });
  const fresh = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/fresh", endpoint: `${healthy.url}/y`, author: alice });
  const policy = loadConfig(h.env).retry;
  const ids: string[] = [];
  for (let i = 0; i < BACKLOG; i += 1) {
    const eventId = await insertEvent(h.db, { namespace: "foo", repository: "busy", status: "fanned_out", tag: `t${i}` });
    ids.push(await insertDelivery(h.db, eventId, broken.id));
  }
  await h.queues.delivery.addBulk(ids.map((id) => deliveryJob(id, policy)));
  await h.startWorker();

  // Every backlog delivery has failed once and is a retry now.
  await waitUntil(async () => (await h.db.delivery.count({ where: { webhookId: broken.id, attemptCount: { gte: 1 } } })) === BACKLOG, {
    what: "the backlog to fail once",
  });
  // Both of the worker's slots hold a retry; the rest of the backlog waits in the retry lane (the
  // last few still in BullMQ's delayed set, due: a worker promotes them when it next takes a job).
  holding = true;
  await waitUntil(() => held.length === CONCURRENCY, { what: () => `${CONCURRENCY} retries held (${held.length})` });
  let counts: Record<string, number> = {};
  const backlogWaiting = async (): Promise<boolean> => {
    counts = await h.queues.delivery.getJobCounts("prioritized", "delayed", "waiting", "active");
    return counts.prioritized! > 0 && counts.prioritized! + counts.delayed! === BACKLOG - CONCURRENCY && counts.waiting === 0;
  };
  await waitUntil(backlogWaiting, { what: () => `the rest of the backlog in the retry lane (${JSON.stringify(counts)})` });

  // A new event's first attempt is queued behind them in time.
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "fresh") });
  const first = await waitUntil(() => h.db.delivery.findFirst({ where: { webhookId: fresh.id } }), { what: "the new event's delivery" });
  await waitUntil(async () => (await h.queues.delivery.getJobState(deliveryJobId(first.id))) === "waiting", {
    what: "the first attempt's job to be queued",
  });
  counts = await h.queues.delivery.getJobCounts("prioritized", "delayed", "waiting", "active");
  expect(counts).toMatchObject({ waiting: 1, active: CONCURRENCY });
  expect(counts.prioritized! + counts.delayed!).toBe(BACKLOG - CONCURRENCY);

  // The slots free up: the first attempt is among the next two jobs taken.
  const from = arrivals.length;
  releaseHeld();
  await waitUntil(() => arrivals.includes("first"), { what: "the first attempt to arrive" });
  const retriesAhead = arrivals.slice(from, arrivals.indexOf("first", from)).length;
  expect(retriesAhead).toBeLessThanOrEqual(CONCURRENCY - 1);
  const job = await h.queues.delivery.getJob(deliveryJobId(ids[0]!));
  expect(job?.priority).toBe(RETRY_LANE_PRIORITY);
});
