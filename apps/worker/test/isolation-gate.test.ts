// The Redis endpoint gate against a real Redis: the in-flight cap shared by gate instances on
// separate connections (separate worker processes), slots of dead workers lapsing, the breaker
// opening on a failure streak or on the failure ratio in its window, one probe when half-open, and
// exactly one Redis round trip to admit and one to release, shared with the calls of
// concurrent attempts.
//
// No assertion here depends on how fast this machine is. Periods the scripts measure (open
// periods, slot lifetimes, the window) are awaited on Redis' own clock, which the scripts read; the
// return times they hand out are checked against the values Redis stored. The in-process wait for
// a slot runs with JavaScript's timers and Date frozen (jest's fake timers; Redis I/O runs as
// usual), so "woken at once" and "deferred when the wait is over" are facts about the order of
// events, not about milliseconds.
import { randomUUID } from "node:crypto";
import { createRedis } from "@msr-webhooks/queue/connection";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import type { Redis } from "ioredis";
import { PAST_PARK_MS } from "../src/isolation/gate-scripts.js";
import { RedisEndpointGate, type IsolationSettings } from "../src/isolation/redis-endpoint-gate.js";
import { EndpointKeyring, originOf } from "../src/isolation/endpoint-key.js";
import { captureLog } from "./support/capture-log.js";
import { WAIT_MS, waitUntil } from "./support/wait.js";

// The jest object of an ESM test file.
const jestApi = (import.meta as unknown as { jest: typeof jest }).jest;

const prefix = testQueuePrefix();
const connections: Redis[] = [];

const BASE: IsolationSettings = {
  maxInFlight: 3,
  slotTtlMs: 10_000,
  busyWaitMs: 0,
  busyRetryMs: 1000,
  breaker: { windowMs: 60_000, minAttempts: 10, failureRatio: 0.7, consecutiveFailures: 10, openMs: 30_000 },
};

function gate(settings: Partial<IsolationSettings> = {}, breaker: Partial<IsolationSettings["breaker"]> = {}) {
  const redis = createRedis(redisUrl());
  connections.push(redis);
  const { log, lines } = captureLog();
  const g = new RedisEndpointGate(redis, prefix, { ...BASE, ...settings, breaker: { ...BASE.breaker, ...breaker } }, log, () => 0.5);
  return { gate: g, redis, lines };
}

/** A fresh endpoint per test: no state is shared between tests. */
const endpoint = () => `http://${randomUUID()}.example:8080/hook`;
const slot = () => randomUUID();
const keyring = new EndpointKeyring(prefix);

/** Redis' clock (ms since the epoch), the one the gate's scripts read. */
async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Waits until Redis' clock has reached `ms`: a period the scripts measure is then over. */
async function redisClockReaches(redis: Redis, ms: number, what: string): Promise<void> {
  await waitUntil(async () => (await redisNow(redis)) >= ms, { what, intervalMs: 20 });
}

async function breakerField(redis: Redis, url: string, field: string): Promise<number> {
  return Number(await redis.hget(keyring.keysFor(url).breaker, field));
}

/**
 * A refused attempt and the return time the scripts chose for it. The gate answers
 * `now + (return time - Redis' clock at the call)`; with `now` read just before the call (one
 * machine, one clock), the return time lies between retryAt and retryAt plus the call's length.
 */
async function refusal(g: RedisEndpointGate, url: string): Promise<{ reason: string; cause?: string; returnAt: { min: number; max: number } }> {
  const before = Date.now();
  const answer = await g.admit(url, new Date(before), slot());
  const after = Date.now();
  if (answer.admitted) throw new Error("admitted, expected a refusal");
  const retryAt = answer.retryAt.getTime();
  // 1 ms either side: Redis and node each round their microseconds down to milliseconds.
  return { reason: answer.reason, cause: answer.cause, returnAt: { min: retryAt - 1, max: retryAt + (after - before) + 1 } };
}

function expectReturnAt(r: { returnAt: { min: number; max: number } }, at: number): void {
  expect(at).toBeGreaterThanOrEqual(r.returnAt.min);
  expect(at).toBeLessThanOrEqual(r.returnAt.max);
}

/** Freezes setTimeout and Date; I/O, promises and setImmediate run as usual. */
function freezeTimers(): void {
  jestApi.useFakeTimers({
    doNotFake: ["nextTick", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "queueMicrotask", "hrtime", "performance"],
  });
}

/** With the timers frozen: lets I/O and promises run until `done()` holds (bounded by real time). */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A promise whose outcome can be read without awaiting it. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.finally(() => (settled = true)).catch(() => undefined);
  return { promise, settled: () => settled };
}

afterEach(() => {
  jestApi.useRealTimers();
});

async function attempts(g: RedisEndpointGate, url: string, outcomes: boolean[]): Promise<void> {
  for (const ok of outcomes) {
    const s = slot();
    expect((await g.admit(url, new Date(), s)).admitted).toBe(true);
    await g.release(url, ok, s);
  }
}

afterAll(async () => {
  for (const r of connections) r.disconnect();
  await deletePrefix(prefix);
});

describe("endpoint keys", () => {
  it("count webhooks by origin: scheme, host and port; never by path or query", () => {
    expect(originOf("https://hooks.example.com/a?token=x")).toBe("https://hooks.example.com");
    expect(originOf("https://hooks.example.com:443/b")).toBe("https://hooks.example.com");
    expect(originOf("http://hooks.example.com:8080/b")).toBe("http://hooks.example.com:8080");
    expect(originOf("not a url")).toBe("not a url");
  });
});

describe("the in-flight cap", () => {
  it("is shared by every gate (worker process) and frees a slot on release", async () => {
    const a = gate().gate;
    const b = gate().gate;
    const url = endpoint();
    const now = new Date();
    const held = [slot(), slot(), slot()];
    expect(await a.admit(url, now, held[0]!)).toEqual({ admitted: true });
    expect(await b.admit(url, now, held[1]!)).toEqual({ admitted: true });
    expect(await a.admit(`${url}/other-path`, now, held[2]!)).toEqual({ admitted: true });
    const refused = await b.admit(url, now, slot());
    expect(refused).toMatchObject({ admitted: false, reason: "3 attempts already in flight", cause: "busy" });
    // busyRetryMs 1000, spread by up to 100% (random() = 0.5 here).
    if (!refused.admitted) expect(refused.retryAt.getTime() - now.getTime()).toBe(1500);
    expect((await a.inspect(url)).inFlight).toBe(3);

    // The same attempt asking again (a job retried after a crash) keeps its own slot.
    expect((await b.admit(url, now, held[0]!)).admitted).toBe(true);
    await a.release(url, true, held[1]!);
    expect((await b.admit(url, now, slot())).admitted).toBe(true);
    expect((await a.admit(url, now, slot())).admitted).toBe(false);
  });

  it("lets a refused attempt wait in the process for a slot: woken by a local release, found by polling after a remote one", async () => {
    const a = gate({ maxInFlight: 1, busyWaitMs: 3000 }).gate;
    const b = gate({ maxInFlight: 1, busyWaitMs: 3000 }).gate;
    const url = endpoint();
    const url2 = endpoint();
    const first = slot();
    const held = slot();
    await a.admit(url, new Date(), first);
    await a.admit(url2, new Date(), held);
    await b.inspect(url2);
    freezeTimers();
    const asked = Date.now();

    // Held by this process: the waiting attempt parks on its poll timer, and the release wakes it
    // with every timer frozen, so no poll can have found the slot.
    const waiting = watch(a.admit(url, new Date(), slot()));
    await until(() => jestApi.getTimerCount() === 1, "the attempt to wait for a slot");
    expect(waiting.settled()).toBe(false);
    await a.release(url, true, first);
    await until(waiting.settled, "the waiting attempt to be woken");
    expect(await waiting.promise).toEqual({ admitted: true });
    expect(Date.now()).toBe(asked);

    // Held by another process: nothing here wakes the waiting attempt; its next poll finds the slot.
    const remote = watch(b.admit(url2, new Date(), slot()));
    await until(() => jestApi.getTimerCount() === 1, "the attempt to wait for a slot held elsewhere");
    await a.release(url2, true, held);
    expect(remote.settled()).toBe(false);
    jestApi.advanceTimersToNextTimer();
    await until(remote.settled, "the waiting attempt's poll");
    expect(await remote.promise).toEqual({ admitted: true });
  });

  it("defers a waiting attempt after busyWaitMs, and parks no more waiters than the endpoint has slots", async () => {
    const { gate: g } = gate({ maxInFlight: 1, busyWaitMs: 300 });
    const url = endpoint();
    await g.admit(url, new Date(), slot());
    freezeTimers();
    const asked = new Date();
    const waiter = watch(g.admit(url, asked, slot()));
    await until(() => jestApi.getTimerCount() === 1, "the attempt to wait for a slot");
    // The one waiting place is taken: refused at once, the frozen clock not having moved.
    const extra = await g.admit(url, new Date(), slot());
    expect(extra).toMatchObject({ admitted: false, reason: "1 attempts already in flight" });
    expect(Date.now()).toBe(asked.getTime());
    // The waiter asks again at each poll until busyWaitMs is over, and only then is deferred.
    let polls = 0;
    while (!waiter.settled()) {
      expect(Date.now() - asked.getTime()).toBeLessThan(300);
      jestApi.advanceTimersToNextTimer();
      polls += 1;
      await until(() => waiter.settled() || jestApi.getTimerCount() === 1, "the waiting attempt's next poll");
    }
    expect(polls).toBeGreaterThan(1);
    expect(Date.now() - asked.getTime()).toBe(300);
    const deferred = await waiter.promise;
    expect(deferred).toMatchObject({ admitted: false, cause: "busy" });
    // Deferred by busyRetryMs (spread +50% here) from the end of the wait, not from the question.
    if (!deferred.admitted) expect(deferred.retryAt.getTime() - asked.getTime()).toBe(300 + 1500);
  });

  it("keeps endpoints apart", async () => {
    const { gate: g } = gate({ maxInFlight: 1 });
    const one = endpoint();
    const two = endpoint();
    expect((await g.admit(one, new Date(), slot())).admitted).toBe(true);
    expect((await g.admit(one, new Date(), slot())).admitted).toBe(false);
    expect((await g.admit(two, new Date(), slot())).admitted).toBe(true);
  });

  it("lets the slot of a worker that died mid-attempt lapse after slotTtlMs", async () => {
    const { gate: g, redis } = gate({ maxInFlight: 2, slotTtlMs: 2000 });
    const url = endpoint();
    const from = await redisNow(redis);
    await g.admit(url, new Date(), slot());
    await g.admit(url, new Date(), slot());
    const to = await redisNow(redis);
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(false);
    // Each slot lapses slotTtlMs after it was taken (Redis' clock), never released.
    const expiries = (await redis.zrange(keyring.keysFor(url).inFlight, "0", "-1", "WITHSCORES")).filter((_, i) => i % 2 === 1).map(Number);
    expect(expiries).toHaveLength(2);
    for (const at of expiries) {
      expect(at).toBeGreaterThanOrEqual(from + 2000);
      expect(at).toBeLessThanOrEqual(to + 2000);
    }
    await redisClockReaches(redis, Math.max(...expiries) + 1, "the dead worker's slots to lapse");
    expect((await g.inspect(url)).inFlight).toBe(0);
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(true);
  });
});

describe("the circuit breaker", () => {
  it("opens after the configured failures in a row, and refuses until the open period ends", async () => {
    const { gate: g, lines } = gate({ maxInFlight: 100 });
    const url = endpoint();
    await attempts(g, url, Array<boolean>(9).fill(false));
    expect((await g.inspect(url)).state).toBe("closed");
    await attempts(g, url, [false]);
    const state = await g.inspect(url);
    expect(state.state).toBe("open");
    expect(state.openUntil! - state.openedAt!).toBe(30_000);
    // The first refused attempt comes back when the open period ends.
    const refused = await refusal(g, url);
    expect(refused).toMatchObject({ reason: "circuit open", cause: "circuit" });
    expectReturnAt(refused, state.openUntil!);
    expect(lines.map((l) => l["message"])).toContain("circuit opened: attempts to this endpoint are deferred");
    expect(lines.find((l) => l["message"] === "circuit opened: attempts to this endpoint are deferred")?.["endpoint"]).toBe(originOf(url));
  });

  it("hands attempts refused by the open circuit return times one pace apart, across reopenings", async () => {
    const { gate: g, redis } = gate({ maxInFlight: 100, circuitPaceMs: 100 }, { openMs: 2000 });
    const url = endpoint();
    await attempts(g, url, Array<boolean>(10).fill(false));
    const { openUntil } = await g.inspect(url);
    const refusals = [];
    for (let i = 0; i < 5; i += 1) refusals.push(await refusal(g, url));
    // Their first comes back as the circuit half-opens (to be the probe); the rest follow at the pace.
    refusals.forEach((r, i) => expectReturnAt(r, openUntil! + i * 100));
    expect(await breakerField(redis, url, "line")).toBe(openUntil! + 500);
    // A failed probe re-opens the circuit; later refusals queue behind those already handed out.
    await redisClockReaches(redis, openUntil!, "the open period to end");
    const probe = slot();
    expect((await g.admit(url, new Date(), probe)).admitted).toBe(true);
    await g.release(url, false, probe);
    const reopened = await g.inspect(url);
    expect(reopened.state).toBe("open");
    expectReturnAt(await refusal(g, url), Math.max(openUntil! + 500, reopened.openUntil!));
  });

  it("a success resets the streak", async () => {
    const { gate: g } = gate({ maxInFlight: 100 }, { minAttempts: 1000 });
    const url = endpoint();
    await attempts(g, url, [...Array<boolean>(9).fill(false), true, ...Array<boolean>(9).fill(false)]);
    expect((await g.inspect(url)).state).toBe("closed");
  });

  it("opens when 70% of at least 10 attempts in the window failed, not before", async () => {
    const { gate: g } = gate({ maxInFlight: 100 }, { consecutiveFailures: 1000 });
    const sixOfTen = endpoint();
    await attempts(g, sixOfTen, [false, false, true, false, false, true, false, true, false, true]);
    expect((await g.inspect(sixOfTen)).state).toBe("closed");

    const sevenOfNine = endpoint();
    await attempts(g, sevenOfNine, [false, false, true, false, false, true, false, false, false]);
    expect((await g.inspect(sevenOfNine)).state).toBe("closed");
    // The tenth attempt makes 7 failures of 10.
    await attempts(g, sevenOfNine, [true]);
    expect((await g.inspect(sevenOfNine)).state).toBe("open");
  });

  it("forgets failures older than the window", async () => {
    const { gate: g, redis } = gate({ maxInFlight: 100 }, { consecutiveFailures: 1000, windowMs: 2000 });
    const url = endpoint();
    await attempts(g, url, Array<boolean>(8).fill(false));
    await redisClockReaches(redis, (await redisNow(redis)) + 2000, "the window to pass");
    await attempts(g, url, [false, false, false]);
    expect((await g.inspect(url)).state).toBe("closed");

    const fresh = endpoint();
    await attempts(g, fresh, Array<boolean>(10).fill(false));
    expect((await g.inspect(fresh)).state).toBe("open");
  });

  it("when half-open lets exactly one probe through; its success closes the circuit", async () => {
    const a = gate({ maxInFlight: 100 }, { openMs: 2000 });
    const b = gate({ maxInFlight: 100 }, { openMs: 2000 });
    const url = endpoint();
    await attempts(a.gate, url, Array<boolean>(10).fill(false));
    expect((await b.gate.admit(url, new Date(), slot())).admitted).toBe(false);
    await redisClockReaches(a.redis, (await a.gate.inspect(url)).openUntil!, "the open period to end");

    const asks = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a.gate : b.gate).admit(url, new Date(), `p${i}`)));
    const admitted = asks.map((x, i) => (x.admitted ? `p${i}` : null)).filter((x): x is string => x !== null);
    expect(admitted).toHaveLength(1);
    expect(asks.filter((x) => !x.admitted).every((x) => !x.admitted && x.reason === "circuit half-open")).toBe(true);
    expect((await a.gate.inspect(url)).state).toBe("half-open");

    await b.gate.release(url, true, admitted[0]!);
    expect((await a.gate.inspect(url)).state).toBe("closed");
    expect((await a.gate.admit(url, new Date(), slot())).admitted).toBe(true);
    expect((await b.gate.admit(url, new Date(), slot())).admitted).toBe(true);
    expect([...a.lines, ...b.lines].map((l) => l["message"])).toEqual(
      expect.arrayContaining(["circuit half-open: probing the endpoint", "circuit closed: the probe succeeded"]),
    );
  });

  it("re-opens when the probe fails; attempts admitted before the opening do not decide", async () => {
    const { gate: g, redis } = gate({ maxInFlight: 100 }, { openMs: 2000 });
    const url = endpoint();
    const straggler = slot();
    expect((await g.admit(url, new Date(), straggler)).admitted).toBe(true);
    await attempts(g, url, Array<boolean>(10).fill(false));
    await redisClockReaches(redis, (await g.inspect(url)).openUntil!, "the open period to end");
    const probe = slot();
    expect(await g.admit(url, new Date(), probe)).toEqual({ admitted: true });
    // An attempt that began while the circuit was closed ends now: the probe still decides.
    await g.release(url, true, straggler);
    expect((await g.inspect(url)).state).toBe("half-open");
    await g.release(url, false, probe);
    const state = await g.inspect(url);
    expect(state.state).toBe("open");
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(false);
    await redisClockReaches(redis, state.openUntil!, "the second open period to end");
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(true);
  });

  it("sends another probe when the first one's worker never reports back", async () => {
    const { gate: g, redis } = gate({ maxInFlight: 100, slotTtlMs: 2000 }, { openMs: 200 });
    const url = endpoint();
    await attempts(g, url, Array<boolean>(10).fill(false));
    await redisClockReaches(redis, (await g.inspect(url)).openUntil!, "the open period to end");
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(true);
    expect(await g.admit(url, new Date(), slot())).toMatchObject({ admitted: false, reason: "circuit half-open" });
    // The probe's slot lapses unreleased: then the next attempt is the new probe.
    await redisClockReaches(redis, await breakerField(redis, url, "probeUntil"), "the probe's slot to lapse");
    expect((await g.admit(url, new Date(), slot())).admitted).toBe(true);
    expect((await g.inspect(url)).state).toBe("half-open");
  });
});

describe("the open-circuits gauge", () => {
  it("counts the deployment's open and half-open circuits until they close", async () => {
    const own = `${prefix}-gauge`;
    const redis = createRedis(redisUrl());
    connections.push(redis);
    const settings = { ...BASE, maxInFlight: 100, breaker: { ...BASE.breaker, openMs: 200 } };
    const g = new RedisEndpointGate(redis, own, settings, captureLog().log);
    const [one, two] = [endpoint(), endpoint()];
    expect(await g.openCircuits()).toBe(0);
    await attempts(g, one, Array<boolean>(10).fill(false));
    await attempts(g, two, Array<boolean>(10).fill(false));
    expect(await g.openCircuits()).toBe(2);
    await redisClockReaches(redis, (await g.inspect(one)).openUntil!, "the open period to end");
    await attempts(g, one, [true]);
    expect(await g.openCircuits()).toBe(1);
    await deletePrefix(own);
  });
});

describe("parked waiters whose park is long over", () => {
  // Their job came back on its own, or their delivery ended without an attempt (a circuit open past
  // OPEN_CIRCUIT_MAX_AGE): nobody removes them at admission, so every script that reads the set drops them.
  function parkingGate() {
    const g = gate({ maxInFlight: 1, parking: { maxWaiters: 3, ttlMs: 60_000 } });
    const woken: string[] = [];
    g.gate.onFreed((s) => woken.push(s));
    return { ...g, woken };
  }

  it("are neither counted ahead of a refused attempt nor woken by a freed slot, and leave room in the bounded set", async () => {
    const { gate: g, redis, woken } = parkingGate();
    const url = endpoint();
    const waiters = keyring.keysFor(url).waiters;
    const now = await redisNow(redis);
    // Two long over (ended with their delivery), one over only within the clock margin, one to come.
    for (const [id, end] of [["ended-1", now - 3 * PAST_PARK_MS], ["ended-2", now - 2 * PAST_PARK_MS], ["just-over", now - 1000], ["live", now + 60_000]] as const) {
      await redis.zadd(waiters, String(end), id);
    }
    const held = slot();
    expect(await g.admit(url, new Date(), held)).toEqual({ admitted: true });
    const refused = await g.admit(url, new Date(), slot());
    expect(refused.admitted).toBe(false);
    expect(!refused.admitted && refused.queue).toEqual({ waiting: 2, slots: 1 });
    expect(await redis.zrange(waiters, "0", "-1")).toEqual(["just-over", "live"]);

    // The set is full (3) with one more park; the long-over entry a park finds goes first.
    expect(await g.park(url, "next", new Date(now + 61_000))).toBe("parked");
    await redis.zadd(waiters, String(now - 2 * PAST_PARK_MS), "ended-3");
    expect(await redis.zcard(waiters)).toBe(4);
    expect(await g.park(url, "after", new Date(now + 62_000))).toBe("full");
    expect(await redis.zrange(waiters, "0", "-1")).toEqual(["just-over", "live", "next"]);

    // A freed slot wakes the oldest waiter whose park is not long over.
    await redis.zadd(waiters, String(now - 2 * PAST_PARK_MS), "ended-4");
    await g.release(url, true, held);
    expect(woken).toEqual(["just-over"]);
    expect(await redis.zrange(waiters, "0", "-1")).toEqual(["live", "next"]);
  });
});

describe("cost and failure", () => {
  it("takes one Redis round trip to admit and one to release", async () => {
    const { gate: g, redis } = gate();
    const url = endpoint();
    await attempts(g, url, [true]); // scripts loaded
    const sent: string[] = [];
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return original(command as Parameters<typeof original>[0]);
    }) as typeof redis.sendCommand;
    const s = slot();
    await g.admit(url, new Date(), s);
    expect(sent).toEqual(["evalsha"]);
    await g.release(url, false, s);
    expect(sent).toEqual(["evalsha", "evalsha"]);
  });

  it("sends the calls of concurrent attempts together: one socket write for the first, one for all that came meanwhile", async () => {
    const { gate: g, redis } = gate();
    const urls = Array.from({ length: 20 }, endpoint);
    await attempts(g, urls[0]!, [true]); // scripts loaded
    let writes = 0;
    const stream = (redis as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (...args: unknown[]) => {
      writes += 1;
      return write(...args);
    };
    const slots = urls.map(() => slot());
    const admitted = await Promise.all(urls.map((url, i) => g.admit(url, new Date(), slots[i]!)));
    expect(admitted.every((a) => a.admitted)).toBe(true);
    expect(writes).toBe(2);
    await Promise.all(urls.map((url, i) => g.release(url, true, slots[i]!)));
    expect(writes).toBe(4);
    stream.write = write;
    // Every slot was taken and given back: the calls were not merely sent, each one ran.
    const keyring = new EndpointKeyring(prefix);
    expect(await Promise.all(urls.map((url) => redis.zcard(keyring.keysFor(url).inFlight)))).toEqual(urls.map(() => 0));
  });

  it("fails only the call whose script failed, not the others sent with it", async () => {
    const { gate: g, redis } = gate();
    const [broken, fine] = [endpoint(), endpoint()];
    await attempts(g, fine, [true]);
    // A key of the wrong type makes the admit script fail for this endpoint only.
    await redis.set(new EndpointKeyring(prefix).keysFor(broken).inFlight, "not a sorted set");
    const { gate: other, lines } = gate();
    const s = slot();
    // The first call goes alone; the two made meanwhile share the next pipeline.
    const [, a, b] = await Promise.all([
      other.admit(endpoint(), new Date(), slot()),
      other.admit(broken, new Date(), slot()),
      other.admit(fine, new Date(), s),
    ]);
    expect(a).toEqual({ admitted: true });
    expect(b).toEqual({ admitted: true });
    expect(await redis.zscore(new EndpointKeyring(prefix).keysFor(fine).inFlight, s)).not.toBeNull();
    expect(lines.filter((l) => l["level"] === "warn").map((l) => l["message"])).toEqual([
      "endpoint gate: admit failed; attempts are let through",
    ]);
  });

  it("lets attempts through (and says so once) when Redis cannot answer", async () => {
    const down = createRedis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    down.on("error", () => undefined);
    connections.push(down);
    const { log, lines } = captureLog();
    const g = new RedisEndpointGate(down, prefix, BASE, log);
    const url = endpoint();
    for (let i = 0; i < 5; i += 1) expect(await g.admit(url, new Date(), slot())).toEqual({ admitted: true });
    await g.release(url, false, slot());
    const warnings = lines.filter((l) => l["level"] === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!["message"]).toBe("endpoint gate: admit failed; attempts are let through");
  });
});
