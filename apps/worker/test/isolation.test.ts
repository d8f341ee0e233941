// Isolation end to end: 20 healthy endpoints, then the same 20 plus one endpoint that never answers
// (held until the attempt's timeout) and one that answers 500, all subscribed to the same events.
// The healthy endpoints' p99 publish-to-receive latency with the bad ones present stays within 2x
// of the run without them (both measured here, baseline first), the dead endpoint never has more
// than ENDPOINT_MAX_IN_FLIGHT attempts open, and once a breaker has opened no attempt is spent on
// its endpoint except the one probe per open period.
//
// Events are published at a steady rate the worker can keep up with: latency then measures how
// long a delivery takes, not how fast the test's own loop can fill a queue. The healthy receivers
// keep only (tag, time) per request, so the second run is not slowed by the first one's garbage.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import type { RedisEndpointGate } from "../src/isolation/redis-endpoint-gate.js";
import { createHarness, type Harness, type InProcessWorker } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents, type AccountRef } from "./support/seed.js";
import { sleep, waitUntil } from "./support/wait.js";

// The shape is 2,000 events x 22 endpoints; ISOLATION_EVENTS scales it for slower machines.
const EVENTS = Number(process.env.ISOLATION_EVENTS ?? 2000);
/**
 * Events per second: 20-22 deliveries each. The worker runs inside the test process with the
 * receivers and the publisher, on one thread: at 25 a slow 2-core machine saturated it (p50
 * 1.2 s in both runs, so the ratio measured queueing, not isolation); at 15, p50 was 89 ms.
 */
const RATE = Number(process.env.ISOLATION_RATE ?? 12);
const HEALTHY = 20;
const MAX_IN_FLIGHT = 10;
const OPEN_MS = 10_000;
const TIMEOUT_MS = 2000;

interface HeldServer {
  url: string;
  requests: number;
  maxOpen: number;
  close(): Promise<void>;
}

/** Reads each request and never answers: the client's timeout ends every exchange. */
async function startBlackHole(): Promise<HeldServer> {
  const sockets = new Set<Socket>();
  let open = 0;
  const state = { requests: 0, maxOpen: 0 };
  const server = http.createServer((req) => {
    state.requests += 1;
    open += 1;
    state.maxOpen = Math.max(state.maxOpen, open);
    req.resume();
    req.socket.once("close", () => {
      open -= 1;
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface LightReceiver {
  url: string;
  /** First arrival per tag, per path. */
  firsts: Map<string, number>;
  close(): Promise<void>;
}

/** Answers 200 at once and remembers when each (path, tag) first arrived. */
async function startLightReceiver(): Promise<LightReceiver> {
  const firsts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const tag = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { contents: { tag: string } }).contents.tag;
      const key = `${req.url ?? ""} ${tag}`;
      if (!firsts.has(key)) firsts.set(key, at);
      res.writeHead(200, { "Content-Length": "0" }).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firsts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

let h: Harness;
let worker: InProcessWorker;
let alice: AccountRef;
const healthy: LightReceiver[] = [];
let failing: Receiver;
let dead: HeldServer;

beforeAll(async () => {
  h = await createHarness({
    DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
    DELIVERY_CONNECT_TIMEOUT_MS: "1000",
    RETRY_SCHEDULE: "1s,5s,10s",
    ENDPOINT_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
    BREAKER_CONSECUTIVE_FAILURES: "10",
    BREAKER_MIN_ATTEMPTS: "10",
    BREAKER_FAILURE_RATIO: "0.7",
    BREAKER_WINDOW: "60s",
    // Shorter than the 30 s default so that probes happen within the test run.
    BREAKER_OPEN: `${OPEN_MS}ms`,
  });
  for (let i = 0; i < HEALTHY; i += 1) healthy.push(await startLightReceiver());
  failing = await startReceiver({ handler: () => ({ status: 500, body: "down" }) });
  dead = await startBlackHole();
  alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "warm");
  await createRepo(h.db, foo, "base");
  await createRepo(h.db, foo, "bad");
  for (const r of healthy) {
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/warm", endpoint: `${r.url}/warm`, author: alice });
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/base", endpoint: `${r.url}/base`, author: alice });
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bad", endpoint: `${r.url}/bad`, author: alice });
  }
  worker = await h.startWorker();
}, 60_000);

afterAll(async () => {
  await h.close();
  for (const r of healthy) await r.close();
  await failing.close();
  await dead.close();
});

/** Publishes `count` events to `repo`, RATE per second, and returns each tag's publish time. */
async function publishAll(repo: string, tagPrefix: string, count = EVENTS): Promise<Map<string, number>> {
  const publishedAt = new Map<string, number>();
  const start = Date.now();
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const tag = `${tagPrefix}${i}`;
    publishedAt.set(tag, Date.now());
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", repo, tag) });
  }
  return publishedAt;
}

/** Waits until every healthy receiver has every event of the run; returns the latencies (ms). */
async function healthyLatencies(path: string, publishedAt: Map<string, number>): Promise<number[]> {
  const latencies: number[] = [];
  for (const r of healthy) {
    for (const [tag, at] of publishedAt) {
      const key = `${path} ${tag}`;
      const arrived = r.firsts.get(key) ?? (await waitUntil(() => r.firsts.get(key), { timeoutMs: 120_000, intervalMs: 100, what: `${key} at ${r.url}` }));
      latencies.push(arrived - at);
    }
  }
  expect(latencies).toHaveLength(publishedAt.size * HEALTHY);
  return latencies;
}

it(
  "keeps healthy endpoints' latency while one endpoint hangs and one fails, and spends nothing on open circuits",
  async () => {
    const gate = worker.deps.gate as RedisEndpointGate;

    // Warm-up (JIT, connection pools, caches), so that the baseline is not the first run.
    await healthyLatencies("/warm", await publishAll("warm", "w", Math.min(EVENTS, 200)));

    // Baseline: healthy endpoints only.
    const started = Date.now();
    const baseline = await healthyLatencies("/base", await publishAll("base", "b"));
    const baselineSeconds = (Date.now() - started) / 1000;

    // The first run's dead rows would draw autovacuum into the second: clean up now, between runs.
    await h.db.$executeRawUnsafe('VACUUM ANALYZE "Delivery", "DeliveryAttempt", "Event", "Webhook"');
    await sleep(1000);

    // The same again, with a dead and a failing endpoint subscribed to the same events.
    const deadHook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bad", endpoint: `${dead.url}/hook`, author: alice });
    const failingHook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bad", endpoint: `${failing.url}/hook`, author: alice });
    const firstOpened = new Map<string, number>();
    const watch = setInterval(() => {
      for (const hook of [deadHook, failingHook]) {
        if (firstOpened.has(hook.id)) continue;
        void gate.inspect(hook.endpoint).then((s) => {
          if (s.openedAt !== null && !firstOpened.has(hook.id)) firstOpened.set(hook.id, s.openedAt);
        });
      }
    }, 20);
    const badStarted = Date.now();
    let withBad: number[];
    try {
      withBad = await healthyLatencies("/bad", await publishAll("bad", "x"));
      const badSeconds = (Date.now() - badStarted) / 1000;
      // Long enough after the openings for two probes per endpoint.
      await waitUntil(() => firstOpened.size === 2, { timeoutMs: 30_000, what: "both circuits to open" });
      const settleUntil = Math.max(...firstOpened.values()) + 2.5 * OPEN_MS + TIMEOUT_MS;
      if (Date.now() < settleUntil) await sleep(settleUntil - Date.now());

      const p99Base = percentile(baseline, 99);
      const p99Bad = percentile(withBad, 99);
      const report = {
        events: EVENTS,
        baseline: { p50: percentile(baseline, 50), p99: p99Base, seconds: baselineSeconds },
        withBadEndpoints: { p50: percentile(withBad, 50), p99: p99Bad, seconds: badSeconds },
        ratio: p99Bad / p99Base,
        deadEndpoint: { requests: dead.requests, maxOpen: dead.maxOpen },
        failingEndpoint: { requests: failing.requests.length },
      };
      process.stdout.write(`isolation: ${JSON.stringify(report)}\n`);

      expect(p99Bad).toBeLessThanOrEqual(2 * p99Base);
      expect(dead.maxOpen).toBeLessThanOrEqual(MAX_IN_FLIGHT);

      for (const hook of [deadHook, failingHook]) {
        const openedAt = firstOpened.get(hook.id)!;
        const attempts = await h.db.deliveryAttempt.findMany({
          where: { delivery: { webhookId: hook.id } },
          orderBy: { startedAt: "asc" },
        });
        // An attempt admitted just before the opening may note its start a moment after it.
        const cut = openedAt + 250;
        // Before the opening: at most what the breaker needs to see, plus the attempts already in flight.
        const before = attempts.filter((a) => a.startedAt.getTime() < cut);
        expect(before.length).toBeGreaterThanOrEqual(10);
        expect(before.length).toBeLessThanOrEqual(10 + 2 * MAX_IN_FLIGHT);
        // After it: probes only, each after a full open period.
        const probes = attempts.filter((a) => a.startedAt.getTime() >= cut);
        const elapsed = Date.now() - openedAt;
        expect(probes.length).toBeGreaterThanOrEqual(1);
        expect(probes.length).toBeLessThanOrEqual(Math.floor(elapsed / OPEN_MS));
        let previous = openedAt;
        for (const probe of probes) {
          expect(probe.startedAt.getTime() - previous).toBeGreaterThanOrEqual(OPEN_MS - 50);
          previous = probe.startedAt.getTime() + probe.durationMs;
        }
        // Every other delivery of the endpoint was deferred without spending an attempt.
        const deliveries = await h.db.delivery.findMany({ where: { webhookId: hook.id } });
        expect(deliveries).toHaveLength(EVENTS);
        expect(deliveries.reduce((n, d) => n + d.attemptCount, 0)).toBe(attempts.length);
        expect(deliveries.filter((d) => d.attemptCount === 0).length).toBeGreaterThanOrEqual(EVENTS - attempts.length);
        expect(deliveries.every((d) => d.status === "pending" || d.status === "retrying")).toBe(true);
      }
    } finally {
      clearInterval(watch);
    }
  },
  600_000,
);
