// A wake-up for a delivery whose job is not delayed yet (src/isolation/parking.ts): a row found
// parked in the table by owner-backlog.ts may be woken in the moment between its park being
// written and its job being delayed (a refusal's postpone, then moveToDelayed; a fan-out's INSERT,
// then its delayed add). The row is made due, the promote finds no delayed job; tried again
// shortly, it promotes the job once it is delayed, so the delivery does not wait out its park. A
// delivery that is no longer a first attempt by then (its delayed job may be a retry's backoff) is
// left alone. Real PostgreSQL and Redis; no worker runs.
import { setTimeout as sleep } from "node:timers/promises";
import { DELIVERY_JOB_NAME } from "@msr-webhooks/queue/delivery-job";
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { Parking } from "../src/isolation/parking.js";
import { createHarness, silentLogger, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, insertDelivery, insertEvent } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let parking: Parking;
let webhookId: string;

beforeAll(async () => {
  h = await createHarness();
  parking = new Parking({ firstWaitMs: 65_000, maxWaitMs: 3_600_000, maxWaiters: 10 }, h.sql, h.queues.delivery, silentLogger());
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
  webhookId = (await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: "http://127.0.0.1:9/hook", author: alice })).id;
});

afterAll(async () => {
  await h.close();
});

async function parkedRow(opts: { status: string; attemptCount: number }): Promise<{ id: string; until: Date }> {
  const until = new Date(Date.now() + 60 * 60_000);
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "app", tag: `t${Math.random()}` });
  return { id: await insertDelivery(h.db, eventId, webhookId, { ...opts, nextAttemptAt: until }), until };
}

async function delayLater(deliveryId: string): Promise<void> {
  await sleep(100);
  await h.queues.delivery.add(DELIVERY_JOB_NAME, { deliveryId }, { jobId: deliveryJobId(deliveryId), delay: 60 * 60_000 });
}

describe("waking a parked delivery whose job is not delayed yet", () => {
  it("promotes its job once it is delayed, and the row is due", async () => {
    const { id, until } = await parkedRow({ status: "pending", attemptCount: 0 });
    parking.wake(id, until.getTime());
    await delayLater(id);
    const job = deliveryJobId(id);
    await waitUntil(async () => (await h.queues.delivery.getJobState(job)) === "waiting", { what: "the job promoted", timeoutMs: 5000 });
    const row = await h.db.delivery.findFirstOrThrow({ where: { id } });
    expect(row.nextAttemptAt?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("leaves the job delayed when the delivery is not a first attempt any more", async () => {
    const { id, until } = await parkedRow({ status: "retrying", attemptCount: 1 });
    parking.wake(id, until.getTime());
    await delayLater(id);
    // Past both tries again (250 ms and 1 s after the first).
    await sleep(2000);
    expect(await h.queues.delivery.getJobState(deliveryJobId(id))).toBe("delayed");
  });
});
