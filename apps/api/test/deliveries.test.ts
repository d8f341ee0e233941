// The delivery log and replay end to end: events published through the API, the real worker
// (built from apps/worker and run as a process, with a one-retry schedule) delivering to loopback
// receivers, and the log read and replayed through the API. Each scenario has a receiver of its
// own, so the worker's per-endpoint circuit breaker never mixes them.
import { startReceiver, type Receiver, type ReceiverHandler } from "@msr-webhooks/testing/receiver";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, type UserFixture } from "./support/fixtures.js";
import { seedDeliveries } from "./support/delivery-seed.js";
import { queuesDrained, waitUntil } from "./support/wait.js";
import { startWorker, type WorkerProcess } from "./support/worker-process.js";
import type { DeliveryPageView as Page, DeliveryView as Delivery } from "../src/schemas/delivery.schemas.js";

const HOST = "registry.test:5000";
const RETRY_DELAY_MS = 200;

let ctx: TestContext;
let maria: UserFixture; // owns the organization foo and every webhook here
let worker: WorkerProcess;
const receivers: Receiver[] = [];

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const owner = () => as(ctx, maria.name, maria.password);

async function receiver(handler: ReceiverHandler): Promise<Receiver> {
  const r = await startReceiver({ handler });
  receivers.push(r);
  return r;
}

async function createHook(repo: string, endpoint: string): Promise<string> {
  const res = await owner()
    .post("/api/v0/webhooks")
    .send({ type: "TAG_PUSH", key: `foo/${repo}`, endpoint, skipTLSVerification: true })
    .expect(201);
  return (res.body as { id: string }).id;
}

/** Publishes a TAG_PUSH of foo/<repo>:<tag> through the API; returns the event id. */
async function publish(repo: string, tag: string): Promise<string> {
  const contents = { ...testPayload("TAG_PUSH", HOST).contents, repository: repo, tag };
  const res = await admin().post("/api/v0/events").send({ type: "TAG_PUSH", contents }).expect(202);
  return (res.body as { id: string }).id;
}

async function listAll(webhookId: string, query = ""): Promise<Delivery[]> {
  const res = await owner().get(`/api/v0/webhooks/${webhookId}/deliveries?limit=500${query}`).expect(200);
  return (res.body as Page).deliveries;
}

/** The log once `count` deliveries are all in one of `statuses`. */
function settled(webhookId: string, count: number, statuses: string[], extra: (d: Delivery) => boolean = () => true) {
  return waitUntil(`${count} deliveries ${statuses.join("/")}`, async () => {
    const list = await listAll(webhookId);
    return list.length === count && list.every((d) => statuses.includes(d.status) && extra(d)) && list;
  });
}

const tagOf = (body: string): string => (JSON.parse(body) as { contents: { tag: string } }).contents.tag;

beforeAll(async () => {
  // Owners see whole answers here; who sees what is security-response-detail.test.ts.
  ctx = await createTestContext({ RECOVER_MAX_DELIVERIES: "10000", RESPONSE_DETAIL: "everyone" });
  maria = await createUser(ctx, "maria");
  const foo = await createOrg(ctx, "foo", { owners: [maria] });
  for (const repo of ["flaky", "filtered", "dead", "quiet"]) await createRepo(ctx, foo, repo);
  worker = await startWorker(ctx, { RETRY_SCHEDULE: `${RETRY_DELAY_MS}ms`, RETRY_JITTER: "0" });
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await ctx?.close();
});

describe("a receiver that fails once, then succeeds", () => {
  let flaky: Receiver;
  let webhookId: string;
  let delivery: Delivery;

  beforeAll(async () => {
    flaky = await receiver((_req, n) =>
      n === 1 ? { status: 500, headers: { "content-type": "text/plain" }, body: "try again" } : { status: 200, body: "ok" },
    );
    webhookId = await createHook("flaky", `${flaky.url}/hook`);
    await publish("flaky", "v1");
    delivery = (await settled(webhookId, 1, ["succeeded"]))[0]!;
  });

  it("lists the delivery with both attempts, as the worker recorded them", async () => {
    expect(delivery).toMatchObject({ eventType: "TAG_PUSH", status: "succeeded", reason: null, attemptCount: 2 });
    expect(delivery).not.toHaveProperty("nextAttemptAt");
    const [first, second] = delivery.attempts;
    expect(delivery.attempts).toHaveLength(2);
    expect(first).toMatchObject({
      number: 1,
      trigger: "scheduled",
      statusCode: 500,
      responseBody: "try again",
      errorKind: "http",
      errorMessage: "HTTP 500",
    });
    expect(first!.responseHeaders["content-type"]).toBe("text/plain");
    // The retry was due RETRY_DELAY_MS after the failure, and was made then, not before.
    const due = Date.parse(first!.nextAttemptAt!);
    expect(due).toBeGreaterThanOrEqual(Date.parse(first!.startedAt) + RETRY_DELAY_MS);
    expect(Date.parse(second!.startedAt)).toBeGreaterThanOrEqual(due - 1000);
    expect(second).toMatchObject({ number: 2, trigger: "scheduled", statusCode: 200, responseBody: "ok", errorKind: null, errorMessage: null });
    expect(second).not.toHaveProperty("nextAttemptAt");
    expect(flaky.requests.map((r) => r.headers["webhook-id"])).toEqual([delivery.id, delivery.id]);
  });

  it("shows the delivery with the envelope that was sent", async () => {
    const res = await owner().get(`/api/v0/webhooks/${webhookId}/deliveries/${delivery.id}`).expect(200);
    const detail = res.body as Delivery & { payload: unknown };
    expect(detail.attempts).toEqual(delivery.attempts);
    expect(detail.payload).toEqual(JSON.parse(flaky.requests[1]!.body));
  });

  it("redelivers a succeeded delivery: a new request with the same webhook-id, logged as a manual attempt", async () => {
    const res = await owner().post(`/api/v0/webhooks/${webhookId}/deliveries/${delivery.id}/redeliver`).expect(202);
    expect(res.body).toEqual({ id: delivery.id, status: "pending" });
    const [again] = await settled(webhookId, 1, ["succeeded"], (d) => d.attempts.length === 3);
    expect(again!.attempts.map((a) => [a.number, a.trigger, a.statusCode])).toEqual([
      [1, "scheduled", 500],
      [2, "scheduled", 200],
      [3, "manual", 200],
    ]);
    expect(again!.attemptCount).toBe(3);
    const requests = await flaky.waitFor(3);
    expect(requests[2]!.headers["webhook-id"]).toBe(delivery.id);
    expect(requests[2]!.body).toBe(requests[1]!.body);
    // Exactly one new request: once the worker has nothing left queued, the redelivery is seen
    // not to have started a second line of attempts.
    await queuesDrained(ctx);
    expect(flaky.requests).toHaveLength(3);
  });
});

describe("the status filter over real outcomes", () => {
  it("separates what failed from what succeeded, and pages through both", async () => {
    const r = await receiver((req) => (tagOf(req.body).startsWith("bad") ? { status: 503 } : { status: 204 }));
    const webhookId = await createHook("filtered", `${r.url}/hook`);
    for (const tag of ["good1", "bad1", "good2", "bad2", "good3"]) await publish("filtered", tag);
    await settled(webhookId, 5, ["succeeded", "failed"]);

    const failed = await listAll(webhookId, "&status=failed");
    expect(failed).toHaveLength(2);
    for (const d of failed) {
      expect(d.attempts.map((a) => [a.number, a.statusCode])).toEqual([
        [1, 503],
        [2, 503],
      ]);
      expect(d.reason).toMatch(/^gave up after 2 attempts/);
    }
    const succeeded = await listAll(webhookId, "&status=succeeded");
    expect(succeeded).toHaveLength(3);
    expect(succeeded.every((d) => d.attempts.length === 1 && d.attempts[0]!.statusCode === 204)).toBe(true);
    expect(await listAll(webhookId, "&status=retrying")).toEqual([]);

    // Newest first, two per page: the pages together are the whole list, once each.
    const all = await listAll(webhookId);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? "limit=2" : `limit=2&cursor=${cursor}`;
      const page = (await owner().get(`/api/v0/webhooks/${webhookId}/deliveries?${q}`).expect(200)).body as Page;
      paged.push(...page.deliveries.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.map((d) => d.id));
    const created = all.map((d) => Date.parse(d.createdAt));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });
});

describe("recover after a receiver that failed everything", () => {
  it("re-sends every failed delivery since the given time, and nothing else", async () => {
    let failing = true;
    const dead = await receiver(() => ({ status: failing ? 500 : 200 }));
    const webhookId = await createHook("dead", `${dead.url}/hook`);
    const quietId = await createHook("quiet", `${dead.url}/quiet`);
    const since = new Date(Date.now() - 1000).toISOString();
    for (const tag of ["a", "b", "c"]) await publish("dead", tag);
    const failed = await settled(webhookId, 3, ["failed"]);
    expect(failed.every((d) => d.attempts.length === 2)).toBe(true);
    expect(dead.requests).toHaveLength(6);
    // Failed before `since`, and failed for another webhook: neither is recovered.
    const [older] = await seedDeliveries(ctx, webhookId, [{ createdAt: "2024-01-01T00:00:00Z", status: "failed", attemptCount: 2 }]);
    const [other] = await seedDeliveries(ctx, quietId, [{ createdAt: new Date().toISOString(), status: "failed", attemptCount: 2 }]);

    failing = false;
    const res = await owner().post(`/api/v0/webhooks/${webhookId}/recover`).send({ since }).expect(202);
    expect(res.body).toEqual({ count: 3, capped: false, limit: 10_000 });

    const recovered = await settled(webhookId, 4, ["succeeded", "failed"], (d) => d.id === older || d.status === "succeeded");
    for (const d of recovered.filter((x) => x.id !== older)) {
      expect(d.attempts.map((a) => [a.number, a.trigger, a.statusCode])).toEqual([
        [1, "scheduled", 500],
        [2, "scheduled", 500],
        [3, "manual", 200],
      ]);
    }
    const resent = (await dead.waitFor(9)).slice(6);
    expect(resent.map((r) => r.headers["webhook-id"]).sort()).toEqual(failed.map((d) => d.id).sort());
    expect(resent.every((r) => r.path === "/hook")).toBe(true);
    const untouched = await ctx.deps.services.db.delivery.findMany({ where: { id: { in: [older!, other!] } }, include: { attempts: true } });
    expect(untouched.map((d) => [d.status, d.attempts.length])).toEqual([
      ["failed", 0],
      ["failed", 0],
    ]);
    // Nothing left queued: the three re-sends were all the recovery sent.
    await queuesDrained(ctx);
    expect(dead.requests).toHaveLength(9);
  });
});
