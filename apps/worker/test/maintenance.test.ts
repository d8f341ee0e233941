// Maintenance: PostgreSQL is the record, so when Redis loses the run's keys mid-run (as a
// FLUSHALL would) the reconciler restores its own schedule and re-queues what is due; an event
// committed without its fan-out job is fanned out; retention purges old rows. (Finished jobs of
// open rows: reconcile.test.ts.)
import { randomUUID } from "node:crypto";
import { deletePrefix } from "@msr-webhooks/testing/redis";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import {
  createOrg,
  createRepo,
  createUser,
  createWebhook,
  insertDelivery,
  insertEvent,
  tagPushContents,
  type AccountRef,
} from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let alice: AccountRef;
const seen = new Map<string, number>();

// Each endpoint fails its first request, so its delivery sits in BullMQ's delayed set for 5 s:
// long enough that the keys are deleted while all five are there, however slow this machine is.
const t = useHarnessWithReceiver({
  env: { RETRY_SCHEDULE: "5s", RECONCILE_INTERVAL: "300ms", RECONCILE_MIN_AGE: "200ms" },
  receiver: {
    handler: (req) => {
      const n = (seen.get(req.path) ?? 0) + 1;
      seen.set(req.path, n);
      return { status: req.path.startsWith("/flaky") && n === 1 ? 500 : 200 };
    },
  },
});

beforeAll(async () => {
  alice = await createUser(t.h.db, "alice");
  const foo = await createOrg(t.h.db, "foo", [alice]);
  await createRepo(t.h.db, foo, "bar");
  await createRepo(t.h.db, foo, "lost");
  await t.h.startWorker();
});

it("re-schedules due deliveries after the run's Redis keys are deleted mid-run", async () => {
  const hooks = await Promise.all(
    [1, 2, 3, 4, 5].map((i) =>
      createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/flaky-${i}`, author: alice }),
    ),
  );
  await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  const ids = hooks.map((w) => w.id);
  await waitUntil(async () => (await t.h.db.delivery.count({ where: { webhookId: { in: ids }, status: "retrying" } })) === 5, {
    what: "five retrying deliveries",
  });
  // The row says "retrying" a moment before the job moves to the delayed set.
  await waitUntil(async () => (await t.h.queues.delivery.getDelayedCount()) === 5, { what: "five delayed delivery jobs" });
  expect(await t.h.queues.delivery.getDelayedCount()).toBe(5);

  await deletePrefix(t.h.prefix);
  expect(await t.h.queues.delivery.getDelayedCount()).toBe(0);

  const done = await waitUntil(
    async () => {
      const rows = await t.h.db.delivery.findMany({ where: { webhookId: { in: ids } }, include: { attempts: true } });
      return rows.every((d) => d.status === "succeeded") && rows;
    },
    { what: "the lost deliveries to succeed" },
  );
  for (const d of done) expect(d.attempts).toHaveLength(2);
  expect(await t.h.queues.maintenance.getJobScheduler("reconcile")).toBeDefined();
  for (let i = 1; i <= 5; i += 1) expect(seen.get(`/flaky-${i}`)).toBe(2);
});

it("fans out an event that was committed without its fan-out job", async () => {
  const w = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/lost", endpoint: `${t.receiver.url}/lost`, author: alice });
  const eventId = await insertEvent(t.h.db, { namespace: "foo", repository: "lost", receivedAt: new Date(Date.now() - 1000) });
  const d = await waitUntil(() => t.h.db.delivery.findFirst({ where: { eventId, webhookId: w.id, status: "succeeded" } }), {
    what: "the lost event's delivery",
  });
  expect(d.attemptCount).toBe(1);
  expect((await t.h.db.event.findUniqueOrThrow({ where: { id: eventId } })).status).toBe("fanned_out");
});

it("purges deliveries, attempts and events older than the retention period", async () => {
  const w = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/old`, author: alice, inactive: true });
  const old = new Date(Date.now() - 15 * 86_400_000);
  const recent = new Date(Date.now() - 13 * 86_400_000);
  const ids: Record<string, { event: string; delivery: string }> = {};
  for (const [name, at] of [["old", old], ["recent", recent]] as const) {
    const event = await insertEvent(t.h.db, { namespace: "foo", repository: "bar", receivedAt: at, status: "fanned_out" });
    const delivery = await insertDelivery(t.h.db, event, w.id, { status: "succeeded", nextAttemptAt: null, createdAt: at });
    await t.h.db.deliveryAttempt.create({ data: { id: randomUUID(), deliveryId: delivery, number: 1, startedAt: at, durationMs: 5 } });
    ids[name] = { event, delivery };
  }
  await t.h.queues.maintenance.add("purge", {}, { removeOnComplete: true });
  await waitUntil(async () => (await t.h.db.event.count({ where: { id: ids.old!.event } })) === 0, { what: "the purge" });
  expect(await t.h.db.delivery.count({ where: { id: ids.old!.delivery } })).toBe(0);
  expect(await t.h.db.deliveryAttempt.count({ where: { deliveryId: ids.old!.delivery } })).toBe(0);
  expect(await t.h.db.event.count({ where: { id: ids.recent!.event } })).toBe(1);
  expect(await t.h.db.delivery.count({ where: { id: ids.recent!.delivery } })).toBe(1);
  expect(await t.h.db.deliveryAttempt.count({ where: { deliveryId: ids.recent!.delivery } })).toBe(1);
});
