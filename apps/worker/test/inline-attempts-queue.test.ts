// First attempts queued in process behind the fan-out's other bounds (src/attempts/inline-attempts.ts,
// INLINE_QUEUE_BYTES): past INLINE_FIRST_ATTEMPTS or its owner's free slots, a first attempt whose
// owner's slots free fast is queued in memory (its row leased) instead of taking a job, and made
// with the owner's next free slot, in write order, owners taking turns; an owner not paced yet, or
// none of whose slots freed for STALLED_MS, gets the job route; the queue is bounded in bytes; one
// not started within the attempt's timeout, and every one still queued at shutdown, is handed to
// its job. In memory: the attempts' side is a recorder that frees the owner's slot when an attempt
// ends, as the delivery processor does; the slots are the real OwnerSlots.
import { createMetrics } from "@msr-webhooks/observability/metrics";
import type { LeasedDelivery } from "../src/attempts/delivery.repository.js";
import { InlineAttempts, QUEUE_PUMP_MS } from "../src/attempts/inline-attempts.js";
import { bytesOf, QUEUED_ATTEMPT_OVERHEAD_BYTES } from "../src/attempts/queued-first-attempts.js";
import { OwnerSlots, STALLED_MS } from "../src/isolation/owner-slots.js";
import { silentLogger } from "./support/harness.js";
import { firstAttemptRoutes } from "./support/first-attempt-routes.js";
import { leasedRecorder } from "./support/leased-recorder.js";
import { waitUntil } from "./support/wait.js";

function row(id: string, contentsJson = "{}"): LeasedDelivery {
  return { id, webhookInactive: false, contentsJson, tlsCert: "", signingSecret: "s", previousSecret: null, endpoint: "http://e.example/" } as LeasedDelivery;
}

/**
 * Fills `owner`'s cap of 2 at `at - 20` and measures its pace: a slot freed every 5 ms up to `at`;
 * then frees all but `keep` of its slots at `at`.
 */
function pace(owners: OwnerSlots, owner: string, at: number, keep: number): void {
  owners.tryAcquire(owner, undefined, at - 20);
  owners.tryAcquire(owner, undefined, at - 20);
  for (const t of [at - 10, at - 5]) {
    owners.release(owner, undefined, t);
    owners.tryAcquire(owner, undefined, t);
  }
  for (let n = 2; n > keep; n -= 1) owners.release(owner, undefined, at);
}

/**
 * The thread's 8 slots, a cap of 2 per owner, no waiting for a slot in process (OWNER_HOLD_WAIT 0, so
 * no owner borrows either); bob holds a slot (nobody is alone). Alice holds her cap (two attempts
 * outside this queue: jobs), and her pace is measured, unless `alicePaced` is false.
 */
function world(options: { max?: number; queueBytes?: number; timeoutMs?: number; alicePaced?: boolean; aliceFreedAgoMs?: number } = {}) {
  const owners = new OwnerSlots(2, 10, 500, { waitMs: 0, threadSlots: 8 });
  const now = Date.now();
  owners.tryAcquire("bob", undefined, now - 30);
  if (options.alicePaced === false) {
    owners.tryAcquire("alice", undefined, now - 30);
    owners.tryAcquire("alice", undefined, now - 30);
  } else pace(owners, "alice", now - (options.aliceFreedAgoMs ?? 0), 2);
  const attempts = leasedRecorder(owners);
  const metrics = createMetrics({ service: "worker" });
  const inline = new InlineAttempts(attempts, {
    max: options.max ?? 50,
    attemptTimeoutMs: options.timeoutMs ?? 10_000,
    owners,
    log: silentLogger(),
    metrics,
    queueBytes: options.queueBytes ?? 1_000_000,
  });
  return { owners, attempts, inline, metrics };
}

/** Lets the attempts started so far reach their first await. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a first attempt past its owner's share, the owner's slots freeing fast", () => {
  it("is queued in process and made with the owner's next free slot, without a job, in write order", async () => {
    const { owners, attempts, inline } = world();
    expect([inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", "queue"]);
    inline.start(row("d1"), "alice", "queue");
    inline.start(row("d2"), "alice", "queue");
    await settle();
    expect(attempts.attempted).toEqual([]);

    // One of her slots frees (an attempt outside the queue ended): the oldest queued one takes it.
    owners.release("alice");
    await waitUntil(() => attempts.attempted.length === 1, { what: "the first queued attempt to start" });
    expect(attempts.attempted).toEqual(["d1"]);
    expect(owners.inFlight("alice")).toBe(2);
    // Its own end frees the slot the next one takes.
    attempts.finish("d1");
    await waitUntil(() => attempts.attempted.length === 2, { what: "the second queued attempt to start" });
    expect(attempts.attempted).toEqual(["d1", "d2"]);
    attempts.finish("d2");
    await inline.drain(1000);
    expect(attempts.handed).toEqual([]);
    expect(owners.inFlight("alice")).toBe(1);
  });

  it("is not queued for an owner whose pace is not measured, or none of whose slots freed for STALLED_MS: its job makes it", () => {
    expect(world({ alicePaced: false }).inline.claim("alice")).toBeUndefined();
    expect(world({ aliceFreedAgoMs: STALLED_MS + 500 }).inline.claim("alice")).toBeUndefined();
    expect(world({ aliceFreedAgoMs: 10 }).inline.claim("alice")).toBe("queue");
  });

  it("is not queued past the owner's turns within the attempt's timeout at its pace", () => {
    // A slot every 5 ms and a 12 ms timeout: two turns fit, a third does not.
    const { inline } = world({ timeoutMs: 12 });
    expect([inline.claim("alice"), inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", "queue", undefined]);
  });

  it("is handed to its job when it was not started within the attempt's timeout of its write", async () => {
    const { owners, attempts, inline, metrics } = world({ timeoutMs: 3 * QUEUE_PUMP_MS });
    expect(inline.claim("alice")).toBe("queue");
    inline.start(row("d1"), "alice", "queue");
    await waitUntil(() => attempts.handed.length === 1, { what: "the queued attempt to be handed to its job" });
    expect(attempts.handed).toEqual(["d1"]);
    expect((await firstAttemptRoutes(metrics)).wait_expired).toBe(1);
    // A slot freed afterwards finds nothing queued.
    owners.release("alice");
    await new Promise((resolve) => setTimeout(resolve, 2 * QUEUE_PUMP_MS));
    expect(attempts.attempted).toEqual([]);
    await inline.drain(1000);
  });

  it("still queued when the worker stops, is handed to its job and never attempted here", async () => {
    const { owners, attempts, inline } = world();
    expect([inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", "queue"]);
    inline.start(row("d1"), "alice", "queue");
    inline.start(row("d2"), "alice", "queue");
    expect(await inline.drain(1000)).toBe(true);
    expect(attempts.handed.sort()).toEqual(["d1", "d2"]);
    owners.release("alice");
    await new Promise((resolve) => setTimeout(resolve, 2 * QUEUE_PUMP_MS));
    expect(attempts.attempted).toEqual([]);
    expect(inline.claim("alice")).toBeUndefined();
  });
});

describe("the worker stopping", () => {
  it("hands every queued attempt to its job at once (closeQueue), starts none of them, and queues no new one", async () => {
    const { owners, attempts, inline } = world();
    expect(inline.claim("alice")).toBe("queue");
    inline.start(row("d1"), "alice", "queue");
    inline.closeQueue();
    await settle();
    expect(attempts.handed).toEqual(["d1"]);
    expect(inline.claim("alice")).toBeUndefined();
    owners.release("alice");
    await new Promise((resolve) => setTimeout(resolve, 2 * QUEUE_PUMP_MS));
    expect(attempts.attempted).toEqual([]);
    expect(await inline.drain(1000)).toBe(true);
  });
});

describe("what is ahead of a queued attempt", () => {
  it("counts the owner's parked attempts, which its free slots go to first", () => {
    // A slot every 5 ms and a 12 ms timeout: two turns fit; one parked waiter takes the first.
    const { owners, inline } = world({ timeoutMs: 12 });
    owners.park("alice", "parked-1", Date.now() + 60_000);
    expect([inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", undefined]);
  });

  it("hand-overs to jobs do not count against INLINE_FIRST_ATTEMPTS: another owner's attempt starts while they run", async () => {
    const owners = new OwnerSlots(2, 10, 500, { waitMs: 0, threadSlots: 8 });
    pace(owners, "alice", Date.now(), 2);
    const recorder = leasedRecorder(owners);
    let handOverDone: () => void = () => undefined;
    const attempts = { ...recorder, handToJob: (id: string) => (recorder.handed.push(id), new Promise<void>((resolve) => (handOverDone = resolve))) };
    const inline = new InlineAttempts(attempts, { max: 1, attemptTimeoutMs: 10_000, owners, log: silentLogger(), queueBytes: 1_000_000 });
    expect(inline.claim("alice")).toBe("queue");
    inline.start(row("a1"), "alice", "queue");
    inline.closeQueue();
    expect(recorder.handed).toEqual(["a1"]);
    // The hand-over is still running; bob's first attempt takes the one place.
    expect(inline.claim("bob")).toBe("slot");
    inline.start(row("b1"), "bob", "slot");
    await settle();
    expect(recorder.attempted).toEqual(["b1"]);
    recorder.finish("b1");
    const drained = inline.drain(5000);
    await settle();
    handOverDone();
    expect(await drained).toBe(true);
  });
});

describe("the queue's bounds", () => {
  it("takes claims while the bytes they count for fit, then none", () => {
    const { inline } = world({ queueBytes: 3 * QUEUED_ATTEMPT_OVERHEAD_BYTES });
    expect([inline.claim("alice"), inline.claim("alice"), inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", "queue", "queue", undefined]);
    inline.giveBack("alice", "queue");
    expect(inline.claim("alice")).toBe("queue");
  });

  it("hands a row larger than the room left to its job instead of queueing it", async () => {
    const small = row("d1");
    const large = row("d2", "x".repeat(10_000));
    const { attempts, inline, metrics } = world({ queueBytes: bytesOf(small) + bytesOf(large) - 1 });
    expect([inline.claim("alice"), inline.claim("alice")]).toEqual(["queue", "queue"]);
    inline.start(small, "alice", "queue");
    inline.start(large, "alice", "queue");
    await waitUntil(() => attempts.handed.length === 1, { what: "the large row to be handed to its job" });
    expect(attempts.handed).toEqual(["d2"]);
    expect((await firstAttemptRoutes(metrics)).wait_expired).toBe(1);
    await inline.drain(1000);
    expect(attempts.handed).toEqual(["d2", "d1"]);
  });
});

describe("other owners", () => {
  it("are not queued behind an owner's queue: a free slot of theirs is taken at once", async () => {
    const { attempts, inline } = world();
    expect(inline.claim("alice")).toBe("queue");
    inline.start(row("a1"), "alice", "queue");
    expect(inline.claim("bob")).toBe("slot");
    inline.start(row("b1"), "bob", "slot");
    await settle();
    expect(attempts.attempted).toEqual(["b1"]);
    attempts.finish("b1");
    await inline.drain(1000);
  });

  it("take turns with it when both are queued: a freed place goes to the owners in turn", async () => {
    // One attempt in flight at most (INLINE_FIRST_ATTEMPTS 1): bob's holds it; alice and carol, paced and
    // holding no slot, are queued behind it.
    const { owners, attempts, inline } = world({ max: 1 });
    owners.release("alice");
    owners.release("alice");
    pace(owners, "carol", Date.now(), 0);
    expect(inline.claim("bob")).toBe("slot");
    inline.start(row("b1"), "bob", "slot");
    expect([inline.claim("alice"), inline.claim("alice"), inline.claim("carol")]).toEqual(["queue", "queue", "queue"]);
    inline.start(row("a1"), "alice", "queue");
    inline.start(row("a2"), "alice", "queue");
    inline.start(row("c1"), "carol", "queue");
    await settle();
    expect(attempts.attempted).toEqual(["b1"]);
    for (const [ended, next] of [
      ["b1", "a1"],
      ["a1", "c1"],
      ["c1", "a2"],
    ] as const) {
      attempts.finish(ended);
      await waitUntil(() => attempts.attempted.includes(next), { what: `${next} to start after ${ended}` });
    }
    expect(attempts.attempted).toEqual(["b1", "a1", "c1", "a2"]);
    attempts.finish("a2");
    await inline.drain(1000);
    expect(attempts.handed).toEqual([]);
  });
});
