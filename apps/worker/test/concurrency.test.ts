// Two worker instances side by side share the work, and no delivery is ever attempted by both at
// once, even when every delivery is queued twice under different job ids.
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import type { Admission, EndpointGate } from "../src/attempts/endpoint-gate.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

class CountingGate implements EndpointGate {
  admitted = 0;
  admit(): Admission {
    this.admitted += 1;
    return { admitted: true };
  }
  release(): void {
    // Counting admissions is enough to see who did the work.
  }
}

let h: Harness;
let receiver: Receiver;
const inFlight = new Map<string, number>();
let maxInFlight = 0;
const WEBHOOKS = 20;
const EVENTS = 10;

beforeAll(async () => {
  h = await createHarness({ DELIVERY_CONCURRENCY: "20" });
  receiver = await startReceiver({
    handler: async (req) => {
      const id = String(req.headers["webhook-id"]);
      const now = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, now);
      maxInFlight = Math.max(maxInFlight, now);
      await new Promise((r) => setTimeout(r, 15));
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      // Every third delivery fails its first attempt, so retries interleave with first attempts.
      const seenBefore = receiver.requests.filter((r) => r.headers["webhook-id"] === id).length;
      return { status: seenBefore === 1 && id.charCodeAt(0) % 3 === 0 ? 500 : 200 };
    },
  });
  const alice = await ownerOfFooBar(h.db, "alice");
  for (let i = 0; i < WEBHOOKS; i += 1) {
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/w${i}`, author: alice });
  }
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

it("shares the deliveries between two instances with no concurrent double attempt", async () => {
  const gates = [new CountingGate(), new CountingGate()];
  await h.startWorker({}, { gate: gates[0] });
  await h.startWorker({}, { gate: gates[1] });

  // Duplicate jobs for every delivery as soon as it exists, as a careless redeliver or reconciler might.
  const duplicated = new Set<string>();
  const duplicator = setInterval(() => {
    void h.db.delivery.findMany({ select: { id: true } }).then((rows) =>
      Promise.all(
        rows
          .filter((r) => !duplicated.has(r.id))
          .map((r) => {
            duplicated.add(r.id);
            return h.queues.delivery.add("deliver", { deliveryId: r.id }, { jobId: deliveryJobId(r.id, 9), removeOnComplete: true });
          }),
      ),
    );
  }, 20);
  try {
    for (let i = 0; i < EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `t${i}`) });
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === WEBHOOKS * EVENTS, {
      what: "all deliveries to succeed",
    });
  } finally {
    clearInterval(duplicator);
  }

  expect(duplicated.size).toBe(WEBHOOKS * EVENTS);
  expect(maxInFlight).toBe(1);
  expect(gates[0]!.admitted).toBeGreaterThan(0);
  expect(gates[1]!.admitted).toBeGreaterThan(0);

  // Per delivery, the recorded attempts never overlap in time.
  const attempts = await h.db.deliveryAttempt.findMany({ orderBy: [{ deliveryId: "asc" }, { number: "asc" }] });
  const byDelivery = new Map<string, typeof attempts>();
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  expect(byDelivery.size).toBe(WEBHOOKS * EVENTS);
  let retried = 0;
  for (const list of byDelivery.values()) {
    if (list.length > 1) retried += 1;
    for (let i = 1; i < list.length; i += 1) {
      const prev = list[i - 1]!;
      expect(list[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(prev.startedAt.getTime() + prev.durationMs);
      expect(list[i]!.number).toBe(prev.number + 1);
    }
  }
  expect(retried).toBeGreaterThan(0);
  // Each delivery was received once per attempt, never more.
  expect(receiver.requests).toHaveLength(attempts.length);
});
