// Auto-disable is a rule written once in TypeScript (webhook-health.ts, autoDisableCause) and
// applied inside DeliveryRepository.recordMany's SQL statement. Every combination of what a batch
// brings (success, failure, both orders, 410 Gone) and of what the webhook held (no failingSince,
// failing since before or after the cutoff; failures before or after it) goes through the real
// statement on PostgreSQL, and the webhooks it disabled must be exactly the ones the rule names.
import { randomUUID } from "node:crypto";
import { DeliveryRepository, type AttemptRecord } from "../src/attempts/delivery.repository.js";
import { aggregateHealth, autoDisableCause, type HealthSignal } from "../src/attempts/webhook-health.js";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, insertDelivery, insertEvent } from "./support/seed.js";

const MINUTE = 60_000;
const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
const CUTOFF = new Date(NOW.getTime() - 60 * MINUTE);
/** When the test's deliveries were made. */
const CREATED = new Date(CUTOFF.getTime() - 60 * MINUTE);
const REASON = "no successful delivery for 1h; disabled automatically";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

/** Minutes relative to the cutoff: negative is before it. */
const at = (minutesFromCutoff: number): Date => new Date(CUTOFF.getTime() + minutesFromCutoff * MINUTE);

const BATCHES: Record<string, { at: Date; health: HealthSignal }[]> = {
  "success only": [{ at: at(30), health: { kind: "success" } }],
  "a failure before the cutoff": [{ at: at(-5), health: { kind: "failure" } }],
  "a failure after the cutoff": [{ at: at(5), health: { kind: "failure" } }],
  "a failure at the cutoff": [{ at: at(0), health: { kind: "failure" } }],
  "a success, then a failure": [
    { at: at(-10), health: { kind: "success" } },
    { at: at(-5), health: { kind: "failure" } },
  ],
  "a failure, then a success": [
    { at: at(-10), health: { kind: "failure" } },
    { at: at(5), health: { kind: "success" } },
  ],
  "410 Gone": [{ at: at(30), health: { kind: "gone", reason: "endpoint answered 410 Gone" } }],
};

const FAILING_SINCE: Record<string, Date | null> = {
  "not failing": null,
  "failing since before the cutoff": at(-30),
  "failing since the cutoff": at(0),
  "failing since after the cutoff": at(10),
};

function record(deliveryId: string, webhookId: string, item: { at: Date; health: HealthSignal }): AttemptRecord {
  const failed = item.health.kind !== "success";
  return {
    attemptId: randomUUID(),
    deliveryId,
    deliveryCreatedAt: CREATED,
    webhookId,
    number: 1,
    trigger: "event",
    startedAt: item.at,
    durationMs: 5,
    statusCode: item.health.kind === "gone" ? 410 : failed ? 500 : 200,
    responseHeaders: {},
    responseBody: "",
    errorKind: null,
    errorMessage: null,
    status: item.health.kind === "success" ? "succeeded" : item.health.kind === "gone" ? "failed" : "retrying",
    reason: failed ? "server error" : null,
    nextAttemptAt: item.health.kind === "failure" ? new Date(NOW.getTime() + MINUTE) : null,
    health: item.health,
    now: item.at,
  };
}

it("disables exactly the webhooks the auto-disable rule names, with its reason", async () => {
  const repository = new DeliveryRepository(h.sql);
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "bar");
  const expected = new Map<string, string | null>();
  const names = new Map<string, string>();
  const records: AttemptRecord[] = [];
  let n = 0;
  for (const [batchName, batch] of Object.entries(BATCHES)) {
    for (const [stateName, failingSince] of Object.entries(FAILING_SINCE)) {
      const webhook = await createWebhook(h.db, {
        type: "TAG_PUSH",
        key: "foo/bar",
        endpoint: `http://127.0.0.1:9/hook-${n++}`,
        author: alice,
        failingSince,
      });
      names.set(webhook.id, `${batchName}, ${stateName}`);
      const event = await insertEvent(h.db, { namespace: "foo", repository: "bar" });
      const mine: AttemptRecord[] = [];
      for (const item of batch) mine.push(record(await insertDelivery(h.db, event, webhook.id, { createdAt: CREATED }), webhook.id, item));
      records.push(...mine);
      const [health] = aggregateHealth(mine.map((r) => ({ webhookId: r.webhookId, at: r.now, health: r.health })));
      const cause = autoDisableCause(health!, failingSince, CUTOFF);
      expected.set(webhook.id, cause === null ? null : cause === "gone" ? "endpoint answered 410 Gone" : REASON);
    }
  }

  const after = await repository.recordMany(records, { cutoff: CUTOFF, reason: REASON }, NOW);

  const got = new Map(after.map((w) => [w.id, w.inactive ? w.disabledReason : null]));
  const mismatches = [...expected].filter(([id, reason]) => got.get(id) !== reason).map(([id, reason]) => ({
    case: names.get(id),
    rule: reason,
    sql: got.get(id),
  }));
  expect(mismatches).toEqual([]);
  // The grid holds both outcomes of each half of the rule.
  expect([...expected.values()].filter((r) => r === REASON).length).toBeGreaterThan(0);
  expect([...expected.values()].filter((r) => r === null).length).toBeGreaterThan(0);
});
