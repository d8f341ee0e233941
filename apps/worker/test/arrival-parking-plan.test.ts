// Fan-out's plan for arriving deliveries (src/isolation/arrival-parking.ts), in memory: an owner at
// its share is parked on arrival, unless its pace says its next slots free within OWNER_HOLD_WAIT,
// in which case as many as fit in that wait are queued now (the delivery worker holds them in
// process for the owner's next slot), or it is alone on the thread and may borrow past its share;
// an endpoint known to be full parks them either way; an owner at its share whose attempts the
// fan-out's in-process queue takes (InlineAttempts.wouldQueue) is not parked. No statement runs:
// plan() only reads the thread's slots and hints.
import type { Queue } from "bullmq";
import type { DeliveryJobData } from "@msr-webhooks/queue/names";
import type { EndpointGate } from "../src/attempts/endpoint-gate.js";
import { ArrivalParking } from "../src/isolation/arrival-parking.js";
import { OwnerSlots } from "../src/isolation/owner-slots.js";
import { Parking } from "../src/isolation/parking.js";
import { RefusalHints } from "../src/isolation/refusal-hints.js";
import type { Sql } from "../src/shared/sql.js";
import { silentLogger } from "./support/harness.js";

const NOW = 1_000_000;
const FAST = "http://fast.example/hook";
const FULL = "http://full.example/hook";

/**
 * Alice at her cap of 2 of the thread's 8 slots; with `paceMs`, one of her slots freed that often
 * lately. Bob holds a slot too, unless she is `alone` (then she may borrow past her cap).
 */
function world(paceMs?: number, alone = false): { arrivals: ArrivalParking; hints: RefusalHints } {
  const owners = new OwnerSlots(2, 100, 500, { waitMs: 12, threadSlots: 8 });
  const before = NOW - 2 * (paceMs ?? 0) - 1;
  if (!alone) owners.tryAcquire("bob", undefined, before);
  owners.tryAcquire("alice", undefined, before);
  owners.tryAcquire("alice", undefined, before);
  if (paceMs !== undefined) {
    owners.release("alice", undefined, NOW - 2 * paceMs);
    owners.tryAcquire("alice", undefined, NOW - 2 * paceMs);
    owners.release("alice", undefined, NOW - paceMs);
    owners.tryAcquire("alice", undefined, NOW - paceMs);
  }
  // plan() runs no statement and touches no queue: neither is reached.
  const parking = new Parking({ firstWaitMs: 65_000, maxWaitMs: 300_000, maxWaiters: 100 }, {} as Sql, {} as Queue<DeliveryJobData>, silentLogger());
  const hints = new RefusalHints(() => NOW);
  return { arrivals: new ArrivalParking({ parking, owners, threadSlots: 8, hints, gate: {} as EndpointGate }), hints };
}

const arriving = (n: number, endpoint = FAST) => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, authorId: "alice", endpoint }));

describe("parking on arrival at an owner's share", () => {
  it("parks every arrival while the owner's pace is not measured", () => {
    const plan = world().arrivals.plan(arriving(4), NOW);
    expect(plan.now).toEqual([]);
    expect(plan.parked.map((p) => p.at)).toEqual(["owner", "owner", "owner", "owner"]);
  });

  it("queues as many as the owner's next slots take within the hold wait, and parks the rest", () => {
    // A slot every 5 ms and a 12 ms wait: two turns fit (5 and 10 ms), a third (15 ms) does not.
    const plan = world(5).arrivals.plan(arriving(4), NOW);
    expect(plan.now.map((a) => a.id)).toEqual(["d0", "d1"]);
    expect(plan.parked.map((p) => p.id)).toEqual(["d2", "d3"]);
  });

  it("parks them all when the owner's slots freed too slowly lately", () => {
    expect(world(20).arrivals.plan(arriving(4), NOW).now).toEqual([]);
  });

  it("queues them all, alone on the thread with a fast pace, while she is under the cap she may borrow to", () => {
    const plan = world(5, true).arrivals.plan(arriving(4), NOW);
    expect(plan.now.map((a) => a.id)).toEqual(["d0", "d1", "d2", "d3"]);
    expect(plan.parked).toEqual([]);
  });

  it("queues as many as the fan-out's in-process queue says it takes (InlineAttempts.wouldQueue), counting those before them, and parks the rest", () => {
    const asked: [string, number][] = [];
    const queueable = (owner: string, extra: number): boolean => {
      asked.push([owner, extra]);
      return extra < 2;
    };
    const plan = world().arrivals.plan(arriving(4), NOW, queueable);
    expect(plan.now.map((a) => a.id)).toEqual(["d0", "d1"]);
    expect(plan.parked.map((p) => p.id)).toEqual(["d2", "d3"]);
    expect(asked).toEqual([
      ["alice", 0],
      ["alice", 1],
      ["alice", 2],
      ["alice", 2],
    ]);
  });

  it("parks arrivals for an endpoint known to be full even where the in-process queue would take them", () => {
    const { arrivals, hints } = world();
    hints.refused(FULL, "busy", { waiting: 0, slots: 10 });
    const plan = arrivals.plan(arriving(2, FULL), NOW, () => true);
    expect(plan.now).toEqual([]);
    expect(plan.parked).toHaveLength(2);
  });

  it("parks arrivals for an endpoint known to be full, however fast the owner", () => {
    const { arrivals, hints } = world(5);
    hints.refused(FULL, "busy", { waiting: 0, slots: 10 });
    const plan = arrivals.plan(arriving(2, FULL), NOW);
    expect(plan.now).toEqual([]);
    expect(plan.parked).toHaveLength(2);
  });
});
