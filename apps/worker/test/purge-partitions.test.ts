// Retention over the day partitions (maintenance/partitions.ts): the purge creates the partitions of
// the week ahead, drops a partition once all of its day is past retention and it holds nothing
// unfinished, and leaves a partition that does to row deletes, which take only its finished rows.
// No worker runs here, so nothing changes the rows between the seed and the purge.
import { randomUUID } from "node:crypto";
import winston from "winston";
import { Prisma } from "@msr-webhooks/db/client";
import { ANALYZE_THRESHOLD, DAY_MS, DAYS_AHEAD, Partitions, dayStart, partitionName, type PartitionedTable } from "../src/maintenance/partitions.js";
import { Purger } from "../src/maintenance/purge.service.js";
import { captureLog } from "./support/capture-log.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, insertDelivery, insertEvent, ownerOfFooBar, type AccountRef } from "./support/seed.js";

const RETENTION = 14 * DAY_MS;
const logger = winston.createLogger({ silent: true });

let h: Harness;
let alice: AccountRef;
let partitions: Partitions;

beforeAll(async () => {
  h = await createHarness();
  alice = await ownerOfFooBar(h.db, "alice");
  partitions = new Partitions(h.sql, logger);
});

afterAll(async () => {
  await h.close();
});

const today = dayStart(new Date());
/** Noon of the day `n` days ago, so every row of a day lands in that day's partition. */
const daysAgo = (n: number) => new Date(today.getTime() - n * DAY_MS + DAY_MS / 2);

async function names(table: PartitionedTable): Promise<string[]> {
  return (await partitions.list(table)).map((p) => p.name);
}

async function attempt(deliveryId: string, startedAt: Date): Promise<void> {
  await h.db.deliveryAttempt.create({ data: { id: randomUUID(), deliveryId, number: 1, startedAt, durationMs: 5 } });
}

it("creates the partitions of the days ahead", async () => {
  // Three days on: the migration made the week ahead of the day it ran, the purge makes the rest.
  const later = new Date(today.getTime() + 3 * DAY_MS);
  await new Purger(h.sql, RETENTION, logger).run(later);
  for (const table of ["Event", "Delivery", "DeliveryAttempt"] as const) {
    const have = await names(table);
    for (let n = 0; n <= DAYS_AHEAD; n++) expect(have).toContain(partitionName(table, new Date(later.getTime() + n * DAY_MS)));
  }
});

it("drops expired partitions that hold only finished work, and row-deletes in the ones that do not", async () => {
  await partitions.ensure(new Date(), daysAgo(25));
  const webhook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/hook", author: alice });
  const other = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/other", author: alice });
  const seed = async (day: number, status: string, deliveryStatus: string | null) => {
    const at = daysAgo(day);
    const event = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: at, status });
    if (deliveryStatus === null) return { event, delivery: null };
    const delivery = await insertDelivery(h.db, event, webhook.id, { status: deliveryStatus, nextAttemptAt: null, createdAt: at });
    await attempt(delivery, at);
    return { event, delivery };
  };
  // Day 20: finished work only, all of it goes with its partitions.
  const done = [await seed(20, "fanned_out", "succeeded"), await seed(20, "fanned_out", "failed"), await seed(20, "rejected", null)];
  // Day 19: one delivery still retrying, beside a finished one of the same event.
  const mixed = await seed(19, "fanned_out", "retrying");
  const finishedBeside = await insertDelivery(h.db, mixed.event, other.id, { status: "succeeded", nextAttemptAt: null, createdAt: daysAgo(19) });
  await attempt(finishedBeside, daysAgo(19));
  // Day 18: an event never fanned out.
  const unfanned = await seed(18, "pending", null);
  // Day 17: an event whose finished delivery was written a week later (still within retention).
  const late = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: daysAgo(17), status: "fanned_out" });
  const lateDelivery = await insertDelivery(h.db, late, webhook.id, { status: "succeeded", nextAttemptAt: null, createdAt: daysAgo(10) });
  // Day 10: within retention, untouched.
  const recent = await seed(10, "fanned_out", "succeeded");

  const result = await new Purger(h.sql, RETENTION, logger).run();

  // Dropped: every partition of day 20, the empty ones before it, and the empty delivery and attempt
  // partitions of days 18 and 17. Row deletes: the finished delivery of day 19 and its attempt.
  expect(result).toEqual({ attempts: 2 + 1, deliveries: 2 + 1, events: 3 });
  for (const table of ["Event", "Delivery", "DeliveryAttempt"] as const) {
    expect(await names(table)).not.toContain(partitionName(table, dayStart(daysAgo(20))));
    expect(await names(table)).not.toContain(partitionName(table, dayStart(daysAgo(25))));
    expect(await names(table)).toContain(partitionName(table, dayStart(daysAgo(19))));
    expect(await names(table)).toContain(partitionName(table, dayStart(daysAgo(10))));
  }
  expect(await names("Event")).toContain(partitionName("Event", dayStart(daysAgo(18))));
  expect(await names("Event")).toContain(partitionName("Event", dayStart(daysAgo(17))));
  expect(await names("Delivery")).not.toContain(partitionName("Delivery", dayStart(daysAgo(18))));

  const events = (await h.db.event.findMany({ select: { id: true } })).map((e) => e.id).sort();
  const deliveries = (await h.db.delivery.findMany({ select: { id: true } })).map((d) => d.id).sort();
  const attempts = (await h.db.deliveryAttempt.findMany({ select: { deliveryId: true } })).map((a) => a.deliveryId).sort();
  expect(events).toEqual([mixed.event, unfanned.event, late, recent.event].sort());
  expect(deliveries).toEqual([mixed.delivery, lateDelivery, recent.delivery].sort());
  expect(attempts).toEqual([mixed.delivery, recent.delivery].sort());
  for (const d of done) expect(await h.db.event.count({ where: { id: d.event } })).toBe(0);

  // Once the retrying delivery ends, the next purge drops what day 19 held.
  await h.db.delivery.update({ where: { id: mixed.delivery ?? "" }, data: { status: "failed", nextAttemptAt: null } });
  expect(await new Purger(h.sql, RETENTION, logger).run()).toEqual({ attempts: 1, deliveries: 1, events: 1 });
  for (const table of ["Event", "Delivery", "DeliveryAttempt"] as const) {
    expect(await names(table)).not.toContain(partitionName(table, dayStart(daysAgo(19))));
  }
});

it("makes every day partition wait for ANALYZE_THRESHOLD changed rows before autovacuum analyzes it", async () => {
  // The migrations' partitions (migration 20261207000000_partition_analyze) and the purge's alike.
  await partitions.ensure(new Date(today.getTime() + 30 * DAY_MS));
  const rows = await h.sql.query<{ name: string; options: string[] | null }>(Prisma.sql`
    SELECT c.relname AS name, c.reloptions AS options FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent IN ('"Event"'::regclass, '"Delivery"'::regclass, '"DeliveryAttempt"'::regclass)`);
  expect(rows.length).toBeGreaterThan(3 * (DAYS_AHEAD + 1));
  const without = rows.filter((r) => !(r.options ?? []).includes(`autovacuum_analyze_threshold=${ANALYZE_THRESHOLD}`));
  expect(without).toEqual([]);
});

it("analyzes each closed day partition once, the latest first and one per table at a time, never an open one", async () => {
  // Days no test here made before, so never analyzed; the purges above analyzed some later ones.
  await partitions.ensure(new Date(), daysAgo(40));
  const event = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: daysAgo(38), status: "done" });
  const eventPartition = partitionName("Event", dayStart(daysAgo(38)));
  const reltuples = async () =>
    (await h.sql.query<{ n: number }>(Prisma.sql`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = ${eventPartition}`))[0]?.n;
  expect(await reltuples()).toBe(-1);

  const rounds: string[][] = [];
  for (let i = 0; i < 100; i++) {
    const next = await partitions.analyzeClosed(new Date());
    if (next.length === 0) break;
    rounds.push(next);
  }
  const all = rounds.flat();
  expect(new Set(all).size).toBe(all.length);
  expect(all).toContain(eventPartition);
  expect(await reltuples()).toBe(1);
  for (const table of ["Event", "Delivery", "DeliveryAttempt"] as const) {
    // One per table per call, each an earlier day than the one before.
    const days = rounds.map((r) => r.filter((name) => name.startsWith(`${table}_p`)));
    for (const d of days) expect(d.length).toBeLessThanOrEqual(1);
    const order = days.flat();
    expect(order).toEqual([...order].sort().reverse());
    expect(order).toContain(partitionName(table, dayStart(daysAgo(40))));
    expect(all).not.toContain(partitionName(table, today));
  }
  expect(await partitions.analyzeClosed(new Date())).toEqual([]);
  await h.db.event.delete({ where: { id: event } });
});

it("skips a closed partition another worker's purge dropped before its ANALYZE, and analyzes the other tables' and the next day's", async () => {
  // The day before the test above's earliest: never analyzed, and the latest closed day that is not.
  await partitions.ensure(new Date(), daysAgo(42));
  const gone = partitionName("DeliveryAttempt", dayStart(daysAgo(41)));
  const { log, lines } = captureLog();
  // The real database, with the other worker's DROP run just before this worker's ANALYZE of that partition.
  const racing = {
    ...h.sql,
    execute: async (statement: Prisma.Sql) => {
      if (statement.text === `ANALYZE "${gone}"`) await h.sql.execute(Prisma.raw(`DROP TABLE "${gone}"`));
      return h.sql.execute(statement);
    },
  };
  const first = await new Partitions(racing, log).analyzeClosed(new Date());
  expect(first).toEqual([partitionName("Delivery", dayStart(daysAgo(41))), partitionName("Event", dayStart(daysAgo(41)))]);
  const warned = lines.filter((l) => l.level === "warn").map((l) => [l.message, l.partition]);
  expect(warned).toEqual([["could not analyze a delivery log partition", gone]]);
  expect(await names("DeliveryAttempt")).not.toContain(gone);
  // The next call goes on with that table's day before.
  const second = await partitions.analyzeClosed(new Date());
  expect(second).toEqual([partitionName("DeliveryAttempt", dayStart(daysAgo(42))), partitionName("Delivery", dayStart(daysAgo(42))), partitionName("Event", dayStart(daysAgo(42)))]);
});
