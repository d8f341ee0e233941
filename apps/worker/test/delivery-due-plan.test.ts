// How the due rows of ended deliveries go (migration 20261207160000_delivery_due_delete_by_key):
// by DeliveryDue's primary key, whatever the statistics say. A session that planned the trigger
// after DeliveryDue was analyzed empty used to keep a plan that read all of
// DeliveryDue(nextAttemptAt, id) once per ended delivery (docs/benchmarks.md, "The due rows of ended
// deliveries"). One connection plays a worker's pooled connection; no worker runs, so only its
// statements touch the table.
import pg from "pg";
import { Prisma } from "@msr-webhooks/db/client";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar } from "./support/seed.js";

let h: Harness;
let session: pg.Client;
let webhookId: string;

beforeAll(async () => {
  h = await createHarness();
  const alice = await ownerOfFooBar(h.db, "alice");
  webhookId = (await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/hook", author: alice })).id;
  session = new pg.Client({ connectionString: h.env.DATABASE_URL });
  await session.connect();
});

afterAll(async () => {
  await session.end();
  await h.close();
});

/** Writes `count` open deliveries (one event each) in one statement; their ids. */
async function openDeliveries(count: number): Promise<string[]> {
  const { rows } = await session.query<{ id: string }>(
    `INSERT INTO "Delivery" (id, "eventId", "webhookId", status, "nextAttemptAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), gen_random_uuid(), $1, 'pending', now() + interval '1 hour', now(), now()
       FROM generate_series(1, $2::int)
     RETURNING id::text AS id`,
    [webhookId, count],
  );
  return rows.map((r) => r.id);
}

/** Ends the deliveries in one statement, as an attempt record does. */
async function succeed(ids: readonly string[]): Promise<void> {
  await session.query(`UPDATE "Delivery" SET status = 'succeeded', "nextAttemptAt" = NULL WHERE id = ANY($1::uuid[])`, [ids]);
}

/** Index scans of DeliveryDue's indexes so far, as the statistics hold them once this session has flushed its own. */
async function dueIndexScans(): Promise<Record<string, number>> {
  await session.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await session.query<{ name: string; scans: string }>(
    `SELECT indexrelname AS name, idx_scan::text AS scans FROM pg_stat_user_indexes WHERE relname = 'DeliveryDue'`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.scans)]));
}

describe("the due rows of ended deliveries", () => {
  it("are deleted through DeliveryDue's primary key after it was analyzed empty and grew to thousands", async () => {
    // DeliveryDue analyzed while it is empty after a burst (as autovacuum may find it in a quiet
    // moment): its pages are there, its rows are not. The session's next end plans the trigger again.
    await succeed(await openDeliveries(2_000));
    await session.query(`ANALYZE "DeliveryDue"`);
    const ids = await openDeliveries(3_000);
    const before = await dueIndexScans();

    await succeed(ids.slice(0, 40));

    const after = await dueIndexScans();
    expect(after.DeliveryDue_nextAttemptAt_id_idx).toBe(before.DeliveryDue_nextAttemptAt_id_idx);
    expect(after.DeliveryDue_pkey).toBeGreaterThan(before.DeliveryDue_pkey ?? 0);
    const [left] = await h.sql.query<{ open: number; due: number }>(Prisma.sql`
      SELECT (SELECT count(*)::int FROM "Delivery" WHERE status = 'pending') AS open, (SELECT count(*)::int FROM "DeliveryDue") AS due`);
    expect(left).toEqual({ open: 2_960, due: 2_960 });
  });

  it("are deleted when a statement ends none, some or all of the deliveries it updates", async () => {
    const ids = await openDeliveries(3);
    // Moved, not ended: nothing to delete, and the due rows move with them.
    await session.query(`UPDATE "Delivery" SET "nextAttemptAt" = now() + interval '2 hours' WHERE id = ANY($1::uuid[])`, [ids]);
    await session.query(`UPDATE "Delivery" SET status = CASE WHEN id = $2::uuid THEN 'succeeded' ELSE status END WHERE id = ANY($1::uuid[])`, [
      ids,
      ids[0],
    ]);
    const { rows } = await session.query<{ id: string }>(`SELECT id::text AS id FROM "DeliveryDue" WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]);
    expect(rows.map((r) => r.id)).toEqual([ids[1], ids[2]].sort());
    await succeed(ids);
    const { rows: none } = await session.query(`SELECT 1 FROM "DeliveryDue" WHERE id = ANY($1::uuid[])`, [ids]);
    expect(none).toEqual([]);
  });
});
