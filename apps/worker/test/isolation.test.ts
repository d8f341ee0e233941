// Isolation end to end, by counts and order (the latency figures are bench/src/isolation.ts):
// healthy endpoints, one endpoint that holds every request open (until the test lets it fail) and
// one that answers 500 at once, all subscribed to the same events. Shown here:
//   - every healthy endpoint received every event while the hung endpoint still held its requests
//     open: no healthy delivery waited behind a hung one;
//   - the hung endpoint never had more than ENDPOINT_MAX_IN_FLIGHT requests open; the rest of its
//     deliveries were deferred by the gate;
//   - once an endpoint's circuit opened, only probes reached it, one at a time, and while a probe was
//     out every other attempt was refused;
//   - deferred deliveries spent no attempt: per endpoint, the gate's admissions = requests received =
//     attempt rows = the sum of the deliveries' attemptCount.
// The worker runs with the real Redis gate, wrapped to record each admission (and whether it was
// the circuit's probe, as the breaker's own state says) and each release.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createRedis } from "@msr-webhooks/queue/connection";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { redisUrl } from "@msr-webhooks/testing/redis";
import type { Redis } from "ioredis";
import { loadConfig } from "../src/config.js";
import type { Admission, EndpointGate } from "../src/attempts/endpoint-gate.js";
import { EndpointKeyring, originOf } from "../src/isolation/endpoint-key.js";
import { gateSettings } from "../src/isolation/gate-settings.js";
import { RedisEndpointGate } from "../src/isolation/redis-endpoint-gate.js";
import { captureLog } from "./support/capture-log.js";
import { createHarness, type Harness, type InProcessWorker } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const HEALTHY = 3;
const EVENTS = 24;
const MAX_IN_FLIGHT = 3;
const STREAK = 3;

/** One gate call, in the order the worker made them. */
type GateCall =
  | { kind: "admitted"; origin: string; slot: string; probe: boolean }
  | { kind: "refused"; origin: string; slot: string; reason: string; cause: "busy" | "circuit" }
  | { kind: "released"; origin: string; slot: string; ok: boolean };

/** The real gate, recording what it answered. */
class RecordingGate implements EndpointGate {
  readonly calls: GateCall[] = [];

  constructor(
    readonly inner: RedisEndpointGate,
    private readonly redis: Redis,
    private readonly keyring: EndpointKeyring,
  ) {}

  async admit(endpoint: string, now: Date, slot: string): Promise<Admission> {
    const admission = await this.inner.admit(endpoint, now, slot);
    const origin = originOf(endpoint);
    if (admission.admitted) {
      // Read before the attempt starts, so before its release: a half-open breaker names its probe's slot.
      const probe = (await this.redis.hget(this.keyring.keysFor(endpoint).breaker, "probe")) === slot;
      this.calls.push({ kind: "admitted", origin, slot, probe });
    } else {
      this.calls.push({ kind: "refused", origin, slot, reason: admission.reason, cause: admission.cause ?? "circuit" });
    }
    return admission;
  }

  async release(endpoint: string, ok: boolean, slot: string): Promise<void> {
    await this.inner.release(endpoint, ok, slot);
    this.calls.push({ kind: "released", origin: originOf(endpoint), slot, ok });
  }

  openCircuits(): Promise<number> {
    return this.inner.openCircuits();
  }

  of(url: string, from = 0): GateCall[] {
    const origin = originOf(url);
    return this.calls.slice(from).filter((c) => c.origin === origin);
  }

  admitted(url: string, from = 0): Extract<GateCall, { kind: "admitted" }>[] {
    return this.of(url, from).filter((c): c is Extract<GateCall, { kind: "admitted" }> => c.kind === "admitted");
  }

  refused(url: string, from = 0): Extract<GateCall, { kind: "refused" }>[] {
    return this.of(url, from).filter((c): c is Extract<GateCall, { kind: "refused" }> => c.kind === "refused");
  }
}

interface HungEndpoint {
  url: string;
  /** Requests received, open now, most open at once, and ended (by the client or by fail()). */
  requests: number;
  open: number;
  maxOpen: number;
  ended: number;
  /** Resets every open request and, from now on, every new one at once. */
  fail(): void;
  /** Holds new requests open again. */
  hold(): void;
  close(): Promise<void>;
}

/** Reads each request and never answers: it stays open until the test says fail(). */
async function startHungEndpoint(): Promise<HungEndpoint> {
  const held = new Set<Socket>();
  const sockets = new Set<Socket>();
  let failing = false;
  const state = { requests: 0, open: 0, maxOpen: 0, ended: 0 };
  const server = http.createServer((req) => {
    state.requests += 1;
    state.open += 1;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    req.resume();
    const socket = req.socket;
    socket.once("close", () => {
      held.delete(socket);
      state.open -= 1;
      state.ended += 1;
    });
    if (failing) socket.resetAndDestroy();
    else held.add(socket);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    get requests() {
      return state.requests;
    },
    get open() {
      return state.open;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    get ended() {
      return state.ended;
    },
    fail() {
      failing = true;
      for (const s of held) s.resetAndDestroy();
    },
    hold() {
      failing = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let h: Harness;
let worker: InProcessWorker;
let gateRedis: Redis;
let gate: RecordingGate;
const gateLog = captureLog();
const healthy: Receiver[] = [];
let failing: Receiver;
let hung: HungEndpoint;

beforeAll(async () => {
  h = await createHarness({
    // Longer than the test: the hung endpoint's requests end when the test says, never by a timer.
    DELIVERY_TIMEOUT_MS: "60000",
    // More deliveries at once than the hung endpoint may hold, fewer than the events: were its requests
    // not capped, they would take every slot and the healthy deliveries would wait behind them.
    DELIVERY_CONCURRENCY: "10",
    RETRY_SCHEDULE: Array(8).fill("1s").join(","),
    ENDPOINT_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
    BREAKER_CONSECUTIVE_FAILURES: String(STREAK),
    BREAKER_MIN_ATTEMPTS: "100000",
    // Short, so that probes come within the test; when they come is the gate's business (isolation-gate.test.ts).
    BREAKER_OPEN: "300ms",
  });
  const config = loadConfig(h.env);
  gateRedis = createRedis(redisUrl());
  // The worker's own gate, built as deps.ts builds it, wrapped to record what it decides.
  const inner = new RedisEndpointGate(gateRedis, h.prefix, gateSettings(config), gateLog.log);
  gate = new RecordingGate(inner, gateRedis, new EndpointKeyring(h.prefix));

  for (let i = 0; i < HEALTHY; i += 1) healthy.push(await startReceiver());
  failing = await startReceiver({ handler: () => ({ status: 500, body: "down" }) });
  hung = await startHungEndpoint();
  const alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "app");
  for (const url of [...healthy.map((r) => `${r.url}/hook`), `${failing.url}/hook`, hung.url]) {
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: url, author: alice });
  }
  worker = await h.startWorker({}, { gate });
});

afterAll(async () => {
  hung?.fail();
  await h?.close();
  for (const r of healthy) await r.close();
  await failing?.close();
  await hung?.close();
  gateRedis?.disconnect();
});

async function publish(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });
}

/** A moment the circuit is open with nothing in flight: everything admitted so far has ended. Returns the gate's call count then. */
async function openAndIdle(url: string, what: string): Promise<number> {
  return waitUntil(
    async () => {
      const state = await gate.inner.inspect(url);
      return state.state === "open" && state.inFlight === 0 && gate.calls.length;
    },
    { what },
  );
}

/** Probes are admitted one at a time: each is released before the next is admitted. */
function expectOneProbeAtATime(calls: GateCall[]): void {
  let out: string | null = null;
  for (const c of calls) {
    if (c.kind === "admitted") {
      expect({ probe: c.probe, alreadyOut: out }).toEqual({ probe: true, alreadyOut: null });
      out = c.slot;
    } else if (c.kind === "released" && c.slot === out) {
      out = null;
    }
  }
}

it("keeps healthy endpoints' deliveries flowing while one endpoint hangs and one fails, and spends nothing on open circuits", async () => {
  const failingUrl = `${failing.url}/hook`;
  const deliveriesOf = (endpoint: string) => h.db.delivery.findMany({ where: { webhook: { endpoint } } });
  const attemptsOf = (endpoint: string) => h.db.deliveryAttempt.count({ where: { delivery: { webhook: { endpoint } } } });

  // 1. The hung endpoint fills its cap, then the rest of the events go out while it holds them.
  await publish(0, MAX_IN_FLIGHT);
  await waitUntil(() => hung.open === MAX_IN_FLIGHT, { what: () => `${MAX_IN_FLIGHT} requests held open by the hung endpoint (${hung.open})` });
  await publish(MAX_IN_FLIGHT, EVENTS);
  for (const r of healthy) await r.waitFor(EVENTS);
  await waitUntil(() => gate.refused(hung.url).some((c) => c.cause === "busy"), { what: "a delivery to the hung endpoint deferred as busy" });
  await waitUntil(async () => (await h.db.event.count({ where: { status: "fanned_out" } })) === EVENTS, { what: "every event fanned out" });

  // Every healthy delivery arrived while the hung requests were still open, and nothing else reached the hung endpoint.
  expect(hung.ended).toBe(0);
  expect(hung.open).toBe(MAX_IN_FLIGHT);
  expect(hung.requests).toBe(MAX_IN_FLIGHT);
  expect(gate.admitted(hung.url)).toHaveLength(MAX_IN_FLIGHT);
  for (const r of healthy) {
    expect(r.requests).toHaveLength(EVENTS);
    expect(new Set(r.requests.map((q) => (JSON.parse(q.body) as { contents: { tag: string } }).contents.tag)).size).toBe(EVENTS);
  }
  // The hung endpoint's other deliveries were deferred without spending an attempt (the held ones are not over yet).
  const deferred = await deliveriesOf(hung.url);
  expect(deferred).toHaveLength(EVENTS);
  expect(deferred.reduce((n, d) => n + d.attemptCount, 0)).toBe(0);
  expect(await attemptsOf(hung.url)).toBe(0);

  // 2. The failing endpoint's circuit opened on its own. From a moment it is open with nothing in
  // flight, every admission to it must be a probe.
  const failingOpen = await openAndIdle(failingUrl, "the failing endpoint's circuit open with nothing in flight");

  // 3. The hung endpoint's requests fail: its circuit opens after STREAK failures in a row.
  hung.fail();
  const hungOpen = await openAndIdle(hung.url, "the hung endpoint's circuit open with nothing in flight");
  const beforeOpening = gate.admitted(hung.url).filter((c) => !c.probe).length;
  // What the breaker had to see, plus what was in flight when it opened.
  expect(beforeOpening).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
  expect(beforeOpening).toBeLessThanOrEqual(MAX_IN_FLIGHT + STREAK - 1);

  // 4. A probe is held open: while it is out, the circuit refuses every other attempt.
  hung.hold();
  const held = await waitUntil(() => hung.open === 1 && { requests: hung.requests, calls: gate.calls.length }, { what: "a probe held by the hung endpoint" });
  const probe = gate.admitted(hung.url).at(-1)!;
  expect(probe.probe).toBe(true);
  expect((await gate.inner.inspect(hung.url)).state).toBe("half-open");
  await waitUntil(() => gate.refused(hung.url, held.calls).filter((c) => c.reason === "circuit half-open").length >= 2, {
    what: "two attempts to the hung endpoint refused while its probe is out",
  });
  expect(hung.requests).toBe(held.requests);
  expect(gate.admitted(hung.url, held.calls)).toEqual([]);
  hung.fail();
  await waitUntil(() => gate.of(hung.url).some((c) => c.kind === "released" && c.slot === probe.slot), { what: "the held probe to end" });

  // 5. The failing endpoint is probed again and again, each probe failing.
  await waitUntil(() => gate.admitted(failingUrl, failingOpen).length >= 2, { what: "two probes of the failing endpoint" });

  // Everything that was admitted ends; then the books must balance.
  await worker.stop();
  for (const [url, openedAt, requests] of [
    [failingUrl, failingOpen, () => failing.requests.length],
    [hung.url, hungOpen, () => hung.requests],
  ] as const) {
    const calls = gate.of(url);
    const admitted = gate.admitted(url);
    // Only probes after the opening, one at a time.
    const afterOpening = gate.of(url, openedAt);
    expect(afterOpening.some((c) => c.kind === "admitted")).toBe(true);
    expectOneProbeAtATime(afterOpening);
    expect(admitted.filter((c) => !c.probe).length).toBeLessThanOrEqual(MAX_IN_FLIGHT + STREAK - 1);
    // The circuit opened once and never closed: every probe's failure re-opened it.
    const logged = (message: string) => gateLog.lines.filter((l) => l["message"] === message && l["endpoint"] === originOf(url)).length;
    expect(logged("circuit opened: attempts to this endpoint are deferred")).toBe(1);
    expect(logged("circuit re-opened: the probe failed")).toBe(admitted.filter((c) => c.probe).length);
    // Every admission was released and reached the endpoint once; every refusal spent nothing.
    expect(calls.filter((c) => c.kind === "released")).toHaveLength(admitted.length);
    expect(requests()).toBe(admitted.length);
    expect(await attemptsOf(url)).toBe(admitted.length);
    expect(gate.refused(url).length).toBeGreaterThan(0);
    const deliveries = await deliveriesOf(url);
    expect(deliveries).toHaveLength(EVENTS);
    expect(deliveries.reduce((n, d) => n + d.attemptCount, 0)).toBe(admitted.length);
    // None was given up on: deferred, or waiting for its next try.
    expect(deliveries.filter((d) => d.status !== "pending" && d.status !== "retrying")).toEqual([]);
  }
  // Never more requests open at the hung endpoint than the cap.
  expect(hung.maxOpen).toBe(MAX_IN_FLIGHT);
});
