// An attempt is written to the log once: DeliveryRepository.recordMany updates the delivery row only
// where it counts fewer attempts than the one recorded, and inserts the attempts of the rows it
// updated (no trigger on the partitioned DeliveryAttempt table keeps (deliveryId, number) unique
// any more). A record repeated later, two records of one attempt at once from two connections, one
// batch holding an attempt twice: one row each. And the delivery is found by its createdAt, the
// partition key, as PostgreSQL returned it (cut to the millisecond), on any day.
import { randomUUID } from "node:crypto";
import { DeliveryRepository, type AttemptRecord, type DueDelivery } from "../src/attempts/delivery.repository.js";
import { createHarness, type Harness } from "./support/harness.js";
import { holdTransaction } from "./support/held-transaction.js";
import { createOrg, createRepo, createUser, createWebhook, insertEvent } from "./support/seed.js";

let h: Harness;
let repository: DeliveryRepository;
let webhookId: string;

beforeAll(async () => {
  h = await createHarness();
  repository = new DeliveryRepository(h.sql);
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "bar");
  webhookId = (await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/hook", author: alice })).id;
});

afterAll(async () => {
  await h.close();
});

const AUTO_DISABLE = { cutoff: new Date(0), reason: "not in this test" };

/** A delivery row (of its own event) made `createdAt` (SQL, microseconds allowed), loaded as the worker loads it. */
async function delivery(createdAt = "now()"): Promise<DueDelivery> {
  const id = randomUUID();
  const eventId = await insertEvent(h.db, { namespace: "foo", repository: "bar" });
  await h.db.$executeRawUnsafe(
    `INSERT INTO "Delivery" (id, "eventId", "webhookId", "createdAt") VALUES ($1::uuid, $2::uuid, $3, ${createdAt})`,
    id,
    eventId,
    webhookId,
  );
  const [due] = await repository.loadDue([id], new Date(Date.now() + 60_000));
  if (due === undefined) throw new Error(`delivery ${id} not loaded`);
  return due;
}

function record(due: DueDelivery, number: number, status: "succeeded" | "retrying"): AttemptRecord {
  const now = new Date();
  return {
    attemptId: randomUUID(),
    deliveryId: due.id,
    deliveryCreatedAt: due.createdAt,
    webhookId: due.webhookId,
    number,
    trigger: "scheduled",
    startedAt: now,
    durationMs: 3,
    statusCode: status === "succeeded" ? 200 : 503,
    responseHeaders: {},
    responseBody: status,
    errorKind: null,
    errorMessage: null,
    status,
    reason: status === "retrying" ? "server error" : null,
    nextAttemptAt: status === "retrying" ? new Date(now.getTime() + 60_000) : null,
    health: { kind: status === "succeeded" ? "success" : "failure" },
    now,
  };
}

async function logOf(deliveryId: string): Promise<{ id: string; number: number; responseBody: string }[]> {
  return h.db.$queryRawUnsafe(
    `SELECT id::text, number, "responseBody" FROM "DeliveryAttempt" WHERE "deliveryId" = $1::uuid ORDER BY number, "startedAt"`,
    deliveryId,
  );
}

async function rowOf(deliveryId: string): Promise<{ status: string; attemptCount: number }> {
  const [row] = await h.db.$queryRawUnsafe<{ status: string; attemptCount: number }[]>(
    `SELECT status, "attemptCount" FROM "Delivery" WHERE id = $1::uuid`,
    deliveryId,
  );
  if (row === undefined) throw new Error(`delivery ${deliveryId} not found`);
  return row;
}

it("writes an attempt recorded again later once, and the delivery keeps the first record's outcome", async () => {
  const due = await delivery();
  const first = record(due, 1, "retrying");
  await repository.recordMany([first], AUTO_DISABLE, new Date());
  await repository.recordMany([record(due, 1, "succeeded")], AUTO_DISABLE, new Date());
  expect(await logOf(due.id)).toEqual([{ id: first.attemptId, number: 1, responseBody: "retrying" }]);
  expect(await rowOf(due.id)).toEqual({ status: "retrying", attemptCount: 1 });
  // The next attempt is a new one.
  await repository.recordMany([record(due, 2, "succeeded")], AUTO_DISABLE, new Date());
  expect((await logOf(due.id)).map((a) => a.number)).toEqual([1, 2]);
  expect(await rowOf(due.id)).toEqual({ status: "succeeded", attemptCount: 2 });
});

it.each(["commit", "rollback"] as const)(
  "has a second writer of one attempt wait for the first's row lock, then write nothing if it commits (%s)",
  async (outcome) => {
    const due = await delivery();
    const held = await holdTransaction(h.env.DATABASE_URL!);
    const first = record(due, 1, "retrying");
    try {
      await new DeliveryRepository(held.sql).recordMany([first], AUTO_DISABLE, new Date());
      const second = record(due, 1, "succeeded");
      const writing = repository.recordMany([second], AUTO_DISABLE, new Date());
      await held.untilOthersWait();
      await held.end(outcome);
      await writing;
      const written = outcome === "commit" ? first : second;
      expect(await logOf(due.id)).toEqual([{ id: written.attemptId, number: 1, responseBody: written.responseBody }]);
      expect(await rowOf(due.id)).toEqual({ status: written.status, attemptCount: 1 });
    } finally {
      await held.end("rollback").catch(() => undefined);
    }
  },
);

it("writes one row when two connections record the same attempt at once", async () => {
  const dues = await Promise.all(Array.from({ length: 20 }, () => delivery()));
  await Promise.all(
    dues.flatMap((due) => [
      repository.recordMany([record(due, 1, "retrying")], AUTO_DISABLE, new Date()),
      repository.recordMany([record(due, 1, "succeeded")], AUTO_DISABLE, new Date()),
    ]),
  );
  for (const due of dues) {
    const log = await logOf(due.id);
    expect(log).toHaveLength(1);
    // The delivery holds the outcome of the attempt that was written, whichever won.
    expect((await rowOf(due.id)).status).toBe(log[0]!.responseBody);
  }
});

it("writes an attempt a batch holds twice once", async () => {
  const due = await delivery();
  const first = record(due, 1, "succeeded");
  await repository.recordMany([first, record(due, 1, "retrying")], AUTO_DISABLE, new Date());
  expect(await logOf(due.id)).toEqual([{ id: first.attemptId, number: 1, responseBody: "succeeded" }]);
});

it("writes two attempts of one delivery a batch holds, in the order of their numbers", async () => {
  const due = await delivery();
  await repository.recordMany([record(due, 2, "succeeded"), record(due, 1, "retrying")], AUTO_DISABLE, new Date());
  expect((await logOf(due.id)).map((a) => [a.number, a.responseBody])).toEqual([
    [1, "retrying"],
    [2, "succeeded"],
  ]);
  expect(await rowOf(due.id)).toEqual({ status: "succeeded", attemptCount: 2 });
});

it("writes a batch of deliveries made on different days: today's, a dated partition ahead, the default partition", async () => {
  const dues = [
    await delivery(),
    await delivery(`date_trunc('day', now()) + interval '2 days 3 hours 0.000789 seconds'`),
    await delivery(`now() - interval '3 days'`),
  ];
  await repository.recordMany(dues.map((due) => record(due, 1, "succeeded")), AUTO_DISABLE, new Date());
  for (const due of dues) expect(await rowOf(due.id)).toEqual({ status: "succeeded", attemptCount: 1 });
  // The three rows sit in three partitions: two dated ones and the default.
  const partitions = await h.db.$queryRawUnsafe<{ p: string }[]>(
    `SELECT DISTINCT tableoid::regclass::text AS p FROM "Delivery" WHERE id = ANY($1::uuid[])`,
    dues.map((d) => d.id),
  );
  expect(partitions.map((r) => r.p)).toHaveLength(3);
  expect(partitions.map((r) => r.p)).toContain('"Delivery_default"');
});

it("finds a delivery made days ago whose createdAt holds microseconds", async () => {
  const due = await delivery(`date_trunc('second', now()) - interval '3 days' + interval '0.123456 seconds'`);
  expect(due.createdAt.getUTCMilliseconds()).toBe(123);
  await repository.recordMany([record(due, 1, "retrying")], AUTO_DISABLE, new Date());
  await repository.recordMany([record(due, 2, "succeeded")], AUTO_DISABLE, new Date());
  expect((await logOf(due.id)).map((a) => a.number)).toEqual([1, 2]);
  expect(await rowOf(due.id)).toEqual({ status: "succeeded", attemptCount: 2 });
});

it("writes nothing for a delivery deleted during its attempt, and says its webhook is still there", async () => {
  const due = await delivery();
  await h.db.$executeRawUnsafe(`DELETE FROM "Delivery" WHERE id = $1::uuid`, due.id);
  const after = await repository.recordMany([record(due, 1, "succeeded")], AUTO_DISABLE, new Date());
  expect(await logOf(due.id)).toEqual([]);
  expect(after.map((w) => w.id)).toEqual([webhookId]);
});
