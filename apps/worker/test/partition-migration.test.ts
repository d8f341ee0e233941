// The migration onto day-partitioned Event, Delivery and DeliveryAttempt tables
// (20261205110000_partition_by_time), applied by `prisma migrate deploy` to a database that holds
// rows from before it (and 20261205111000_partition_insert_checks after it): every row comes through
// unchanged, each lands in its day's partition, and what the unique keys and foreign keys did (skip
// a repeated event key, cascade a delete) still holds across partitions.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { runMigrations } from "@msr-webhooks/db/migrate";
import { createEmptyDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { migrateBefore } from "@msr-webhooks/testing/migrate-before";
import { DAY_MS, DAYS_AHEAD, partitionName, dayStart } from "../src/maintenance/partitions.js";

const MIGRATION = "20261205110000_partition_by_time";
const TABLES = ["Event", "Delivery", "DeliveryAttempt"] as const;

let database: TestDatabase;
let client: pg.Client;
const before: Record<string, string[]> = {};
/** Each table's columns before the migration (later migrations may add columns; these must keep every value). */
const columns: Record<string, string[]> = {};
const days = [0, 1, 2, 40].map((n) => new Date(Date.now() - n * DAY_MS));

async function rowsOf(table: string): Promise<string[]> {
  // The whole row as text: every column it had before, json contents byte for byte.
  const list = (columns[table] ?? []).map((c) => `t."${c}"`).join(", ");
  const res = await client.query<{ row: string }>(`SELECT ROW(${list})::text AS row FROM "${table}" AS t ORDER BY t.id`);
  return res.rows.map((r) => r.row);
}

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrateBefore(database.url, MIGRATION);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const author = randomUUID();
  await client.query(`INSERT INTO "Account" (id, name) VALUES ($1, 'alice')`, [author]);
  for (const hook of ["w1", "w2"]) {
    await client.query(
      `INSERT INTO "Webhook" (id, type, key, endpoint, "authorId", "signingSecret") VALUES ($1, 'TAG_PUSH', '', 'https://example.com/h', $2, 's')`,
      [hook, author],
    );
  }
  // 25 events a day on four days (one long ago), two deliveries each, up to three attempts each.
  for (const day of days) {
    await client.query(
      `INSERT INTO "Event" (id, "producerId", type, source, "createdAt", "createdAtText", "receivedAt", contents, status, "fannedOutAt")
       SELECT gen_random_uuid(), CASE WHEN i % 2 = 0 THEN 'producer-' || $2 || '-' || i END, 'TAG_PUSH', 'api', $1::timestamptz,
              '2026-01-01T00:00:00.123456789Z', $1::timestamptz + i * interval '1 minute',
              ('{"z": 1, "a": [' || i || '],  "m": "x"}')::json, 'fanned_out', $1::timestamptz + i * interval '1 minute'
         FROM generate_series(1, 25) AS i`,
      [day.toISOString(), day.getTime()],
    );
  }
  await client.query(
    `INSERT INTO "Delivery" (id, "eventId", "webhookId", status, "attemptCount", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), e.id, w.id, CASE WHEN w.id = 'w1' THEN 'succeeded' ELSE 'retrying' END, 1, e."fannedOutAt", e."fannedOutAt"
       FROM "Event" AS e CROSS JOIN "Webhook" AS w`,
  );
  await client.query(
    `INSERT INTO "DeliveryAttempt" (id, "deliveryId", number, "startedAt", "durationMs", "statusCode", "responseHeaders", "responseBody")
     SELECT gen_random_uuid(), d.id, n, d."createdAt" + n * interval '1 second', 7, 500, '{"x": ["1"]}', 'body ' || n
       FROM "Delivery" AS d CROSS JOIN generate_series(1, 3) AS n`,
  );
  for (const table of TABLES) {
    const res = await client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    columns[table] = res.rows.map((r) => r.name);
    before[table] = await rowsOf(table);
  }
  await runMigrations(database.url);
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

it("keeps every row, unchanged", async () => {
  expect([before.Event?.length, before.Delivery?.length, before.DeliveryAttempt?.length]).toEqual([100, 200, 600]);
  for (const table of TABLES) expect(await rowsOf(table)).toEqual(before[table]);
});

it("partitions each table by day, with a partition for every day that held rows and the week ahead", async () => {
  for (const table of TABLES) {
    const kind = await client.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = '"${table}"'::regclass`);
    expect(kind.rows[0]?.relkind).toBe("p");
    const names = (
      await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = '"${table}"'::regclass`,
      )
    ).rows.map((r) => r.name);
    for (const day of days) expect(names).toContain(partitionName(table, dayStart(day)));
    expect(names).toContain(partitionName(table, new Date(dayStart(new Date()).getTime() + DAYS_AHEAD * DAY_MS)));
    expect(names).toContain(`${table}_default`);
    const stray = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}_default"`);
    expect(stray.rows[0]?.n).toBe(0);
  }
});

it("still skips a repeated event key, whatever partition the repeat would land in", async () => {
  const { rows: [d] } = await client.query<{ eventId: string }>(
    `SELECT "eventId" FROM "Delivery" WHERE "createdAt" < now() - interval '30 days' LIMIT 1`,
  );
  if (d === undefined) throw new Error("no old delivery");
  const repeats = [
    // (The same (event, webhook) pair fanned out again and the same attempt number recorded again
    // are kept out by their one writer since 20261207230000_delivery_unique_by_event_mark and
    // 20261207220000_attempt_unique_by_delivery_row: fanout-write-once and attempt-record-once.)
    // A producer id already stored, received today.
    [
      `INSERT INTO "Event" (id, "producerId", type, source, "createdAt", contents)
       SELECT gen_random_uuid(), "producerId", 'TAG_PUSH', 'api', now(), '{}' FROM "Event" WHERE "producerId" IS NOT NULL LIMIT 1 ON CONFLICT DO NOTHING`,
      [],
    ],
    // An event id already stored, received today.
    [`INSERT INTO "Event" (id, type, source, "createdAt", contents) VALUES ($1, 'TAG_PUSH', 'api', now(), '{}') ON CONFLICT DO NOTHING`, [d.eventId]],
  ] as const;
  for (const [text, values] of repeats) expect((await client.query(text, [...values])).rowCount).toBe(0);
  for (const table of TABLES) expect(await rowsOf(table)).toEqual(before[table]);
});

it("cascades deletes: an event to its deliveries and their attempts, a webhook to its deliveries", async () => {
  const count = async (sql: string, values: unknown[] = []) => (await client.query<{ n: number }>(sql, values)).rows[0]?.n;
  const { rows: [e] } = await client.query<{ id: string }>(`SELECT id FROM "Event" ORDER BY "receivedAt" LIMIT 1`);
  await client.query(`DELETE FROM "Event" WHERE id = $1`, [e?.id]);
  expect(await count(`SELECT count(*)::int AS n FROM "Delivery" WHERE "eventId" = $1`, [e?.id])).toBe(0);
  expect(await count(`SELECT count(*)::int AS n FROM "DeliveryAttempt"`)).toBe(600 - 6);
  await client.query(`DELETE FROM "Webhook" WHERE id = 'w2'`);
  expect(await count(`SELECT count(*)::int AS n FROM "Delivery"`)).toBe(99);
  expect(await count(`SELECT count(*)::int AS n FROM "DeliveryAttempt"`)).toBe(99 * 3);
});
