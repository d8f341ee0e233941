// The per-owner slots and their parked attempts (src/isolation/owner-slots.ts), in memory: a freed
// slot goes to the oldest waiter whose endpoint would take it; a waiter for an endpoint that is
// refusing now (full, slow, circuit open) stays parked, since woken it would only be parked again
// at the endpoint (a second load and park per delivery: issue 14's bench 9 at 1,000 events).
import { BORROW_QUIET_MS, OwnerSlots, TRANSIT_MS } from "../src/isolation/owner-slots.js";

describe("owner slots", () => {
  it("hands a freed slot to the oldest waiter whose endpoint is not refusing, and keeps the others parked in order", () => {
    const slots = new OwnerSlots(1, 10);
    expect(slots.tryAcquire("mallory")).toBe(true);
    expect(slots.tryAcquire("mallory")).toBe(false);
    slots.park("mallory", "d1", 1001, "http://full.example");
    slots.park("mallory", "d2", 1002, "http://full.example");
    slots.park("mallory", "d3", 1003, "http://free.example");
    slots.park("mallory", "d4", 1004, "http://full.example");
    const refusing = (endpoint: string): boolean => endpoint === "http://full.example";

    expect(slots.release("mallory", refusing)).toEqual({ id: "d3", until: 1003 });
    expect(slots.waiting("mallory")).toBe(3);
    // Nobody left whose endpoint takes attempts: the slot stays free, every waiter parked.
    expect(slots.tryAcquire("mallory")).toBe(true);
    expect(slots.release("mallory", refusing)).toBeUndefined();
    expect(slots.waiting("mallory")).toBe(3);
    // The endpoint has room again: oldest first.
    expect(slots.tryAcquire("mallory")).toBe(true);
    expect(slots.release("mallory", () => false)).toEqual({ id: "d1", until: 1001 });
    expect(slots.inFlight("mallory")).toBe(0);
  });
});

describe("an owner's pace", () => {
  it("is how often one of its slots frees while it is busy; idle gaps and the time before its first busy release count for nothing", () => {
    const slots = new OwnerSlots(2, 10, 500);
    expect(slots.queue("alice").releaseEveryMs).toBeUndefined();
    slots.tryAcquire("alice");
    slots.tryAcquire("alice");
    // At its cap: each release is timed from the one before.
    slots.release("alice", undefined, 1000);
    expect(slots.queue("alice").releaseEveryMs).toBeUndefined();
    slots.tryAcquire("alice");
    slots.release("alice", undefined, 1010);
    expect(slots.queue("alice").releaseEveryMs).toBe(10);
    // Below its cap without waiters: not busy, the next interval is not timed from this one.
    slots.release("alice", undefined, 5000);
    slots.tryAcquire("alice");
    slots.tryAcquire("alice");
    slots.release("alice", undefined, 9000);
    expect(slots.queue("alice").releaseEveryMs).toBe(10);
    // A long hold while busy counts, as at most maxEveryMs.
    slots.tryAcquire("alice");
    slots.release("alice", undefined, 99_000);
    expect(slots.queue("alice").releaseEveryMs).toBeCloseTo(10 + 0.1 * (500 - 10), 6);
    expect(slots.queue("alice")).toMatchObject({ waiting: 0, slots: 2 });
    expect(slots.queue("bob").releaseEveryMs).toBeUndefined();
  });
});

describe("refilling an owner's free slots", () => {
  it("wakes a waiter for a slot whose woken waiter went to another worker, once TRANSIT_MS has passed", () => {
    const slots = new OwnerSlots(2, 10);
    slots.tryAcquire("alice");
    slots.tryAcquire("alice");
    for (const id of ["d1", "d2", "d3", "d4"]) slots.park("alice", id, 9999);
    // Each release wakes one; d1 takes its slot here, d2 is taken by another worker and never comes.
    expect(slots.release("alice", undefined, 0)).toEqual({ id: "d1", until: 9999 });
    expect(slots.tryAcquire("alice", "d1")).toBe(true);
    expect(slots.release("alice", undefined, 10)).toEqual({ id: "d2", until: 9999 });
    // One slot free, d2 in transit for it: nothing more to wake yet.
    expect(slots.refill(undefined, 10 + TRANSIT_MS - 1)).toEqual([]);
    // d2 did not come back: its slot is free again.
    expect(slots.refill(undefined, 10 + TRANSIT_MS)).toEqual([{ id: "d3", until: 9999 }]);
    // d1 finishes too: its slot and nothing in transit for it.
    slots.release("alice", () => true, 20 + TRANSIT_MS);
    expect(slots.refill(undefined, 20 + TRANSIT_MS)).toEqual([{ id: "d4", until: 9999 }]);
    expect(slots.waiting("alice")).toBe(0);
  });

  it("passes over waiters whose endpoint is refusing, and wakes nobody while the owner's slots are all held", () => {
    const slots = new OwnerSlots(1, 10);
    slots.tryAcquire("mallory");
    slots.park("mallory", "d1", 9999, "http://hung.example");
    expect(slots.refill(undefined, 0)).toEqual([]);
    slots.release("mallory", () => true, 0);
    expect(slots.refill((endpoint) => endpoint === "http://hung.example", 0)).toEqual([]);
    expect(slots.refill(() => false, 0)).toEqual([{ id: "d1", until: 9999 }]);
  });
});

describe("parks past the waiters' bound", () => {
  it("records the latest end of one, for the next to come after it", () => {
    const slots = new OwnerSlots(2, 1);
    expect(slots.queue("alice").lastPastBound).toBeUndefined();
    slots.parkedPastBound("alice", 5000);
    slots.parkedPastBound("alice", 4000);
    expect(slots.queue("alice").lastPastBound).toBe(5000);
    expect(slots.queue("bob").lastPastBound).toBeUndefined();
  });

  it("names the backlog to find in PostgreSQL only once the owner's waiters are woken and a slot is free, until its last end passes", () => {
    const slots = new OwnerSlots(1, 2);
    slots.tryAcquire("alice");
    slots.park("alice", "w1", 3000);
    slots.parkedPastBound("alice", 5000);
    slots.parkedPastBound("bob", 6000);
    // A waiter is ahead of the backlog: nothing to find yet.
    expect(slots.backlogToFind("alice", 1000)).toBeUndefined();
    expect(slots.release("alice", undefined, 1000)).toEqual({ id: "w1", until: 3000 });
    // w1 is in transit to the freed slot: it is the slot's.
    expect(slots.backlogToFind("alice", 1000)).toBeUndefined();
    slots.tryAcquire("alice", "w1");
    expect(slots.backlogToFind("alice", 1000)).toBeUndefined();
    slots.release("alice", undefined, 1000);
    expect(slots.backlogToFind("alice", 1000)).toBe(5000);
    expect(slots.backlogsToFind(1000)).toEqual([
      { owner: "alice", end: 5000 },
      { owner: "bob", end: 6000 },
    ]);
    // Past the last end, each has come back on its own: nothing left to find, and the record is dropped.
    expect(slots.backlogsToFind(5500)).toEqual([{ owner: "bob", end: 6000 }]);
    expect(slots.queue("alice").lastPastBound).toBeUndefined();
  });

  it("adopts found attempts as waiters up to the bound, skips those in transit, and says how many it took", () => {
    const slots = new OwnerSlots(1, 2);
    slots.tryAcquire("alice");
    slots.park("alice", "w1", 3000);
    expect(slots.release("alice", undefined, 1000)?.id).toBe("w1");
    slots.parkedPastBound("alice", 9000);
    const found = (ids: string[]) => ids.map((id, i) => ({ id, until: 4000 + i, endpoint: "http://e.example" }));
    // w1 is in transit (taken, not remembered again), p1 and p2 fill the bound, p3 does not fit.
    expect(slots.adopt("alice", found(["w1", "p1", "p2", "p3"]))).toBe(3);
    expect(slots.waiting("alice")).toBe(2);
    expect(slots.refillOwner("alice", undefined, 1000)).toEqual([]); // its one slot awaits w1
    slots.tryAcquire("alice", "w1");
    expect(slots.release("alice", undefined, 1000)).toEqual({ id: "p1", until: 4001 });
    slots.tryAcquire("alice", "p1");
    expect(slots.release("alice", undefined, 1000)).toEqual({ id: "p2", until: 4002 });
    slots.tryAcquire("alice", "p2");
    slots.release("alice", undefined, 1000);
    expect(slots.backlogToFind("alice", 1000)).toBe(9000);
    expect(slots.adopt("alice", found(["p3"]))).toBe(1);
    expect(slots.refillOwner("alice", undefined, 1000)).toEqual([{ id: "p3", until: 4000 }]);
  });

  it("chains turns on the owner's turn, and looks for the backlog up to the latest end an endpoint gave", () => {
    const slots = new OwnerSlots(1, 2);
    slots.parkedPastBound("alice", 5000, 20_000);
    slots.parkedPastBound("alice", 6000);
    expect(slots.queue("alice").lastPastBound).toBe(6000);
    expect(slots.backlogToFind("alice", 1000)).toBe(20_000);
  });
});

describe("waiting in process for an owner's next slot", () => {
  /**
   * An owner at its cap of 2 (of the thread's 8 slots) whose slots freed every 5 ms (releases at
   * 1000 and 1005), holding both again; bob holds a slot too, so she is not alone (no borrowing).
   */
  function busyOwner(holdWaitMs: number): OwnerSlots {
    const slots = new OwnerSlots(2, 10, 500, { waitMs: holdWaitMs, threadSlots: 8 });
    slots.tryAcquire("bob", undefined, 990);
    slots.tryAcquire("alice", undefined, 990);
    slots.tryAcquire("alice", undefined, 990);
    slots.release("alice", undefined, 1000);
    slots.tryAcquire("alice", undefined, 1000);
    slots.release("alice", undefined, 1005);
    slots.tryAcquire("alice", undefined, 1005);
    expect(slots.queue("alice").releaseEveryMs).toBe(5);
    expect(slots.tryAcquire("alice", undefined, 1005)).toBe(false);
    return slots;
  }

  /** busyOwner(100) with "parked" woken for a freed slot (nobody waiting in process then) and on its way back, then "held" waiting in process. */
  function wokenThenHeld(): { slots: OwnerSlots; held: Promise<boolean> } {
    const slots = busyOwner(100);
    slots.park("alice", "parked", 9001);
    expect(slots.release("alice", undefined, 1007)).toEqual({ id: "parked", until: 9001 });
    return { slots, held: slots.hold("alice", "held", 1007) };
  }

  it("is not done before the owner's pace is measured, nor when holding is off", async () => {
    const slots = new OwnerSlots(1, 10, 500, { waitMs: 100, threadSlots: 4 });
    slots.tryAcquire("alice");
    expect(slots.wouldHold("alice")).toBe(false);
    await expect(slots.hold("alice", "d1")).resolves.toBe(false);
    expect(slots.holding("alice")).toBe(0);
    expect(busyOwner(0).wouldHold("alice", 0, 1006)).toBe(false);
  });

  it("hands the next freed slot straight to the waiting attempt, which keeps it held", async () => {
    const slots = busyOwner(100);
    const held = slots.hold("alice", "d1", 1006);
    expect(slots.holding("alice")).toBe(1);
    expect(slots.release("alice", undefined, 1010)).toBeUndefined();
    await expect(held).resolves.toBe(true);
    expect(slots.holding("alice")).toBe(0);
    expect(slots.inFlight("alice")).toBe(2);
    // Nobody waits now: the next release frees the slot.
    slots.release("alice", undefined, 1015);
    expect(slots.inFlight("alice")).toBe(1);
  });

  it("leaves a share of the thread's slots out of reach of all attempts in flight and waiting, and waits only for a turn due within the hold wait", () => {
    const slots = busyOwner(1000);
    for (const id of ["d1", "d2", "d3"]) void slots.hold("alice", id, 1006);
    // Three in flight (alice 2, bob 1) and three waiting: the last share (2 of 8) stays free for
    // other owners' jobs to be taken, so a fourth is parked, however fast the pace.
    expect(slots.holding("alice")).toBe(3);
    expect(slots.wouldHold("alice", 0, 1006)).toBe(false);
    for (const at of [1007, 1008, 1009]) slots.release("alice", undefined, at);
    expect(slots.holding("alice")).toBe(0);
    expect(slots.inFlight("alice")).toBe(2);

    // A slot every 5 ms, a 12 ms hold wait: the first turn (5 ms) and the second (10 ms) fit, the third (15 ms) does not.
    const tight = busyOwner(12);
    expect(tight.wouldHold("alice", 0, 1006)).toBe(true);
    expect(tight.wouldHold("alice", 1, 1006)).toBe(true);
    expect(tight.wouldHold("alice", 2, 1006)).toBe(false);
    // No slot freed for 50 ms: the pace is no longer believed.
    expect(tight.wouldHold("alice", 0, 1055)).toBe(false);
  });

  it("parks the attempt after all when no slot came within twice the hold wait", async () => {
    const slots = busyOwner(10);
    await expect(slots.hold("alice", "d1", 1006)).resolves.toBe(false);
    expect(slots.holding("alice")).toBe(0);
    // The next release frees its slot for anyone (nobody waits for it any more).
    slots.release("alice", undefined, Date.now());
    expect(slots.inFlight("alice")).toBe(1);
  });

  it("hands a freed slot to the attempt waiting in process before the parked waiters, older or not", async () => {
    const slots = busyOwner(100);
    slots.park("alice", "parked-first", 9001);
    const held = slots.hold("alice", "held-second", 1006);
    expect(slots.release("alice", undefined, 1007)).toBeUndefined();
    await expect(held).resolves.toBe(true);
    expect(slots.inFlight("alice")).toBe(2);
    // Nobody waits in process now: the next freed slot wakes the parked one.
    expect(slots.release("alice", undefined, 1008)).toEqual({ id: "parked-first", until: 9001 });
    expect(slots.waiting("alice")).toBe(0);
  });

  it("lets no attempt that asks take a free slot while one waits in process: the waiting one gets it", async () => {
    const { slots, held } = wokenThenHeld();
    // A new attempt asks while that slot is free: the one waiting in process takes it, the new one is refused.
    expect(slots.tryAcquire("alice", "new", 1008)).toBe(false);
    await expect(held).resolves.toBe(true);
    expect(slots.inFlight("alice")).toBe(2);
    expect(slots.holding("alice")).toBe(0);
    // The woken one, back, finds the cap full; it waits or is parked again, behind nobody new.
    expect(slots.tryAcquire("alice", "parked", 1009)).toBe(false);
  });

  it("hands a slot left free (its woken waiter went elsewhere) to an attempt waiting here, at the refill", async () => {
    const { slots, held } = wokenThenHeld();
    expect(slots.inFlight("alice")).toBe(1);
    // Its transit not run out yet: the slot is still the woken waiter's.
    expect(slots.refill(undefined, 1008)).toEqual([]);
    expect(slots.holding("alice")).toBe(1);
    // The woken waiter never came back: once its transit ran out, the free slot is the held one's.
    expect(slots.refill(undefined, 1007 + TRANSIT_MS)).toEqual([]);
    await expect(held).resolves.toBe(true);
    expect(slots.inFlight("alice")).toBe(2);
  });
});

describe("an owner alone on the thread", () => {
  /** Alice at her cap of 2 of the thread's 8 slots, her slots freeing every 5 ms (releases at 1000 and 1005). */
  function aloneOwner(holdWaitMs = 100): OwnerSlots {
    const slots = new OwnerSlots(2, 10, 500, { waitMs: holdWaitMs, threadSlots: 8 });
    slots.tryAcquire("alice", undefined, 990);
    slots.tryAcquire("alice", undefined, 990);
    slots.release("alice", undefined, 1000);
    slots.tryAcquire("alice", undefined, 1000);
    slots.release("alice", undefined, 1005);
    slots.tryAcquire("alice", undefined, 1005);
    return slots;
  }

  it("borrows all of the thread's slots but one cap's worth while hers free fast, and is held to her cap once another owner comes", () => {
    const slots = aloneOwner();
    for (let i = 0; i < 4; i += 1) expect(slots.tryAcquire("alice", undefined, 1006)).toBe(true);
    expect(slots.inFlight("alice")).toBe(6);
    expect(slots.atCap("alice", 1006)).toBe(true);
    expect(slots.tryAcquire("alice", undefined, 1006)).toBe(false);
    // The next owner to come finds a cap's worth of slots free.
    expect(slots.tryAcquire("bob", undefined, 1007)).toBe(true);
    expect(slots.tryAcquire("bob", undefined, 1007)).toBe(true);
    // Alice is not alone any more: back to her cap, so none of her freed slots is hers again until she is under it.
    slots.release("alice", undefined, 1008);
    expect(slots.tryAcquire("alice", undefined, 1009)).toBe(false);
  });

  it("once another owner came, frees her borrowed slots for the others: no hand-over, no wake-up, until she is back under her cap", async () => {
    const slots = aloneOwner();
    slots.tryAcquire("alice", undefined, 1006);
    slots.tryAcquire("alice", undefined, 1006);
    // Four in flight (two borrowed), one waiting for the next.
    const held = slots.hold("alice", "h1", 1006);
    slots.park("alice", "p1", 9001);
    expect(slots.tryAcquire("bob", undefined, 1007)).toBe(true);
    expect(slots.release("alice", undefined, 1008)).toBeUndefined();
    expect(slots.release("alice", undefined, 1009)).toBeUndefined();
    expect(slots.inFlight("alice")).toBe(2);
    expect(slots.holding("alice")).toBe(1);
    expect(slots.waiting("alice")).toBe(1);
    // Back at her cap: her next freed slot goes to the attempt waiting in process again (h1).
    expect(slots.release("alice", undefined, 1010)).toBeUndefined();
    await expect(held).resolves.toBe(true);
    expect(slots.inFlight("alice")).toBe(2);
  });

  it("counts the time since one of her slots freed from when she filled her cap: a slot held through a lull does not make the burst after it slow", () => {
    // Two in flight since 1005; one frees at 1010, the other (a slow endpoint) is held through half a second of nothing to send.
    const slots = aloneOwner();
    slots.release("alice", undefined, 1010);
    // The burst at 1510 fills her cap again, and none of its attempts has had time to end: she borrows.
    expect(slots.tryAcquire("alice", undefined, 1510)).toBe(true);
    expect(slots.tryAcquire("alice", undefined, 1510)).toBe(true);
    expect(slots.inFlight("alice")).toBe(3);
    // None of her slots has freed for longer than the hold wait since she filled her cap: no more borrowing.
    expect(slots.tryAcquire("alice", undefined, 1611)).toBe(false);
    expect(slots.wouldHold("alice", 0, 1611)).toBe(false);
  });

  it("does not borrow while another owner holds or waits for a slot here, or asked for one within BORROW_QUIET_MS", () => {
    const holding = aloneOwner();
    holding.tryAcquire("bob", undefined, 1000);
    expect(holding.tryAcquire("alice", undefined, 1006)).toBe(false);

    const parked = aloneOwner();
    parked.park("bob", "b1", 9000);
    expect(parked.tryAcquire("alice", undefined, 1006)).toBe(false);

    // Bob's waiter woken at 5 and on its way back: not alone until its transit runs out (refill).
    const woken = aloneOwner(10_000);
    woken.tryAcquire("bob", undefined, 0);
    woken.park("bob", "b1", 9000);
    expect(woken.release("bob", undefined, 5)).toEqual({ id: "b1", until: 9000 });
    expect(woken.tryAcquire("alice", undefined, 1006)).toBe(false);
    woken.refill(undefined, 5 + TRANSIT_MS);
    expect(woken.tryAcquire("alice", undefined, 1006)).toBe(true);

    // Bob came and went at 1003: not before 1003 + BORROW_QUIET_MS (a long hold wait keeps alice's pace believed meanwhile).
    const quiet = aloneOwner(10_000);
    quiet.tryAcquire("bob", undefined, 1003);
    quiet.release("bob", undefined, 1004);
    expect(quiet.tryAcquire("alice", undefined, 1006)).toBe(false);
    expect(quiet.tryAcquire("alice", undefined, 1003 + BORROW_QUIET_MS)).toBe(true);
  });

  it("does not borrow before her pace is measured, once none of her slots freed for longer than the hold wait, or with holding off", () => {
    const fresh = new OwnerSlots(2, 10, 500, { waitMs: 100, threadSlots: 8 });
    fresh.tryAcquire("alice", undefined, 990);
    fresh.tryAcquire("alice", undefined, 990);
    expect(fresh.tryAcquire("alice", undefined, 991)).toBe(false);
    // Her last slot freed at 1005: at 1106 none has for 101 ms.
    expect(aloneOwner().tryAcquire("alice", undefined, 1106)).toBe(false);
    expect(aloneOwner(0).tryAcquire("alice", undefined, 1006)).toBe(false);
    // Holding off means off, even for a pace of 0 ms (two slots freed in the same millisecond).
    const instant = new OwnerSlots(2, 10, 500, { waitMs: 0, threadSlots: 8 });
    for (const at of [990, 990]) instant.tryAcquire("alice", undefined, at);
    for (const at of [1000, 1000]) {
      instant.release("alice", undefined, at);
      instant.tryAcquire("alice", undefined, at);
    }
    expect(instant.queue("alice").releaseEveryMs).toBe(0);
    expect(instant.tryAcquire("alice", undefined, 1000)).toBe(false);
    expect(instant.wouldHold("alice", 0, 1000)).toBe(false);
  });
});
