// One owner's burst through two worker processes' delivery slots (src/isolation/owner-slots.ts).
// A slot freed in one worker wakes one of that worker's parked waiters; the woken job goes back to
// the shared queue, and the other worker may take it and, at its own cap, park it there. The slot
// freed in the first worker then stays free while its other waiters wait out their park (65 s here:
// DELIVERY_TIMEOUT_MS 60 s plus 5 s), and once every wake-up of a worker has gone to the other,
// nothing wakes its waiters at all. The scale bench saw it as minutes with 2 to 8 processes at
// the default OWNER_MAX_SHARE. Now a waiter woken for a slot and not back within TRANSIT_MS counts
// as gone, and the worker wakes another for the slot.
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const EVENTS = 60;

describe("one owner's burst through two workers at their owner cap", () => {
  let h: Harness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await createHarness({
      DELIVERY_CONCURRENCY: "8",
      OWNER_MAX_SHARE: "0.25",
      ENDPOINT_MAX_IN_FLIGHT: "100",
      PARKED_MAX_WAIT: "1h",
      DELIVERY_TIMEOUT_MS: "60000",
    });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it("delivers every delivery, each with one attempt, without waiting out a park", async () => {
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: receiver.url, author: alice });
    await h.startWorker();
    await h.startWorker();
    await Promise.all(Array.from({ length: EVENTS }, (_, i) => h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) })));

    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === EVENTS, {
      what: () => `all ${EVENTS} deliveries succeeded (${receiver.requests.length} received)`,
    });
    const attempts = await h.db.deliveryAttempt.count();
    expect({ attempts, received: receiver.requests.length }).toEqual({ attempts: EVENTS, received: EVENTS });
  });
});
