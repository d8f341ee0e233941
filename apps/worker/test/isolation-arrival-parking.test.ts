// Parking on arrival (src/isolation/arrival-parking.ts), by counts: once a delivery's owner holds its
// whole share of the worker's slots, or its endpoint is known to refuse, fan-out parks each new
// delivery as it arrives. Its job never becomes active until a freed slot wakes it, so a hostile
// owner's arrivals are never loaded, refused and parked one by one in the plain lane ahead of other
// owners' first attempts. Counted as BullMQ counts it: every job moved to active writes one `active`
// event to the queue's event stream. With the old code every arriving delivery became active once
// (to be refused there); now none does: those that arrived before anything was known to refuse were
// attempted (or refused) by the fan-out without a job.
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { createRedis } from "@msr-webhooks/queue/connection";
import { redisUrl } from "@msr-webhooks/testing/redis";
import type { Redis } from "ioredis";
import { deferrals } from "./support/deferrals.js";
import { createHarness, type Harness } from "./support/harness.js";
import { startHeldServer, type HeldCount, type HeldServer } from "./support/held-server.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const QUEUED = 20;

/** `active` events in the delivery queue's event stream so far: jobs taken by the worker. */
async function activations(prefix: string, redis: Redis): Promise<number> {
  const entries = await redis.xrange(`${prefix}:${QUEUE_NAMES.delivery}:events`, "-", "+");
  return entries.filter(([, fields]) => fields[fields.indexOf("event") + 1] === "active").length;
}

async function publish(h: Harness, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });
}

/**
 * `held` deliveries take every slot there is for them, then `refusedFirst` more are refused the
 * ordinary way (that is how the worker learns the endpoint refuses), then the rest arrive.
 */
async function scenario(env: Record<string, string>, held: number, refusedFirst: number): Promise<void> {
  const h = await createHarness({ DELIVERY_TIMEOUT_MS: "60000", ENDPOINT_BUSY_WAIT: "0s", ...env });
  const redis = createRedis(redisUrl());
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
  let server: HeldServer | undefined;
  try {
    server = await startHeldServer(count);
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: server.url, author: alice });
    await h.startWorker();

    await publish(h, 0, held);
    await waitUntil(() => count.open === held, { what: () => `${held} requests held (${count.open})` });
    await publish(h, held, held + refusedFirst);
    await waitUntil(async () => (await deferrals(h.prefix, redis)).size === refusedFirst, { what: `${refusedFirst} deliveries refused` });
    // The fan-out made the held attempts without jobs (src/attempts/inline-attempts.ts), and an attempt
    // the gate refused there waits as its delayed job: none of them was taken as a job.
    const taken = await activations(h.prefix, redis);
    expect(taken).toBe(0);

    // The rest arrive while nothing has room for them: each is parked (delayed) without being taken.
    await publish(h, held + refusedFirst, QUEUED);
    await waitUntil(async () => (await deferrals(h.prefix, redis)).size === QUEUED - held, { what: `${QUEUED - held} deliveries parked` });
    // Parked: due later and not leased (a leased row's next attempt is its lease's end: it is in flight).
    const parkedRows = await h.db.delivery.count({ where: { status: "pending", nextAttemptAt: { gt: new Date() }, leasedUntil: null } });
    expect(await h.db.delivery.count({ where: { leasedUntil: { not: null } } })).toBe(held);
    expect({ taken: await activations(h.prefix, redis), parkedRows }).toEqual({ taken, parkedRows: QUEUED - held });
    expect(count.requests).toBe(held);

    // Freed slots wake them: every delivery succeeds with one attempt.
    server.release();
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === QUEUED, { what: "every delivery succeeded" });
    const spent = await h.db.deliveryAttempt.count();
    expect({ spent, received: count.requests }).toEqual({ spent: QUEUED, received: QUEUED });
  } finally {
    server?.release();
    await h.close();
    await server?.close();
    redis.disconnect();
  }
}

describe("parking deliveries on arrival when their owner or endpoint is known to refuse them", () => {
  it("parks arrivals of an owner holding its whole share of the worker, without taking their jobs", async () => {
    // 8 slots x 0.25: the owner holds 2; the endpoint's own cap is out of the way.
    await scenario({ DELIVERY_CONCURRENCY: "8", OWNER_MAX_SHARE: "0.25", ENDPOINT_MAX_IN_FLIGHT: "100" }, 2, 0);
  });

  it("parks arrivals for an endpoint at its in-flight cap once an attempt to it was refused", async () => {
    await scenario({ DELIVERY_CONCURRENCY: "30", OWNER_MAX_SHARE: "1", ENDPOINT_MAX_IN_FLIGHT: "3" }, 3, 1);
  });
});
