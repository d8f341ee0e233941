// A day partition's creation beside a delete that cascades from an account to its webhooks to their
// deliveries (src/maintenance/partitions.ts, PARTITION_LOCK_TIMEOUT_MS): the new Delivery partition
// locks Delivery, then Webhook for its foreign key; the cascade locks Webhook, then Delivery. When the
// day turned during such a delete, the two deadlocked and PostgreSQL aborted one of them (the delete,
// in security-ownership.test.ts). The creation now waits for a lock less than deadlock_timeout: it
// gives up first, and is made on the next run. Here the delete is a transaction held open: it holds
// Webhook, the creation starts and waits, then the delete goes on to Delivery and commits.
import winston from "winston";
import { Prisma } from "@msr-webhooks/db/client";
import { DAY_MS, DAYS_AHEAD, Partitions, dayStart, partitionName } from "../src/maintenance/partitions.js";
import { createHarness, type Harness } from "./support/harness.js";
import { holdTransaction } from "./support/held-transaction.js";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

it("gives way to a delete cascading through Webhook to Delivery: the delete commits, the partitions come on the next run", async () => {
  const warnings: string[] = [];
  const log = winston.createLogger({ silent: true });
  log.warn = ((message: string, meta?: { partition?: string; error?: string }) => {
    warnings.push(`${meta?.partition ?? ""}: ${meta?.error ?? message}`);
    return log;
  }) as typeof log.warn;
  const partitions = new Partitions(h.sql, log);
  const day = new Date(dayStart(new Date()).getTime() + 40 * DAY_MS);
  const deliveryDays = Array.from({ length: DAYS_AHEAD + 1 }, (_, n) => partitionName("Delivery", new Date(day.getTime() + n * DAY_MS)));

  const held = await holdTransaction(h.env.DATABASE_URL!);
  await held.sql.execute(Prisma.sql`LOCK TABLE "Webhook" IN ROW EXCLUSIVE MODE`);
  const creating = partitions.ensure(day, day);
  await held.untilOthersWait();
  // The cascade's next step while the creation waits (or has given up already): it must not be
  // aborted, and the creation must not be either (a deadlock is not what stopped it).
  await held.sql.execute(Prisma.sql`LOCK TABLE "Delivery" IN ROW EXCLUSIVE MODE`);
  await held.end("commit");

  const created = await creating;
  expect(created).not.toContain(deliveryDays[0]);
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) expect(w).toMatch(/lock timeout/);
  expect(warnings.join("\n")).not.toMatch(/deadlock/);

  // The next run makes what is missing.
  await partitions.ensure(day, day);
  expect((await partitions.list("Delivery")).map((p) => p.name)).toEqual(expect.arrayContaining(deliveryDays));
});
