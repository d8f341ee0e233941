// Retention never loses work: rows older than the retention period go only once they are finished.
// A delivery still retrying (an endpoint whose circuit stays open for longer than the period, a
// recovered old delivery), its attempts and its event stay; so does an event not yet fanned out,
// which the reconciler still owes a fan-out. No worker runs here, so nothing changes the rows
// between the seed and the purge.
import { randomUUID } from "node:crypto";
import winston from "winston";
import { Purger } from "../src/maintenance/purge.service.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, insertDelivery, insertEvent, ownerOfFooBar, type AccountRef } from "./support/seed.js";

const DAY = 86_400_000;
const RETENTION = 14 * DAY;

let h: Harness;
let alice: AccountRef;

beforeAll(async () => {
  h = await createHarness();
  alice = await ownerOfFooBar(h.db, "alice");
});

afterAll(async () => {
  await h.close();
});

async function attempt(deliveryId: string, startedAt: Date): Promise<void> {
  await h.db.deliveryAttempt.create({ data: { id: randomUUID(), deliveryId, number: 1, startedAt, durationMs: 5 } });
}

it("keeps unfinished deliveries, their attempts and events, and events not yet fanned out, however old", async () => {
  const webhook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/hook", author: alice });
  const other = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/other", author: alice });
  const old = new Date(Date.now() - 20 * DAY);
  const count = async () => ({
    events: await h.db.event.count(),
    deliveries: await h.db.delivery.count(),
    attempts: await h.db.deliveryAttempt.count(),
  });

  // An old event with one delivery still retrying and one finished.
  const shared = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: old, status: "fanned_out" });
  const retrying = await insertDelivery(h.db, shared, webhook.id, { status: "retrying", attemptCount: 40, nextAttemptAt: new Date(Date.now() + DAY), createdAt: old });
  await attempt(retrying, old);
  const finished = await insertDelivery(h.db, shared, other.id, { status: "failed", nextAttemptAt: null, createdAt: old });
  await attempt(finished, old);
  // An old event with one pending delivery.
  const waiting = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: old, status: "fanned_out" });
  const pending = await insertDelivery(h.db, waiting, webhook.id, { status: "pending", createdAt: old });
  // An old event that was never fanned out.
  const unfanned = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: old, status: "pending" });
  // An old event whose only delivery succeeded: all of it goes.
  const done = await insertEvent(h.db, { namespace: "foo", repository: "bar", receivedAt: old, status: "fanned_out" });
  const succeeded = await insertDelivery(h.db, done, webhook.id, { status: "succeeded", nextAttemptAt: null, createdAt: old });
  await attempt(succeeded, old);
  expect(await count()).toEqual({ events: 4, deliveries: 4, attempts: 3 });

  const logger = winston.createLogger({ silent: true });
  const result = await new Purger(h.sql, RETENTION, logger).run();

  expect(result).toEqual({ attempts: 2, deliveries: 2, events: 1 });
  const left = {
    events: (await h.db.event.findMany({ select: { id: true } })).map((e) => e.id).sort(),
    deliveries: (await h.db.delivery.findMany({ select: { id: true } })).map((d) => d.id).sort(),
    attempts: (await h.db.deliveryAttempt.findMany({ select: { deliveryId: true } })).map((a) => a.deliveryId),
  };
  expect(left).toEqual({
    events: [shared, waiting, unfanned].sort(),
    deliveries: [retrying, pending].sort(),
    attempts: [retrying],
  });

  // Once the retrying delivery ends, the next purge takes it, its attempt and its event.
  await h.db.delivery.update({ where: { id: retrying }, data: { status: "failed", nextAttemptAt: null } });
  expect(await new Purger(h.sql, RETENTION, logger).run()).toEqual({ attempts: 1, deliveries: 1, events: 1 });
  expect(await count()).toEqual({ events: 2, deliveries: 1, attempts: 0 });
});
