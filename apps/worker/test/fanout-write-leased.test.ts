// The fan-out's write hands its leased rows straight to the first attempts it makes without a job
// (src/fanout/fanout.repository.ts, writeDeliveries): each row it inserted leased comes back with
// its webhook and event exactly as the job's load gives them, a row whose webhook went inactive
// comes back marked so (its job ends it), and a row not leased, or already there, does not come back.
// It commits without waiting for the WAL flush, that transaction only (the reconciler redoes a
// fan-out PostgreSQL lost).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { DeliveryRepository } from "../src/attempts/delivery.repository.js";
import { FanoutRepository, writeDeliveriesSql, type NewDelivery } from "../src/fanout/fanout.repository.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, insertEvent, ownerOfFooBar, type AccountRef } from "./support/seed.js";

let h: Harness;
let alice: AccountRef;

beforeAll(async () => {
  h = await createHarness();
  alice = await ownerOfFooBar(h.db, "alice");
});

afterAll(async () => {
  await h.close();
});

it("returns each leased row it inserted with its webhook and event, as the job's load gives them, and nothing for a row not leased or already there", async () => {
  const hook = (name: string, inactive = false) =>
    createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `https://example.com/${name}`, author: alice, inactive });
  const [active, disabled, queued] = [await hook("active"), await hook("disabled", true), await hook("queued")];
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "pending" });
  const leaseEnd = new Date(Date.now() + 60_000);
  const row = (webhookId: string, leased: boolean): NewDelivery => ({
    id: randomUUID(),
    webhookId,
    status: "pending",
    reason: null,
    ...(leased ? { leasedUntil: leaseEnd } : {}),
  });
  const rows = [row(active.id, true), row(disabled.id, true), row(queued.id, false)];
  const [activeRow, disabledRow] = rows as [NewDelivery, NewDelivery, NewDelivery];
  const repository = new FanoutRepository(h.sql);

  const leased = await repository.writeDeliveries([{ eventId, rows }], new Date());
  expect([...leased.keys()].sort()).toEqual([activeRow.id, disabledRow.id].sort());
  expect(leased.get(disabledRow.id)?.webhookInactive).toBe(true);
  const { webhookInactive, ...attempt } = leased.get(activeRow.id)!;
  expect(webhookInactive).toBe(false);
  // The job's load of the same row (due at the lease's end) reads what the write handed over.
  const [loaded] = await new DeliveryRepository(h.sql).loadDue([activeRow.id], new Date(leaseEnd.getTime() + 1000));
  expect(attempt).toEqual(loaded);
  expect(attempt).toMatchObject({ attemptNumber: 1, webhookId: active.id, eventId, endpoint: active.endpoint, signingSecret: active.signingSecret });
  expect(JSON.parse(attempt.contentsJson)).toEqual((await h.db.event.findUniqueOrThrow({ where: { id: eventId } })).contents);

  // A rerun inserts nothing, so it hands nothing over: the rows are the first write's.
  expect((await repository.writeDeliveries([{ eventId, rows }], new Date())).size).toBe(0);
});

it("commits without waiting for the WAL flush, and leaves its connection committing synchronously after", async () => {
  const webhook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "https://example.com/async", author: alice });
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar", status: "pending" });
  const rows: NewDelivery[] = [{ id: randomUUID(), webhookId: webhook.id, status: "pending", reason: null }];
  const client = new pg.Client({ connectionString: h.env.DATABASE_URL });
  await client.connect();
  try {
    const setting = async (): Promise<string> => (await client.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]!.synchronous_commit;
    // The session's setting, as every other transaction of the connection commits.
    await client.query("SET synchronous_commit = on");
    const statement = writeDeliveriesSql([{ eventId, rows }], new Date());
    await client.query("BEGIN");
    await client.query({ text: statement.text, values: statement.values });
    const during = await setting();
    await client.query("COMMIT");
    expect(during).toBe("off");
    expect(await setting()).toBe("on");
  } finally {
    await client.end();
  }
  expect(await h.db.delivery.count({ where: { eventId } })).toBe(1);
  expect((await h.db.event.findUniqueOrThrow({ where: { id: eventId } })).status).toBe("fanned_out");
});
