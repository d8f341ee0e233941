// Proves the committed migrations apply to an empty database with no native engine.
import pg from "pg";
import { runMigrations } from "@msr-webhooks/db/migrate";
import { createEmptyDatabase, type TestDatabase } from "../src/database.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createEmptyDatabase();
});
afterAll(async () => {
  await db.drop();
});

test("migrations apply to an empty database and are idempotent", async () => {
  const first = await runMigrations(db.url);
  expect(first).toMatch(/successfully applied/);
  const second = await runMigrations(db.url);
  expect(second).toMatch(/No pending migrations/);

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const res = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    const tables = res.rows.map((r) => r.table_name);
    for (const t of ["Account", "Webhook", "Event", "Delivery", "DeliveryAttempt", "ApiToken", "Repository"]) {
      expect(tables).toContain(t);
    }
    // Delivery is partitioned by day: (eventId, webhookId) is a plain index, kept unique across the
    // partitions by the fan-out's write since 20261207230000_delivery_unique_by_event_mark, which
    // dropped the trigger of 20261205110000_partition_by_time that probed every partition.
    const pair = await client.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'Delivery' AND indexdef LIKE '%("eventId", "webhookId")%'`,
    );
    expect(pair.rowCount).toBe(1);
    const trigger = await client.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'Delivery_unique_and_event' AND tgrelid = '"Delivery"'::regclass`);
    expect(trigger.rowCount).toBe(0);
  } finally {
    await client.end();
  }
});
