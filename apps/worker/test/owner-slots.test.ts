// The per-owner slots and their parked attempts (src/isolation/owner-slots.ts), in memory: a freed
// slot goes to the oldest waiter whose endpoint would take it; a waiter for an endpoint that is
// refusing now (full, slow, circuit open) stays parked, since woken it would only be parked again
// at the endpoint (a second load and park per delivery: issue 14's bench 9 at 1,000 events).
import { OwnerSlots } from "../src/isolation/owner-slots.js";

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
