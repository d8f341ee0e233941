// Fair delivery between owners, and the slow lane, end to end (counts only; the latency figure is
// bench/src/fairness.ts):
//   - one user (mallory) owns 22 webhooks, each on its own server that accepts requests and never
//     answers until the test releases it; another user (bob) has one healthy receiver. While every
//     one of mallory's requests is held open, bob's receiver gets every one of its events, and
//     mallory never has more than her share of the worker's delivery slots (OWNER_MAX_SHARE x
//     DELIVERY_CONCURRENCY) open at once, counted across all her servers. Her deferred deliveries
//     spent no attempt: attempt rows = the sum of attemptCount = requests her servers received.
//   - an endpoint whose attempts keep timing out is held to SLOW_ENDPOINT_MAX_IN_FLIGHT attempts in
//     flight (as the gate's shared state counts them) instead of ENDPOINT_MAX_IN_FLIGHT.
import { createRedis } from "@msr-webhooks/queue/connection";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { redisUrl } from "@msr-webhooks/testing/redis";
import type { Redis } from "ioredis";
import { loadConfig } from "../src/config.js";
import { gateSettings } from "../src/isolation/gate-settings.js";
import { RedisEndpointGate } from "../src/isolation/redis-endpoint-gate.js";
import { silentLogger, createHarness, type Harness } from "./support/harness.js";
import { startHeldServer, type HeldCount, type HeldServer } from "./support/held-server.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

describe("fair delivery between owners", () => {
  const HOSTILE_ENDPOINTS = 22;
  const CONCURRENCY = 40;
  const SHARE = 0.25;
  const OWNER_CAP = Math.floor(CONCURRENCY * SHARE);
  const HOSTILE_EVENTS = 6;
  const HEALTHY_EVENTS = 10;

  let h: Harness;
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
  const hostile: HeldServer[] = [];
  let healthy: Receiver;

  beforeAll(async () => {
    h = await createHarness({
      // Longer than the test: held requests end when the test says, never by a timer.
      DELIVERY_TIMEOUT_MS: "60000",
      DELIVERY_CONCURRENCY: String(CONCURRENCY),
      // 22 origins x 2 = 44 > 40 slots: capped per origin only, mallory would take every slot.
      ENDPOINT_MAX_IN_FLIGHT: "2",
      OWNER_MAX_SHARE: String(SHARE),
      RETRY_SCHEDULE: Array(8).fill("1s").join(","),
    });
    for (let i = 0; i < HOSTILE_ENDPOINTS; i += 1) hostile.push(await startHeldServer(count));
    healthy = await startReceiver();
    const mallory = await createUser(h.db, "mallory");
    const bob = await createUser(h.db, "bob");
    await createRepo(h.db, await createOrg(h.db, "evil", [mallory]), "app");
    await createRepo(h.db, await createOrg(h.db, "good", [bob]), "app");
    for (const s of hostile) await createWebhook(h.db, { type: "TAG_PUSH", key: "evil/app", endpoint: s.url, author: mallory });
    await createWebhook(h.db, { type: "TAG_PUSH", key: "good/app", endpoint: `${healthy.url}/hook`, author: bob });
    await h.startWorker();
  });

  afterAll(async () => {
    for (const s of hostile) s.release();
    await h?.close();
    for (const s of hostile) await s.close();
    await healthy?.close();
  });

  it("delivers every event of a healthy user while another user's endpoints hold every request open, and caps that user's share", async () => {
    const hostileDeliveries = { webhook: { endpoint: { in: hostile.map((s) => s.url) } } };

    // 1. Mallory's backlog: 6 events x 22 endpoints, every request held open.
    for (let i = 0; i < HOSTILE_EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("evil", "app", `t${i}`) });
    await waitUntil(() => count.open >= OWNER_CAP, { what: () => `${OWNER_CAP} of mallory's requests held open (${count.open})` });
    await waitUntil(async () => (await h.db.delivery.count({ where: hostileDeliveries })) === HOSTILE_EVENTS * HOSTILE_ENDPOINTS, {
      what: "mallory's deliveries fanned out",
    });

    // 2. Bob's events go out while all of mallory's requests are still held.
    for (let i = 0; i < HEALTHY_EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("good", "app", `t${i}`) });
    await healthy.waitFor(HEALTHY_EVENTS);
    // A positive signal that mallory's backlog was being turned away meanwhile: a due delivery of hers
    // was deferred (moved later) without an attempt.
    await waitUntil(
      async () => (await h.db.delivery.count({ where: { ...hostileDeliveries, attemptCount: 0, nextAttemptAt: { gt: new Date() } } })) > 0,
      { what: "a delivery of mallory's deferred without an attempt" },
    );
    expect(healthy.requests).toHaveLength(HEALTHY_EVENTS);
    expect(count.ended).toBe(0);
    expect(count.requests).toBe(count.open);
    expect(count.maxOpen).toBeLessThanOrEqual(OWNER_CAP);

    // 3. Mallory's servers answer: her backlog drains, never above her share.
    for (const s of hostile) s.release();
    const total = HOSTILE_EVENTS * HOSTILE_ENDPOINTS;
    await waitUntil(async () => (await h.db.delivery.count({ where: { ...hostileDeliveries, status: "succeeded" } })) === total, {
      what: "every delivery of mallory's succeeded",
    });
    expect(count.maxOpen).toBeLessThanOrEqual(OWNER_CAP);
    expect(count.maxOpen).toBeGreaterThan(0);

    // Deferred deliveries spent nothing: attempt rows = sum of attemptCount = requests received.
    const deliveries = await h.db.delivery.findMany({ where: hostileDeliveries, select: { attemptCount: true } });
    const attemptRows = await h.db.deliveryAttempt.count({ where: { delivery: hostileDeliveries } });
    const spent = deliveries.reduce((sum, d) => sum + d.attemptCount, 0);
    expect({ attemptRows, spent, received: count.requests }).toEqual({ attemptRows: total, spent: total, received: total });
    expect(count.open).toBe(0);
  });
});

describe("slow lane", () => {
  const MAX_IN_FLIGHT = 8;
  const SLOW_CAP = 2;
  const EVENTS = 30;

  let h: Harness;
  let gateRedis: Redis;
  let gate: RedisEndpointGate;
  const count: HeldCount = { open: 0, maxOpen: 0, requests: 0, ended: 0 };
  let slow: HeldServer;

  beforeAll(async () => {
    h = await createHarness({
      // Every held request times out, quickly.
      DELIVERY_TIMEOUT_MS: "400",
      DELIVERY_CONCURRENCY: "30",
      ENDPOINT_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      SLOW_ENDPOINT_TIMEOUTS: "3",
      SLOW_ENDPOINT_MAX_IN_FLIGHT: String(SLOW_CAP),
      OWNER_MAX_SHARE: "1",
      RETRY_SCHEDULE: Array(8).fill("100ms").join(","),
    });
    const config = loadConfig(h.env);
    gateRedis = createRedis(redisUrl());
    // A second view of the same shared gate state, for inspect().
    gate = new RedisEndpointGate(gateRedis, h.prefix, gateSettings(config), silentLogger());
    slow = await startHeldServer(count);
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: slow.url, author: alice });
  });

  afterAll(async () => {
    slow?.release();
    await h?.close();
    await slow?.close();
    gateRedis?.disconnect();
  });

  it("holds an endpoint that keeps timing out to the slow lane's in-flight cap", async () => {
    // Every event is queued before the worker starts, so the first wave's attempts are all due at
    // once however slow this machine is: with attempts timing out after 400 ms, events published
    // one by one to a running worker could trickle in too slowly to ever fill the cap.
    for (let i = 0; i < EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });
    await h.startWorker();
    // The first wave uses the full cap; once enough of it timed out and drained, the slow cap holds.
    await waitUntil(() => count.maxOpen >= MAX_IN_FLIGHT - 1, { what: () => `the full cap used once (${count.maxOpen})` });
    await waitUntil(
      async () => {
        const state = await gate.inspect(slow.url);
        return state.slow && state.inFlight <= SLOW_CAP;
      },
      { what: "the endpoint in the slow lane with its first wave drained" },
    );
    const from = count.requests;
    let most = 0;
    let stayedSlow = true;
    // Watch the gate's shared in-flight count while more attempts go out and time out.
    await waitUntil(
      async () => {
        const state = await gate.inspect(slow.url);
        stayedSlow &&= state.slow;
        most = Math.max(most, state.inFlight);
        return count.requests >= from + 3 * SLOW_CAP;
      },
      { intervalMs: 5, what: () => `${3 * SLOW_CAP} more attempts to the slow endpoint (${count.requests - from})` },
    );
    expect(stayedSlow).toBe(true);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(SLOW_CAP);
  });
});
