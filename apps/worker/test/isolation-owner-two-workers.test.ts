// One owner's burst through two worker processes' delivery slots (src/isolation/owner-slots.ts).
// A slot freed in one worker wakes one of that worker's parked waiters; the woken job goes back to
// the shared queue, and the other worker may take it and, at its own cap, park it there. The slot
// freed in the first worker then stays free while its other waiters wait out their park (65 s here:
// DELIVERY_TIMEOUT_MS 60 s plus 5 s), and once every wake-up of a worker has gone to the other,
// nothing wakes its waiters at all. The scale bench saw it as minutes with 2 to 8 processes at
// the default OWNER_MAX_SHARE. Now a waiter woken for a slot and not back within TRANSIT_MS counts
// as gone, and the worker wakes another for the slot.
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { deliverOneOwnerBurst } from "./support/one-owner-burst.js";

const EVENTS = 60;

describe("one owner's burst through two workers at their owner cap", () => {
  const world = useHarnessWithReceiver({
    env: {
      DELIVERY_CONCURRENCY: "8",
      OWNER_MAX_SHARE: "0.25",
      ENDPOINT_MAX_IN_FLIGHT: "100",
      PARKED_MAX_WAIT: "1h",
      DELIVERY_TIMEOUT_MS: "60000",
      // The parking paths themselves: no in-process wait for a slot, no borrowing past the share.
      OWNER_HOLD_WAIT: "0",
    },
  });

  it("delivers every delivery, each with one attempt, without waiting out a park", async () => {
    const counts = await deliverOneOwnerBurst(world.h, world.receiver, { events: EVENTS, workers: 2 });
    expect(counts).toEqual({ attempts: EVENTS, received: EVENTS });
  });
});
