// When a parked attempt comes back on its own (parkUntil, src/isolation/parking.ts): a waiter's
// park (woken when a slot frees) and, past PARKED_WAITERS_MAX, a turn of its own by the pace.
import { parkUntil, type ParkingSettings } from "../src/isolation/parking.js";

const settings: ParkingSettings = { firstWaitMs: 20_000, maxWaitMs: 300_000, maxWaiters: 100 };
const never = (): number => 0;

describe("parkUntil", () => {
  it("parks a waiter for at least firstWaitMs, twice its last delay when it came back unwoken, and never past maxWaitMs", () => {
    expect(parkUntil(settings, 0, { waiting: 0, slots: 10 }, 0, never).getTime()).toBe(20_000);
    expect(parkUntil(settings, 20_000, { waiting: 0, slots: 10 }, 0, never).getTime()).toBe(40_000);
    expect(parkUntil(settings, 200_000, { waiting: 0, slots: 10 }, 0, never).getTime()).toBe(300_000);
    // Deep in a backlog at the worst pace (firstWaitMs per slot round): its turn, 50 x 2 s.
    expect(parkUntil(settings, 0, { waiting: 49, slots: 10 }, 0, never).getTime()).toBe(100_000);
  });

  it("past the bound, comes back at its turn by the measured pace, each one a pace after the one before", () => {
    const full = { waiting: 100, slots: 10, releaseEveryMs: 2 };
    // 101 turns of 2 ms: not the worst case of (101 / 10) x 20 s, capped at 300 s.
    expect(parkUntil(settings, 0, full, 1000, never).getTime()).toBe(1000 + 202);
    expect(parkUntil(settings, 0, { ...full, releaseEveryMs: undefined }, 1000, never).getTime()).toBe(1000 + 202_000);
    // The one before comes back at 5,000: this one a pace later, not with it.
    expect(parkUntil(settings, 0, { ...full, lastPastBound: 5000 }, 1000, never).getTime()).toBe(5002);
    // A pace measured slower than the worst case counts as the worst case.
    expect(parkUntil(settings, 0, { ...full, releaseEveryMs: 10_000 }, 0, never).getTime()).toBe(202_000);
    // Without a record of the one before: spread over half a turn.
    expect(parkUntil(settings, 0, full, 0, () => 1).getTime()).toBe(303);
  });
});
