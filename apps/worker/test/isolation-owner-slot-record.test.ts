// An owner's slot (fair delivery, src/isolation/owner-slots.ts) is held while its endpoint is
// asked, not while the attempt's record is written (src/attempts/delivery.processor.ts). Seen in
// the soak bench: stretches of slow commits (WAL syncs after a checkpoint or a vacuum) kept every
// attempt of the single owner in its slot for the commit's time, so the owner reached its share,
// stopped borrowing, and thousands of its attempts were parked and woken while its endpoints
// answered in milliseconds. Here the records cannot commit at all (the test locks the attempts
// table), and an owner with a share of one slot must still send its next delivery once the first
// has been answered; both are recorded, once each, when the lock goes.
import pg from "pg";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

describe("an owner with a share of one slot while the attempts' records cannot commit", () => {
  let h: Harness;
  let receiver: Receiver;
  let locker: pg.Client;

  beforeAll(async () => {
    h = await createHarness({
      // One slot of four: a second attempt of the owner waits for the first's slot.
      DELIVERY_CONCURRENCY: "4",
      OWNER_MAX_SHARE: "0.25",
      // No in-process wait and no borrowing: an attempt over the share is parked until the slot frees.
      OWNER_HOLD_WAIT: "0",
      ENDPOINT_MAX_IN_FLIGHT: "100",
    });
    receiver = await startReceiver();
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "acme", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "acme/app", endpoint: `${receiver.url}/hook`, author: alice });
    locker = new pg.Client({ connectionString: h.env.DATABASE_URL });
    await locker.connect();
    await h.startWorker();
  });

  afterAll(async () => {
    await locker?.end();
    await h?.close();
    await receiver?.close();
  });

  const publish = (tag: string): Promise<unknown> => h.publish({ type: "TAG_PUSH", contents: tagPushContents("acme", "app", tag) });
  const attempts = (): Promise<number> => h.db.deliveryAttempt.count();

  it("sends the owner's next delivery once the first is answered, before either is recorded", async () => {
    // A first delivery end to end: today's partitions exist, and the worker is warm.
    await publish("warm");
    await waitUntil(async () => (await attempts()) === 1, { what: "the first delivery recorded" });

    // Inserts into the attempts table wait for this transaction; reads do not.
    await locker.query("BEGIN");
    await locker.query('LOCK TABLE "DeliveryAttempt" IN EXCLUSIVE MODE');
    try {
      await publish("one");
      await publish("two");
      await waitUntil(() => receiver.requests.length === 3, { what: () => `both deliveries sent (${receiver.requests.length - 1} of 2)` });
      expect(await attempts()).toBe(1);
    } finally {
      await locker.query("COMMIT");
    }

    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === 3, { what: "all three deliveries succeeded" });
    const perDelivery = await h.db.deliveryAttempt.groupBy({ by: ["deliveryId"], _count: { _all: true } });
    expect(perDelivery.map((d) => d._count._all)).toEqual([1, 1, 1]);
    expect(receiver.requests).toHaveLength(3);
  });
});
