// The due rows (migration 20261206060000_delivery_due): DeliveryDue holds exactly the open
// deliveries, with their status and next attempt, through every way a delivery is written (fan-out,
// a failed attempt and its retry, success, a park, an end without attempt, a reopen, deletion), and
// no update of a delivery is anything but HOT, which is what the table is for.
import { Prisma } from "@msr-webhooks/db/client";
import { DeliveryRepository } from "../src/attempts/delivery.repository.js";
import { ANALYZE_THRESHOLD, Partitions, partitionName, DAY_MS } from "../src/maintenance/partitions.js";
import { eventIdForJob } from "../src/ingest/ingest.processor.js";
import { silentLogger } from "./support/harness.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { createRepo, createWebhook, insertDelivery, insertEvent, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let alice: AccountRef;
let flakyUp = false;

const t = useHarnessWithReceiver({
  // A failed first attempt is retried after 1 s, long enough to look at the retrying row.
  env: { RETRY_SCHEDULE: "1s,30s" },
  receiver: { handler: (req) => ({ status: req.path === "/flaky" && !flakyUp ? 500 : 200 }) },
});

beforeAll(async () => {
  alice = await ownerOfFooBar(t.h.db, "alice");
  await t.h.startWorker();
});

interface DueRow {
  id: string;
  status: string;
  /** The next attempt, in epoch milliseconds. */
  at: number | null;
  createdAt: number;
}

const ms = (column: Prisma.Sql): Prisma.Sql => Prisma.sql`floor(extract(epoch FROM ${column}) * 1000)::bigint`;

/** The due rows, and the open deliveries as the due rows should mirror them, read in one statement. */
async function dueAndOpen(): Promise<{ due: DueRow[]; open: DueRow[] }> {
  const [row] = await t.h.sql.query<{ due: DueRow[] | null; open: DueRow[] | null }>(Prisma.sql`
    SELECT (SELECT json_agg(json_build_object('id', q.id, 'status', q.status, 'at', ${ms(Prisma.sql`q."nextAttemptAt"`)}, 'createdAt', ${ms(Prisma.sql`q."createdAt"`)}) ORDER BY q.id)
              FROM "DeliveryDue" AS q) AS due,
           (SELECT json_agg(json_build_object('id', d.id, 'status', d.status, 'at', ${ms(Prisma.sql`d."nextAttemptAt"`)}, 'createdAt', ${ms(Prisma.sql`d."createdAt"`)}) ORDER BY d.id)
              FROM "Delivery" AS d WHERE d.status IN ('pending', 'retrying')) AS open`);
  return { due: row?.due ?? [], open: row?.open ?? [] };
}

async function expectDueMirrorsOpen(): Promise<DueRow[]> {
  const { due, open } = await dueAndOpen();
  expect(due).toEqual(open);
  return due;
}

async function statusOf(id: string): Promise<string | undefined> {
  return (await t.h.db.delivery.findFirst({ where: { id } }))?.status;
}

describe("DeliveryDue", () => {
  it("follows a delivery through fan-out, a failed attempt, its retry and success", async () => {
    const ns = await t.h.db.account.findUniqueOrThrow({ where: { name: "foo" } });
    await createRepo(t.h.db, ns, "due");
    const flaky = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/due", endpoint: `${t.receiver.url}/flaky`, author: alice });
    const eventId = eventIdForJob(await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "due") }));

    const retrying = await waitUntil(
      () => t.h.db.delivery.findFirst({ where: { eventId, webhookId: flaky.id, status: "retrying" } }),
      { what: "the flaky endpoint's delivery to be retrying" },
    );
    const due = await expectDueMirrorsOpen();
    expect(due).toContainEqual(expect.objectContaining({ id: retrying.id, status: "retrying", at: retrying.nextAttemptAt?.getTime() }));

    flakyUp = true;
    await waitUntil(async () => (await statusOf(retrying.id)) === "succeeded", { what: "the retry to succeed" });
    const after = await expectDueMirrorsOpen();
    expect(after.map((r) => r.id)).not.toContain(retrying.id);
  });

  it("follows parks, ends without attempt, reopens and deletions made by any writer", async () => {
    const w = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/quiet", endpoint: `${t.receiver.url}/quiet`, author: alice, inactive: true });
    const repo = new DeliveryRepository(t.h.sql);
    const later = new Date(Date.now() + 3_600_000);
    const ids: string[] = [];
    for (const status of ["pending", "retrying", "failed"]) {
      const eventId = await insertEvent(t.h.db, { namespace: "foo", repository: "quiet", status: "fanned_out" });
      ids.push(await insertDelivery(t.h.db, eventId, w.id, { status, nextAttemptAt: status === "failed" ? null : later }));
    }
    const [pending, retrying, failed] = ids as [string, string, string];
    expect((await expectDueMirrorsOpen()).map((r) => r.id)).toEqual(expect.arrayContaining([pending, retrying]));

    // A park moves the next attempt: the due row moves with it.
    const parkedUntil = new Date(Date.now() + 7_200_000);
    await repo.postponeMany([{ deliveryId: pending, retryAt: parkedUntil }], new Date());
    expect(await expectDueMirrorsOpen()).toContainEqual(expect.objectContaining({ id: pending, at: parkedUntil.getTime() }));

    // Ended without an attempt (its webhook inactive): no longer due.
    expect(await repo.finishWithoutAttempt(retrying, "failed", "webhook disabled", new Date())).toBe(true);
    expect((await expectDueMirrorsOpen()).map((r) => r.id)).not.toContain(retrying);

    // Reopened, as the API's redeliver does: due again.
    await t.h.sql.execute(Prisma.sql`UPDATE "Delivery" SET status = 'pending', "nextAttemptAt" = now() WHERE id = ${failed}::uuid`);
    expect(await expectDueMirrorsOpen()).toContainEqual(expect.objectContaining({ id: failed, status: "pending" }));

    // Deleting the webhook deletes its deliveries and their due rows.
    await t.h.db.webhook.delete({ where: { id: w.id } });
    const left = (await expectDueMirrorsOpen()).map((r) => r.id);
    for (const id of ids) expect(left).not.toContain(id);
  });

  it("creates new Delivery partitions with room for HOT updates", async () => {
    const partitions = new Partitions(t.h.sql, silentLogger());
    const far = new Date(Date.now() + 20 * DAY_MS);
    const created = await partitions.ensure(far, far);
    const name = partitionName("Delivery", far);
    expect(created).toContain(name);
    const rows = await t.h.sql.query<{ table: string; options: string[] | null }>(Prisma.sql`
      SELECT relname AS table, reloptions AS options FROM pg_class WHERE relname = ANY(${[name, partitionName("Event", far)]}::text[])`);
    const analyze = `autovacuum_analyze_threshold=${ANALYZE_THRESHOLD}`;
    expect(rows).toContainEqual({ table: name, options: ["fillfactor=60", analyze] });
    expect(rows).toContainEqual({ table: partitionName("Event", far), options: [analyze] });
  });

  it("updates deliveries only in place: every update of a delivery is HOT", async () => {
    // Statistics reach pg_stat_user_tables when each backend flushes them (within seconds); the
    // deliveries of the tests above (fan-out, attempts, parks, ends, reopen) updated rows already.
    const stats = await waitUntil(
      async () => {
        const [s] = await t.h.sql.query<{ updated: number; hot: number }>(Prisma.sql`
          SELECT COALESCE(sum(n_tup_upd), 0)::int AS updated, COALESCE(sum(n_tup_hot_upd), 0)::int AS hot
            FROM pg_stat_user_tables WHERE relname LIKE 'Delivery\\_%' ESCAPE '\\'`);
        return s !== undefined && s.updated >= 5 ? s : undefined;
      },
      { what: "the updates of the deliveries above to be counted" },
    );
    expect(stats.hot).toBe(stats.updated);
  });
});
