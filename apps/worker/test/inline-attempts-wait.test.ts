// First attempts the fan-out makes without a job and its owner's share (src/attempts/inline-attempts.ts):
// the slot is taken once the row is written, not through the write; while the owner holds its
// share and its slots free fast, the attempt waits in process for the next one instead of taking
// a job; at most one more share's worth per owner; one that gets no slot within the wait is handed
// to its job; an owner whose pace is not measured (or slow) gets the job route as before.
// In memory: the attempts' side (LeasedAttempts) is a recorder here, which frees the owner's slot as
// the delivery processor does when an attempt ends; the slots are the real OwnerSlots.
import { createMetrics } from "@msr-webhooks/observability/metrics";
import type { LeasedDelivery } from "../src/attempts/delivery.repository.js";
import { InlineAttempts } from "../src/attempts/inline-attempts.js";
import { OwnerSlots } from "../src/isolation/owner-slots.js";
import { silentLogger } from "./support/harness.js";
import { firstAttemptRoutes } from "./support/first-attempt-routes.js";
import { leasedRecorder } from "./support/leased-recorder.js";

function row(id: string): LeasedDelivery {
  return { id, webhookInactive: false } as LeasedDelivery;
}

/**
 * Alice at her cap of 2 of the thread's 8 slots (bob holds one, so she is not alone and borrows
 * nothing; with `alone`, nobody else asked for a slot); with `paced`, one of her slots freed every
 * 5 ms just now. Hold wait: `waitMs`.
 */
function world(paced: boolean, waitMs = 100, alone = false) {
  const owners = new OwnerSlots(2, 10, 500, { waitMs, threadSlots: 8 });
  const t = Date.now();
  if (!alone) owners.tryAcquire("bob", undefined, t - 20);
  owners.tryAcquire("alice", undefined, t - 20);
  owners.tryAcquire("alice", undefined, t - 20);
  if (paced) {
    for (const at of [t - 10, t - 5]) {
      owners.release("alice", undefined, at);
      owners.tryAcquire("alice", undefined, at);
    }
  }
  const attempts = leasedRecorder(owners);
  const metrics = createMetrics({ service: "worker" });
  const inline = new InlineAttempts(attempts, { max: 50, attemptTimeoutMs: 1000, owners, log: silentLogger(), metrics });
  return { owners, attempts, inline, metrics };
}

/** Lets the attempts started so far reach their first await. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a first attempt claimed while its owner holds its share", () => {
  it("waits in process for the owner's next slot and is made with it, without a job", async () => {
    const { owners, attempts, inline } = world(true);
    expect(inline.claim("alice")).toBe("wait");
    inline.start(row("d1"), "alice", "wait");
    await settle();
    expect(owners.holding("alice")).toBe(1);
    expect(attempts.attempted).toEqual([]);

    owners.release("alice");
    await settle();
    expect(attempts.attempted).toEqual(["d1"]);
    expect(attempts.handed).toEqual([]);
    expect(owners.inFlight("alice")).toBe(2);
    attempts.finish("d1");
    await inline.drain(1000);
    expect(owners.inFlight("alice")).toBe(1);
  });

  it("takes a slot freed between its claim and its start at once", async () => {
    const { owners, attempts, inline } = world(true);
    expect(inline.claim("alice")).toBe("wait");
    owners.release("alice");
    inline.start(row("d1"), "alice", "wait");
    await settle();
    expect(owners.holding("alice")).toBe(0);
    expect(attempts.attempted).toEqual(["d1"]);
    attempts.finish("d1");
    await inline.drain(1000);
  });

  it("waits for at most one more share's worth per owner; past that, and for an owner not paced yet, its job makes the attempt", () => {
    const { inline } = world(true);
    expect([inline.claim("alice"), inline.claim("alice"), inline.claim("alice")]).toEqual(["wait", "wait", undefined]);
    expect(world(false).inline.claim("alice")).toBeUndefined();
  });

  it("is handed to its job when no slot came within twice the hold wait", async () => {
    const { owners, attempts, inline, metrics } = world(true);
    expect(inline.claim("alice")).toBe("wait");
    inline.start(row("d1"), "alice", "wait");
    await inline.drain(1000);
    expect(attempts.handed).toEqual(["d1"]);
    expect(attempts.attempted).toEqual([]);
    expect(owners.holding("alice")).toBe(0);
    expect(owners.inFlight("alice")).toBe(2);
    expect((await firstAttemptRoutes(metrics)).wait_expired).toBe(1);
  });

  it("given back (its row was not written leased), frees no slot and no longer counts as about to wait", () => {
    const { owners, inline } = world(true);
    expect([inline.claim("alice"), inline.claim("alice")]).toEqual(["wait", "wait"]);
    inline.giveBack("alice", "wait");
    inline.giveBack("alice", "wait");
    expect(owners.inFlight("alice")).toBe(2);
    expect(inline.claim("alice")).toBe("wait");
  });

  it("with a slot of the share free, claims it for the attempt, which takes it once its row is written; the next claim finds it spoken for", async () => {
    const { owners, attempts, inline } = world(true);
    owners.release("alice");
    expect(inline.claim("alice")).toBe("slot");
    // The write is under way: the slot is not held through it, but no second claim counts on it.
    expect(owners.inFlight("alice")).toBe(1);
    expect(inline.claim("alice")).toBe("wait");
    inline.giveBack("alice", "wait");
    inline.start(row("d1"), "alice", "slot");
    await settle();
    expect(attempts.attempted).toEqual(["d1"]);
    expect(owners.inFlight("alice")).toBe(2);
    attempts.finish("d1");
    await inline.drain(1000);
    expect(owners.inFlight("alice")).toBe(1);
  });

  it("alone on the thread with slots that free fast, claims past its share what it may borrow, until one of its jobs waits for a slot", async () => {
    const { owners, attempts, inline } = world(true, 100, true);
    // Her cap is 2 of 8; alone, she may hold 6 (one cap's worth stays free for the next owner).
    expect(owners.capOf("alice")).toBe(6);
    const kinds = [1, 2, 3, 4].map(() => inline.claim("alice"));
    expect(kinds).toEqual(["slot", "slot", "slot", "slot"]);
    kinds.forEach((kind, i) => inline.start(row(`d${i}`), "alice", kind ?? "slot"));
    await settle();
    expect(attempts.attempted).toEqual(["d0", "d1", "d2", "d3"]);
    expect(owners.inFlight("alice")).toBe(6);
    // A job of hers refused for want of a slot is parked: the next fan-out's claims keep to her share.
    expect(owners.park("alice", "parked-job", Date.now() + 1000)).toBe(true);
    expect(owners.inlineCap("alice")).toBe(2);
    const next = inline.claim("alice");
    expect(next).not.toBe("slot");
    if (next !== undefined) inline.giveBack("alice", next);
    for (const id of ["d0", "d1", "d2", "d3"]) attempts.finish(id);
    await inline.drain(1000);
  });
});
