// Attempts, retries and endpoint health: retried failures are recorded attempt by attempt, a
// never-succeeding endpoint fails after the configured attempts, 410 disables at once, 429's
// Retry-After is waited out, long-failing endpoints are disabled, inactive subscriptions are
// skipped, and a deferral by the endpoint gate spends no attempt.
import { deliveryJobId } from "@msr-webhooks/queue/names";
import { startReceiver } from "@msr-webhooks/testing/receiver";
import { loadConfig } from "../src/config.js";
import { deliveryJob } from "../src/attempts/delivery-job.js";
import type { Admission, EndpointGate } from "../src/attempts/endpoint-gate.js";
import { eventIdForJob } from "../src/ingest/ingest.processor.js";
import { createHarness } from "./support/harness.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { jobOver } from "./support/jobs.js";
import { createRepo, createWebhook, insertDelivery, insertEvent, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { scriptedReplies } from "./support/scripted-replies.js";
import { waitUntil } from "./support/wait.js";

let alice: AccountRef;
const { replies, counts, handler } = scriptedReplies();

const t = useHarnessWithReceiver({
  receiver: {
    handler,
  },
});

beforeAll(async () => {
  alice = await ownerOfFooBar(t.h.db, "alice");
  await t.h.startWorker();
});

function hook(name: string, extra: Partial<Parameters<typeof createWebhook>[1]> = {}) {
  return createWebhook(t.h.db, { type: "TAG_PUSH", key: `foo/${name}`, endpoint: `${t.receiver.url}/${name}`, author: alice, ...extra });
}

/** Each test uses its own repository, so only its own webhook matches its event. Returns the event's id. */
async function publishFor(repo: string): Promise<string> {
  const ns = await t.h.db.account.findUniqueOrThrow({ where: { name: "foo" } });
  if (!(await t.h.db.repository.findFirst({ where: { namespaceId: ns.id, name: repo } }))) await createRepo(t.h.db, ns, repo);
  return eventIdForJob(await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", repo) }));
}

function settled(webhookId: string, statuses: string[] = ["succeeded", "failed", "skipped"]) {
  return waitUntil(
    () =>
      t.h.db.delivery.findFirst({
        where: { webhookId, status: { in: statuses } },
        include: { attempts: { orderBy: { number: "asc" } }, webhook: true },
      }),
    { what: `delivery for ${webhookId} to settle` },
  );
}

/** The delivery's job has run for the last time: nothing more will attempt it. */
function deliveryOver(deliveryId: string): Promise<string> {
  return jobOver(t.h.queues.delivery, deliveryJobId(deliveryId), `delivery ${deliveryId}'s job`);
}

it("retries a failing endpoint: fails twice then succeeds gives 3 attempt rows and moves lastSuccessfulAt", async () => {
  replies.set("/flaky", (n) => (n <= 2 ? { status: 500, body: `boom ${n}` } : { status: 204 }));
  const before = new Date(Date.now() - 86_400_000);
  const w = await hook("flaky", { lastSuccessfulAt: before });
  await publishFor("flaky");
  const d = await settled(w.id);

  expect(d.status).toBe("succeeded");
  expect(d.attemptCount).toBe(3);
  expect(d.nextAttemptAt).toBeNull();
  expect(d.attempts.map((a) => [a.number, a.statusCode, a.errorKind])).toEqual([
    [1, 500, "http"],
    [2, 500, "http"],
    [3, 204, null],
  ]);
  expect(d.attempts[0]!.responseBody).toBe("boom 1");
  expect(d.attempts[2]!.nextAttemptAt).toBeNull();
  // Each attempt carries its delivery's webhook (the API's health panel counts attempts by it).
  expect(d.attempts.map((a) => a.webhookId)).toEqual([w.id, w.id, w.id]);
  // The schedule is 100ms, 200ms with +/-20% jitter, counted from the end of the failed attempt;
  // each retry started no earlier than the time its predecessor recorded for it.
  for (const [i, delay] of [[0, 100], [1, 200]] as const) {
    const failed = d.attempts[i]!;
    expect(failed.nextAttemptAt!.getTime() - failed.startedAt.getTime()).toBeGreaterThanOrEqual(0.8 * delay);
    expect(d.attempts[i + 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(failed.nextAttemptAt!.getTime());
  }
  expect(d.webhook.lastSuccessfulAt!.getTime()).toBeGreaterThan(before.getTime());
  expect(d.webhook.lastSuccessfulAt!.getTime()).toBeGreaterThanOrEqual(d.attempts[2]!.startedAt.getTime());
  expect(d.webhook.failingSince).toBeNull();
  expect(d.webhook.inactive).toBe(false);
});

it("fails a delivery after the configured attempts when the endpoint never succeeds", async () => {
  replies.set("/dead", () => ({ status: 503 }));
  const w = await hook("dead");
  await publishFor("dead");
  const d = await settled(w.id);

  expect(d.status).toBe("failed");
  expect(d.attemptCount).toBe(3);
  expect(d.attempts).toHaveLength(3);
  expect(d.reason).toBe("gave up after 3 attempts: http: HTTP 503");
  expect(counts.get("/dead")).toBe(3);
  // Failing, but not for long: recorded, not disabled.
  expect(d.webhook.failingSince).not.toBeNull();
  expect(d.webhook.inactive).toBe(false);
  expect(await deliveryOver(d.id)).toBe("failed");
  expect(counts.get("/dead")).toBe(3);
});

it("disables the subscription at once on 410 Gone", async () => {
  replies.set("/gone", () => ({ status: 410 }));
  const w = await hook("gone");
  await publishFor("gone");
  const d = await settled(w.id);

  expect(d.status).toBe("failed");
  expect(d.attempts).toHaveLength(1);
  expect(d.reason).toBe("endpoint answered 410 Gone: subscription disabled");
  expect(d.webhook).toMatchObject({ inactive: true, disabledReason: "endpoint answered 410 Gone" });
  expect(d.webhook.disabledAt).not.toBeNull();

  // A later event is fanned out without a delivery for the disabled subscription.
  const later = await publishFor("gone");
  await waitUntil(async () => (await t.h.db.event.findUnique({ where: { id: later } }))?.status === "fanned_out", { what: "the later event's fan-out" });
  expect(await t.h.db.delivery.count({ where: { webhookId: w.id } })).toBe(1);
  // Its one attempt was made by the fan-out without a job, and no retry was queued after it.
  expect(await t.h.queues.delivery.getJobState(deliveryJobId(d.id))).toBe("unknown");
  expect(counts.get("/gone")).toBe(1);
});

it("waits at least the Retry-After of a 429 before the next attempt", async () => {
  replies.set("/busy", (n) => (n === 1 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 200 }));
  const w = await hook("busy");
  await publishFor("busy");
  const d = await settled(w.id);

  expect(d.status).toBe("succeeded");
  expect(d.attempts).toHaveLength(2);
  const [first, second] = d.attempts;
  expect(first!.responseHeaders).toMatchObject({ "retry-after": "1" });
  // Retry-After (1 s) rather than the schedule's 100 ms, and the retry waited for it.
  expect(first!.nextAttemptAt!.getTime() - first!.startedAt.getTime()).toBeGreaterThanOrEqual(1000);
  expect(second!.startedAt.getTime()).toBeGreaterThanOrEqual(first!.nextAttemptAt!.getTime());
});

it("disables a subscription that has been failing for longer than AUTO_DISABLE_AFTER", async () => {
  replies.set("/stale", () => ({ status: 500 }));
  const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000);
  const w = await hook("stale", { failingSince: sixDaysAgo, lastSuccessfulAt: new Date(Date.now() - 7 * 86_400_000) });
  await publishFor("stale");
  const d = await settled(w.id, ["failed"]);

  expect(d.attempts).toHaveLength(1);
  expect(d.webhook.inactive).toBe(true);
  expect(d.webhook.disabledReason).toBe("no successful delivery for 5 days; disabled automatically");
  expect(d.webhook.failingSince!.getTime()).toBe(sixDaysAgo.getTime());
  expect(d.reason).toMatch(/^subscription is inactive \(no successful delivery for 5 days; disabled automatically\) after: http: HTTP 500$/);
  // Its one attempt was made by the fan-out without a job, and no retry was queued after it.
  expect(await t.h.queues.delivery.getJobState(deliveryJobId(d.id))).toBe("unknown");
  expect(counts.get("/stale")).toBe(1);
});

it("does not attempt deliveries of an inactive subscription: pending ones are skipped, failing ones failed", async () => {
  const w = await hook("paused", { inactive: true });
  await t.h.db.webhook.update({ where: { id: w.id }, data: { disabledReason: "endpoint answered 410 Gone" } });
  const eventId = await insertEvent(t.h.db, { namespace: "foo", repository: "paused", status: "fanned_out" });
  const pending = await insertDelivery(t.h.db, eventId, w.id);
  const otherEvent = await insertEvent(t.h.db, { namespace: "foo", repository: "paused", status: "fanned_out" });
  const retrying = await insertDelivery(t.h.db, otherEvent, w.id, { status: "retrying", attemptCount: 1 });
  const policy = loadConfig(t.h.env).retry;
  await t.h.queues.delivery.addBulk([deliveryJob(pending, policy), deliveryJob(retrying, policy)]);

  const skipped = await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: pending, status: "skipped" } }), { what: "the pending delivery to be skipped" });
  expect(skipped.reason).toBe("subscription is inactive (endpoint answered 410 Gone)");
  const failed = await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: retrying, status: "failed" } }), { what: "the retrying delivery to fail" });
  expect(failed.attemptCount).toBe(1);
  expect(await t.h.db.deliveryAttempt.count({ where: { deliveryId: { in: [pending, retrying] } } })).toBe(0);
  expect(counts.get("/paused")).toBeUndefined();
});

it("gives up at once when the request cannot be signed (a corrupt stored secret)", async () => {
  const w = await hook("badsecret", { signingSecret: "whsec_not base64!" });
  await publishFor("badsecret");
  const d = await settled(w.id);
  expect(d.status).toBe("failed");
  expect(d.attempts).toHaveLength(1);
  expect(d.attempts[0]).toMatchObject({ errorKind: "other", statusCode: null });
  expect(d.reason).toMatch(/^cannot build the request: signing secret is not valid base64/);
  expect(counts.get("/badsecret")).toBeUndefined();
});

it("survives the subscription being deleted while its attempt is in flight", async () => {
  let deleted: string | null = null;
  const w = await hook("deleting");
  replies.set("/deleting", async (n) => {
    await t.h.db.webhook.delete({ where: { id: w.id } });
    deleted = String(t.receiver.requests.filter((r) => r.path === "/deleting")[n - 1]!.headers["webhook-id"]);
    return { status: 200 };
  });
  await publishFor("deleting");
  const deliveryId = await waitUntil(() => deleted, { what: "the webhook to be deleted" });
  // The attempt's job ends (finding its delivery gone) without bringing anything back.
  expect(await deliveryOver(deliveryId)).toBe("unknown");
  expect(await t.h.db.delivery.count({ where: { webhookId: w.id } })).toBe(0);
  expect(await t.h.db.deliveryAttempt.count({ where: { deliveryId } })).toBe(0);
  // The worker carries on.
  const next = await hook("after-delete");
  await publishFor("after-delete");
  expect((await settled(next.id)).status).toBe("succeeded");
});

it("records a redelivery job (a later generation of the delivery's job) as a manual attempt", async () => {
  const w = await hook("again");
  await publishFor("again");
  const first = await settled(w.id, ["succeeded"]);
  // What a redeliver does: reopen the row, queue a job of the next generation.
  await t.h.db.delivery.update({ where: { id: first.id }, data: { status: "pending", nextAttemptAt: new Date() } });
  await t.h.queues.delivery.add("deliver", { deliveryId: first.id }, { jobId: deliveryJobId(first.id, 1) });
  const again = await waitUntil(async () => {
    const d = await settled(w.id, ["succeeded"]);
    return d.attempts.length === 2 && d;
  }, { what: "the redelivery's attempt" });
  expect(again.attempts.map((a) => [a.number, a.trigger])).toEqual([
    [1, "scheduled"],
    [2, "manual"],
  ]);
  expect(counts.get("/again")).toBe(2);
});

it("runs a retry scheduled far ahead now when a redeliver job arrives, without a second job attempting", async () => {
  const w = await hook("later");
  const eventId = await insertEvent(t.h.db, { namespace: "foo", repository: "later", status: "fanned_out" });
  const deliveryId = await insertDelivery(t.h.db, eventId, w.id, { status: "retrying", attemptCount: 1, nextAttemptAt: new Date(Date.now() + 3_600_000) });
  const policy = loadConfig(t.h.env).retry;
  const canonical = deliveryJob(deliveryId, policy);
  await t.h.queues.delivery.add(canonical.name, canonical.data, { ...canonical.opts, delay: 3_600_000 });
  // What a redeliver does: reopen the row for now, queue a job of the next generation.
  await t.h.db.delivery.update({ where: { id: deliveryId }, data: { nextAttemptAt: new Date() } });
  await t.h.queues.delivery.add("deliver", { deliveryId }, { jobId: deliveryJobId(deliveryId, 1) });
  const d = await waitUntil(
    () => t.h.db.delivery.findFirst({ where: { id: deliveryId, status: "succeeded" }, include: { attempts: true } }),
    { what: "the redelivered retry to succeed" },
  );
  expect(d.attempts.map((a) => a.number)).toEqual([2]);
  expect(counts.get("/later")).toBe(1);
  expect(await t.h.queues.delivery.getJobState(deliveryJobId(deliveryId))).toBe("unknown");
});

describe("the endpoint gate", () => {
  class DeferOnce implements EndpointGate {
    deferred = 0;
    retryAt: Date | null = null;
    released: boolean[] = [];
    admit(_webhookId: string, now: Date): Admission {
      if (this.deferred > 0) return { admitted: true };
      this.deferred += 1;
      this.retryAt = new Date(now.getTime() + 400);
      return { admitted: false, retryAt: this.retryAt, reason: "circuit open" };
    }
    release(_webhookId: string, ok: boolean): void {
      this.released.push(ok);
    }
  }

  it("defers an attempt without spending it", async () => {
    const gated = await createHarness();
    const gateReceiver = await startReceiver();
    try {
      const gate = new DeferOnce();
      const bob = await ownerOfFooBar(gated.db, "bob");
      const w = await createWebhook(gated.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${gateReceiver.url}/x`, author: bob });
      await gated.startWorker({}, { gate });
      await gated.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
      const d = await waitUntil(
        () => gated.db.delivery.findFirst({ where: { webhookId: w.id, status: "succeeded" }, include: { attempts: true } }),
        { what: "the deferred delivery to succeed" },
      );
      expect(gate.deferred).toBe(1);
      expect(gate.released).toEqual([true]);
      expect(d.attemptCount).toBe(1);
      expect(d.attempts.map((a) => a.number)).toEqual([1]);
      // The one attempt came when the gate said, not before.
      expect(d.attempts[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(gate.retryAt!.getTime());
      expect(gateReceiver.requests).toHaveLength(1);
    } finally {
      await gateReceiver.close();
      await gated.close();
    }
  });
});
