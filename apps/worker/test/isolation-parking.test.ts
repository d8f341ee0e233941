// Parking (src/isolation/parking.ts), by counts: a delivery refused because its owner holds its
// share of the worker, or because its endpoint is at its in-flight cap, is put off once and then
// costs nothing until a slot frees, however long the slots stay taken. Counted as BullMQ counts
// them: every deferral moves the job to the delayed set and writes one `delayed` event to the
// queue's event stream. With Q deliveries queued behind held requests:
//   - while every slot is held, each refused delivery is deferred once, and not again (the old
//     re-polling deferred each one every ENDPOINT_BUSY_RETRY, here 20 ms, for as long as the hold);
//   - once the endpoint answers, freed slots wake the parked deliveries (their jobs come back on
//     their own only after DELIVERY_TIMEOUT_MS + 5 s, well past the waits here): every delivery
//     succeeds with one attempt, and the deferrals stay O(releases): at most 2 x Q in all.
import { createRedis } from "@msr-webhooks/queue/connection";
import { redisUrl } from "@msr-webhooks/testing/redis";
import { deferrals, total } from "./support/deferrals.js";
import { createHarness } from "./support/harness.js";
import { startHeldServer, type HeldCount, type HeldServer } from "./support/held-server.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

/** How long every slot stays held while the deferrals are counted (old code: ~50 deferrals per queued delivery). */
const HUNG_PERIOD_MS = 2000;
const QUEUED = 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Q deliveries to one held server; `held` of them get a slot, the rest are refused. */
async function scenario(env: Record<string, string>, held: number): Promise<void> {
  const h = await createHarness({
    // Longer than the test: held requests end when the test says, never by a timer.
    DELIVERY_TIMEOUT_MS: "60000",
    // The old deferral: every 20-40 ms.
    ENDPOINT_BUSY_RETRY: "20ms",
    ENDPOINT_BUSY_WAIT: "0s",
    ...env,
  });
  const redis = createRedis(redisUrl());
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
  let server: HeldServer | undefined;
  try {
    server = await startHeldServer(count);
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: server.url, author: alice });
    await h.startWorker();
    for (let i = 0; i < QUEUED; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });

    // Every slot held; every other delivery refused (deferred) at least once.
    let deferred = 0;
    await waitUntil(
      async () => {
        deferred = (await deferrals(h.prefix, redis)).size;
        return count.open === held && deferred === QUEUED - held;
      },
      { what: () => `${held} requests held (${count.open}) and ${QUEUED - held} deliveries deferred (${deferred})` },
    );
    const before = total(await deferrals(h.prefix, redis));
    await sleep(HUNG_PERIOD_MS);
    const during = total(await deferrals(h.prefix, redis)) - before;
    // Parked: nothing comes back while no slot frees.
    expect({ during, firstDeferrals: before }).toEqual({ during: 0, firstDeferrals: QUEUED - held });
    expect(count.requests).toBe(held);

    // The endpoint answers: each freed slot wakes a parked delivery, long before any comes back on its own.
    server.release();
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === QUEUED, { what: "every delivery succeeded" });
    const spent = await h.db.deliveryAttempt.count();
    expect({ spent, received: count.requests }).toEqual({ spent: QUEUED, received: QUEUED });
    // O(releases): each delivery is parked, woken, and at worst parked once more per slot it lost to a newcomer.
    expect(total(await deferrals(h.prefix, redis))).toBeLessThanOrEqual(2 * QUEUED);
  } finally {
    server?.release();
    await h.close();
    await server?.close();
    redis.disconnect();
  }
}

describe("parking refused deliveries until a slot frees", () => {
  it("defers each delivery over its owner's share once while the owner's slots stay held, and wakes them as slots free", async () => {
    // 8 slots x 0.25: the owner holds 2; the endpoint's own cap is out of the way.
    await scenario({ DELIVERY_CONCURRENCY: "8", OWNER_MAX_SHARE: "0.25", ENDPOINT_MAX_IN_FLIGHT: "100" }, 2);
  });

  it("defers each delivery over its endpoint's in-flight cap once while the endpoint's slots stay held, and wakes them as slots free", async () => {
    await scenario({ DELIVERY_CONCURRENCY: "30", OWNER_MAX_SHARE: "1", ENDPOINT_MAX_IN_FLIGHT: "3" }, 3);
  });
});
