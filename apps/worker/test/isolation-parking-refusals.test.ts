// Parking the refusals that parking by itself left to come back and be refused again (issue 14),
// by counts (BullMQ's `delayed` events, one per deferral or retry; requests the endpoint saw):
//   - a delivery refused at its owner's share while its endpoint is full too is parked at the
//     endpoint, not at the owner: else the owner's next freed slot (freed also by an attempt the
//     endpoint refused a moment later) wakes it only for the endpoint to park it a second time;
//   - a delivery refused by an open circuit is parked until the circuit closes, all but one, kept
//     back for the probe: else each came back every ENDPOINT_BUSY_RETRY / ENDPOINT_MAX_IN_FLIGHT
//     (here 2 ms) while the circuit stayed open. Per open period: one probe, one deferral.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRedis } from "@msr-webhooks/queue/connection";
import { redisUrl } from "@msr-webhooks/testing/redis";
import { deferrals, total } from "./support/deferrals.js";
import { createHarness, type Harness } from "./support/harness.js";
import { startHeldServer, type HeldCount, type HeldServer } from "./support/held-server.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const QUEUED = 30;
/** Concurrency 8 x share 0.25: the owner holds 2 slots; the endpoint takes 1 attempt at once. */
const CONCURRENCY = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function seedOneWebhook(h: Harness, endpoint: string): Promise<void> {
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
  await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint, author: alice });
}

async function publishQueued(h: Harness): Promise<void> {
  for (let i = 0; i < QUEUED; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });
}

describe("parking refusals at the cap that actually binds", () => {
  it("parks a delivery refused at its owner's share at its endpoint when that is full too: deferred once, not once per cap", async () => {
    const h = await createHarness({
      DELIVERY_TIMEOUT_MS: "60000",
      DELIVERY_CONCURRENCY: String(CONCURRENCY),
      OWNER_MAX_SHARE: "0.25",
      ENDPOINT_MAX_IN_FLIGHT: "1",
      ENDPOINT_BUSY_RETRY: "20ms",
      ENDPOINT_BUSY_WAIT: "0s",
    });
    const redis = createRedis(redisUrl());
    const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
    let server: HeldServer | undefined;
    try {
      server = await startHeldServer(count);
      await seedOneWebhook(h, server.url);
      await h.startWorker();
      await publishQueued(h);
      // One request held (the endpoint's cap); every other delivery deferred at least once.
      await waitUntil(async () => count.open === 1 && (await deferrals(h.prefix, redis)).size === QUEUED - 1, {
        what: () => `1 request held (${count.open}) and ${QUEUED - 1} deliveries deferred`,
      });
      // Time for the old chain (each owner slot freed by an endpoint refusal wakes an owner waiter) to run.
      await sleep(2000);
      const byJob = await deferrals(h.prefix, redis);
      const twice = [...byJob.values()].filter((n) => n > 1).length;
      // Only the few refused at the owner before the endpoint's one attempt was admitted could be
      // parked at the owner: at most one batch of the worker's concurrency. The old code: most of them.
      expect({ twice, requests: count.requests }).toEqual({ twice: expect.any(Number) as number, requests: 1 });
      expect(twice).toBeLessThanOrEqual(CONCURRENCY - 2);

      server.release();
      await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === QUEUED, { what: "every delivery succeeded" });
      expect(await h.db.deliveryAttempt.count()).toBe(QUEUED);
    } finally {
      server?.release();
      await h.close();
      await server?.close();
      redis.disconnect();
    }
  });

  it("parks deliveries refused by an open circuit until it closes, keeping one back for each probe", async () => {
    const h = await createHarness({
      DELIVERY_CONCURRENCY: String(CONCURRENCY),
      ENDPOINT_MAX_IN_FLIGHT: "10",
      // The old return pace for refusals of an open circuit: 20 ms / 10 = 2 ms apart.
      ENDPOINT_BUSY_RETRY: "20ms",
      ENDPOINT_BUSY_WAIT: "0s",
      BREAKER_CONSECUTIVE_FAILURES: "1",
      BREAKER_OPEN: "300ms",
      // A failed attempt's retry comes long after the test: every attempt after the first ones is a probe.
      RETRY_SCHEDULE: "1h",
    });
    const redis = createRedis(redisUrl());
    let healthy = false;
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests += 1;
      req.resume();
      res.statusCode = healthy ? 200 : 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await seedOneWebhook(h, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      await h.startWorker();
      await publishQueued(h);
      // Every delivery attempted once (a failure, its retry an hour off) or refused by the circuit.
      await waitUntil(async () => (await deferrals(h.prefix, redis)).size === QUEUED, { what: "every delivery deferred or retrying" });
      const first = requests;
      const before = total(await deferrals(h.prefix, redis));
      // Five open periods, each ended by one probe (it fails: the circuit re-opens).
      await waitUntil(async () => requests >= first + 5, { what: () => `5 probes (${requests - first})` });
      const probes = requests - first;
      const during = total(await deferrals(h.prefix, redis)) - before;
      // Per period: the probe's own retry, and the one attempt kept back for the next probe.
      expect({ probes, duringAtMost2PerProbe: during <= 2 * probes + 2 }).toEqual({ probes, duringAtMost2PerProbe: true });

      // The endpoint recovers: the next probe closes the circuit, which wakes the parked deliveries.
      healthy = true;
      await waitUntil(async () => (await h.db.delivery.count({ where: { status: "pending" } })) === 0, { what: "every never-attempted delivery delivered" });
      // Delivered, or failed before the endpoint recovered (first attempts and probes) and retrying in an hour.
      const succeeded = await h.db.delivery.count({ where: { status: "succeeded" } });
      const retrying = await h.db.delivery.count({ where: { status: "retrying" } });
      expect({ succeeded: succeeded + retrying, retryingAtMost: retrying <= first + probes }).toEqual({ succeeded: QUEUED, retryingAtMost: true });
    } finally {
      await h.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    }
  });
});
