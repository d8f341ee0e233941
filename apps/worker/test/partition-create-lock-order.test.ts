// A day partition's creation beside a delete that cascades from an account to its webhooks to their
// deliveries (src/maintenance/partitions.ts, REFERENCED): the new Delivery partition takes its
// foreign key to Webhook, which locks Webhook after Delivery, while the cascade locks Webhook first.
// The two deadlocked when the day turned during such a delete (a worker starting, or its purge).
// The creation now takes Webhook's lock first and waits behind the delete instead. The delete is
// a transaction held open here: it holds Webhook as a delete of webhooks does, the creation starts
// and waits, then the delete goes on to Delivery and commits; both must succeed.
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

it("waits behind a delete cascading through Webhook to Delivery, and neither fails", async () => {
  const warnings: string[] = [];
  const log = winston.createLogger({ silent: true });
  log.warn = ((message: string, meta?: { error?: string }) => {
    warnings.push(`${message}: ${meta?.error ?? ""}`);
    return log;
  }) as typeof log.warn;
  // A wait longer than the steps below take on a loaded machine; deadlock detection is PostgreSQL's 1 s.
  const partitions = new Partitions(h.sql, log, 30_000);
  const day = new Date(dayStart(new Date()).getTime() + 40 * DAY_MS);

  const held = await holdTransaction(h.env.DATABASE_URL!);
  await held.sql.execute(Prisma.sql`LOCK TABLE "Webhook" IN ROW EXCLUSIVE MODE`);
  const creating = partitions.ensure(day, day);
  await held.untilOthersWait();
  // The cascade's next step, with the creation waiting: before the fix, this or the creation was
  // chosen as the deadlock's victim.
  await held.sql.execute(Prisma.sql`LOCK TABLE "Delivery" IN ROW EXCLUSIVE MODE`);
  await held.end("commit");

  const created = await creating;
  expect(warnings).toEqual([]);
  for (let n = 0; n <= DAYS_AHEAD; n += 1) expect(created).toContain(partitionName("Delivery", new Date(day.getTime() + n * DAY_MS)));
});
