// An event's delivery rows are written once: FanoutRepository.writeDeliveries inserts them only in
// the statement that marks the event fanned out, for events it finds still pending (no trigger on
// the partitioned Delivery table keeps (eventId, webhookId) unique any more). A rerun, two writes at
// once from two connections, one batch holding the event twice: the rows once, and only one write
// hands out the leased rows for first attempts.
import { deliveryIdFor } from "../src/fanout/fanout.processor.js";
import { FanoutRepository, type NewDelivery } from "../src/fanout/fanout.repository.js";
import { createHarness, type Harness } from "./support/harness.js";
import { holdTransaction } from "./support/held-transaction.js";
import { createOrg, createRepo, createUser, createWebhook, insertEvent } from "./support/seed.js";

let h: Harness;
let repository: FanoutRepository;
const webhookIds: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  repository = new FanoutRepository(h.sql);
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "bar");
  for (let i = 0; i < 3; i += 1) {
    webhookIds.push((await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `http://127.0.0.1:9/hook-${i}`, author: alice })).id);
  }
});

afterAll(async () => {
  await h.close();
});

/** The event's rows as the fan-out makes them: one per webhook, leased for a first attempt here. */
function rowsOf(eventId: string): NewDelivery[] {
  const leasedUntil = new Date(Date.now() + 60_000);
  return webhookIds.map((webhookId) => ({ id: deliveryIdFor(eventId, webhookId), webhookId, status: "pending", reason: null, leasedUntil }));
}

async function stored(eventId: string): Promise<{ deliveries: number; status: string }> {
  const [row] = await h.db.$queryRawUnsafe<{ deliveries: number; status: string }[]>(
    `SELECT (SELECT count(*)::int FROM "Delivery" AS d WHERE d."eventId" = e.id) AS deliveries, e.status FROM "Event" AS e WHERE e.id = $1::uuid`,
    eventId,
  );
  if (row === undefined) throw new Error(`event ${eventId} not found`);
  return row;
}

it("writes an event's rows and marks it fanned out; a rerun adds nothing and leases nothing", async () => {
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar" });
  const first = await repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date());
  expect([...first.keys()].sort()).toEqual(rowsOf(eventId).map((r) => r.id).sort());
  expect(await stored(eventId)).toEqual({ deliveries: 3, status: "fanned_out" });

  const again = await repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date());
  expect(again.size).toBe(0);
  expect(await stored(eventId)).toEqual({ deliveries: 3, status: "fanned_out" });
});

it.each(["commit", "rollback"] as const)(
  "has a second write of one event wait for the first's lock on the event, then write nothing if it commits (%s)",
  async (outcome) => {
    const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar" });
    const held = await holdTransaction(h.env.DATABASE_URL!);
    try {
      expect((await new FanoutRepository(held.sql).writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date())).size).toBe(3);
      const writing = repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date());
      await held.untilOthersWait();
      await held.end(outcome);
      // Committed, the first write's rows are the event's and the second leases none; rolled back, the second's are.
      expect((await writing).size).toBe(outcome === "commit" ? 0 : 3);
      expect(await stored(eventId)).toEqual({ deliveries: 3, status: "fanned_out" });
    } finally {
      await held.end("rollback").catch(() => undefined);
    }
  },
);

it("writes the rows once when two connections write the same event at once, and one write leases them", async () => {
  const events = await Promise.all(Array.from({ length: 10 }, () => insertEvent(h.db, { namespace: "foo", repository: "bar" })));
  const results = await Promise.all(
    events.map(async (eventId) => {
      const [a, b] = await Promise.all([
        repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date()),
        repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date()),
      ]);
      return { eventId, leased: [a.size, b.size].sort() };
    }),
  );
  for (const { eventId, leased } of results) {
    expect(leased).toEqual([0, 3]);
    expect(await stored(eventId)).toEqual({ deliveries: 3, status: "fanned_out" });
  }
});

it("writes an event a batch holds twice once, beside another event", async () => {
  const [twice, other] = await Promise.all([insertEvent(h.db, { namespace: "foo", repository: "bar" }), insertEvent(h.db, { namespace: "foo", repository: "bar" })]);
  const leased = await repository.writeDeliveries(
    [
      { eventId: twice!, rows: rowsOf(twice!) },
      { eventId: other!, rows: rowsOf(other!) },
      { eventId: twice!, rows: rowsOf(twice!) },
    ],
    new Date(),
  );
  expect(leased.size).toBe(6);
  expect(await stored(twice!)).toEqual({ deliveries: 3, status: "fanned_out" });
  expect(await stored(other!)).toEqual({ deliveries: 3, status: "fanned_out" });
});

it("writes nothing for an event that is not pending", async () => {
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "rejected" });
  const leased = await repository.writeDeliveries([{ eventId, rows: rowsOf(eventId) }], new Date());
  expect(leased.size).toBe(0);
  expect(await stored(eventId)).toEqual({ deliveries: 0, status: "rejected" });
});
