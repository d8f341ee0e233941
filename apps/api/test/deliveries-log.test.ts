// The delivery log and replay rules against real PostgreSQL and Redis, with no worker draining
// the queue (so what redeliver and recover leave behind can be looked at): cursor paging over rows
// that share a time to the microsecond, the status filter, attempts attached in order, one
// delivery with its envelope, the redeliver job contract, recover's time boundary and cap, an
// inactive webhook, who may see a log, and bad input.
import { buildEnvelope } from "@msr-webhooks/events/envelope";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { deliveryJobId, QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { REDELIVER_JOB_NAME, REDELIVER_REQUEST_ATTEMPTS } from "@msr-webhooks/queue/delivery-job";
import type { Queue } from "bullmq";
import { DeliveriesRepository } from "../src/repositories/deliveries.repository.js";
import { DeliveriesService } from "../src/services/deliveries.service.js";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createTeam, createUser, grantRepo, type UserFixture } from "./support/fixtures.js";
import { seedAttempt, seedDeliveries } from "./support/delivery-seed.js";
import type { DeliveryPageView as Page } from "../src/schemas/delivery.schemas.js";

interface ErrorBody {
  errors: { code: string; message: string; detail?: { field?: string } }[];
}

let ctx: TestContext;
let maria: UserFixture; // owns the organization foo
let eve: UserFixture; // administers nothing
let dave: UserFixture; // authored a webhook, then lost the admin grant it needed
let webhookId: string;
let otherWebhookId: string;
let daveWebhookId: string;
let deliveryQueue: Queue;

const user = (u: UserFixture) => as(ctx, u.name, u.password);
const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const errorOf = (body: unknown) => (body as ErrorBody).errors[0]!;
const base = (id = webhookId) => `/api/v0/webhooks/${id}`;

async function createHook(u: UserFixture, repo: string): Promise<string> {
  const res = await user(u)
    .post("/api/v0/webhooks")
    .send({ type: "TAG_PUSH", key: `foo/${repo}`, endpoint: `http://127.0.0.1:9/${repo}`, skipTLSVerification: true })
    .expect(201);
  return (res.body as { id: string }).id;
}

/** Every page of the listing, following nextCursor. */
async function walk(query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`;
    const res = await user(maria).get(`${base()}/deliveries?${q}`).expect(200);
    const page = res.body as Page;
    pages.push(page);
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error("paging does not end");
  } while (cursor !== null);
  return pages;
}

/** The webhook's deliveries as PostgreSQL orders them (createdAt to the microsecond, then id). */
async function newestFirst(status?: string): Promise<string[]> {
  const rows = await ctx.deps.services.db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM "Delivery"
     WHERE "webhookId" = ${webhookId} AND (${status ?? null}::text IS NULL OR status = ${status ?? null})
     ORDER BY "createdAt" DESC, id DESC`;
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  // Owners see whole answers here; who sees what is security-response-detail.test.ts.
  ctx = await createTestContext({ RECOVER_MAX_DELIVERIES: "10000", RESPONSE_DETAIL: "everyone" });
  maria = await createUser(ctx, "maria");
  eve = await createUser(ctx, "eve");
  dave = await createUser(ctx, "dave");
  const foo = await createOrg(ctx, "foo", { owners: [maria] });
  await createRepo(ctx, foo, "bar");
  await createRepo(ctx, foo, "other");
  const daves = await createRepo(ctx, foo, "daves");
  const team = await createTeam(ctx, foo, "dave-admins", [dave]);
  await grantRepo(ctx, team, daves, "admin");
  webhookId = await createHook(maria, "bar");
  otherWebhookId = await createHook(maria, "other");
  daveWebhookId = await createHook(dave, "daves");
  await ctx.deps.services.db.repositoryTeamAccess.deleteMany({ where: { teamId: team.id } });
  deliveryQueue = ctx.deps.queues.find((q) => q.name === QUEUE_NAMES.delivery)!;

  // Rows sharing a millisecond, and rows sharing a microsecond, so ties are broken by id.
  const seeds = [
    ...Array.from({ length: 5 }, () => ({ createdAt: "2024-05-01T10:00:00.123456Z" })),
    ...Array.from({ length: 4 }, () => ({ createdAt: "2024-05-01T10:00:00.123457Z", status: "failed", attemptCount: 8, reason: "gave up" })),
    ...Array.from({ length: 4 }, () => ({ createdAt: "2024-05-01T10:00:00.123Z" })),
    ...Array.from({ length: 3 }, () => ({ createdAt: "2024-05-01T10:00:00.123999Z", status: "failed", attemptCount: 8 })),
    { createdAt: "2024-05-01T09:00:00Z", status: "skipped", reason: "subscription is inactive" },
    { createdAt: "2024-05-01T11:00:00Z", status: "retrying", attemptCount: 1, nextAttemptAt: "2024-05-01T11:00:05Z", reason: "http: HTTP 500" },
    { createdAt: "2024-05-01T12:00:00Z", status: "pending", nextAttemptAt: "2024-05-01T12:00:00Z" },
    ...Array.from({ length: 4 }, (_, i) => ({ createdAt: `2024-04-0${i + 1}T00:00:00.000001Z` })),
  ];
  await seedDeliveries(ctx, webhookId, seeds);
});

afterAll(async () => {
  await ctx.close();
});

describe("GET /api/v0/webhooks/{id}/deliveries", () => {
  it("pages newest first with an opaque cursor: no duplicates and no gaps, even across rows of the same microsecond", async () => {
    const pages = await walk("limit=4");
    const expected = await newestFirst();
    expect(expected).toHaveLength(23);
    expect(pages.map((p) => p.deliveries.length)).toEqual([4, 4, 4, 4, 4, 3]);
    const ids = pages.flatMap((p) => p.deliveries.map((d) => d.id));
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    for (const page of pages.slice(0, -1)) {
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      // Opaque: no time or id in clear.
      expect(page.nextCursor).not.toContain("2024");
    }
  });

  it("gives everything on one page by default (50) and with limit=500, nextCursor null", async () => {
    const all = await newestFirst();
    for (const q of ["", "?limit=500"]) {
      const res = await user(maria).get(`${base()}/deliveries${q}`).expect(200);
      const page = res.body as Page;
      expect(page.deliveries.map((d) => d.id)).toEqual(all);
      expect(page.nextCursor).toBeNull();
    }
  });

  it("says there is no next page when the last page is exactly full", async () => {
    const pages = await walk(`limit=${(await newestFirst()).length}`);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.nextCursor).toBeNull();
  });

  it.each(["failed", "succeeded", "pending", "retrying", "skipped"])("filters by status=%s, paging included", async (status) => {
    const pages = await walk(`status=${status}&limit=2`);
    const ids = pages.flatMap((p) => p.deliveries.map((d) => d.id));
    const expected = await newestFirst(status);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
    for (const d of pages.flatMap((p) => p.deliveries)) expect(d.status).toBe(status);
  });

  it("shows each delivery with its attempts in order; unset times are left out, not the zero time", async () => {
    const [id] = await newestFirst("retrying");
    await seedAttempt(ctx, id!, { number: 2, trigger: "manual", statusCode: 200, responseBody: "second" });
    await seedAttempt(ctx, id!, {
      number: 1,
      statusCode: 500,
      responseBody: "first",
      errorKind: "http",
      errorMessage: "HTTP 500",
      startedAt: new Date("2024-05-01T11:00:00.5Z"),
      nextAttemptAt: new Date("2024-05-01T11:00:05Z"),
    });
    const page = (await user(maria).get(`${base()}/deliveries`).expect(200)).body as Page;
    const retrying = page.deliveries.find((d) => d.id === id)!;
    expect(retrying).toMatchObject({
      status: "retrying",
      reason: "http: HTTP 500",
      attemptCount: 1,
      eventType: "TAG_PUSH",
      nextAttemptAt: "2024-05-01T11:00:05Z",
      createdAt: "2024-05-01T11:00:00Z",
    });
    expect(retrying.attempts.map((a) => [a.number, a.trigger, a.statusCode, a.responseBody])).toEqual([
      [1, "scheduled", 500, "first"],
      [2, "manual", 200, "second"],
    ]);
    expect(retrying.attempts[0]).toMatchObject({ startedAt: "2024-05-01T11:00:00.5Z", nextAttemptAt: "2024-05-01T11:00:05Z", errorKind: "http" });
    expect(retrying.attempts[1]).not.toHaveProperty("nextAttemptAt");
    const succeeded = page.deliveries.find((d) => d.status === "succeeded")!;
    expect(succeeded).not.toHaveProperty("nextAttemptAt");
    expect(succeeded.reason).toBeNull();
    expect(succeeded.attempts).toEqual([]);
  });

  it("lets a system admin read any webhook's log", async () => {
    const res = await admin().get(`${base()}/deliveries?limit=1`).expect(200);
    expect((res.body as Page).deliveries).toHaveLength(1);
  });
});

describe("GET /api/v0/webhooks/{id}/deliveries/{deliveryId}", () => {
  it("shows one delivery with the envelope its requests carry", async () => {
    const [id] = await newestFirst("pending");
    const res = await user(maria).get(`${base()}/deliveries/${id}`).expect(200);
    const payload = testPayload("TAG_PUSH", "registry.test:5000");
    expect(res.body).toMatchObject({ id, status: "pending", attempts: [], eventType: "TAG_PUSH" });
    expect((res.body as { payload: unknown }).payload).toEqual(
      buildEnvelope({ type: "TAG_PUSH", createdAt: new Date("2024-05-01T12:00:00Z"), contents: payload.contents, location: payload.location }),
    );
  });

  it("answers 404 NO_SUCH_DELIVERY for an unknown id, a malformed id, and another webhook's delivery", async () => {
    const [foreign] = await seedDeliveries(ctx, otherWebhookId, [{ createdAt: "2024-05-02T00:00:00Z" }]);
    for (const id of ["8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11", "not-a-uuid", foreign!]) {
      const res = await user(maria).get(`${base()}/deliveries/${id}`).expect(404);
      expect(errorOf(res.body).code).toBe("NO_SUCH_DELIVERY");
    }
  });
});

describe("POST /api/v0/webhooks/{id}/deliveries/{deliveryId}/redeliver", () => {
  it("reopens the delivery for an attempt now and queues a redeliver request of a fresh generation", async () => {
    const [id] = await seedDeliveries(ctx, webhookId, [{ createdAt: "2024-03-01T00:00:00Z", status: "failed", attemptCount: 8, reason: "gave up" }]);
    const before = Date.now();
    const res = await user(maria).post(`${base()}/deliveries/${id}/redeliver`).expect(202);
    expect(res.body).toEqual({ id, status: "pending" });
    const row = await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } });
    expect(row).toMatchObject({ status: "pending", reason: null, attemptCount: 8 });
    const at = row.nextAttemptAt!.getTime();
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());

    const job = await deliveryQueue.getJob(deliveryJobId(id!, at));
    expect(job).toBeDefined();
    expect(job!.name).toBe(REDELIVER_JOB_NAME);
    expect(job!.data).toEqual({ deliveryId: id });
    expect(job!.opts).toMatchObject({ attempts: REDELIVER_REQUEST_ATTEMPTS, backoff: { type: "delivery-schedule" }, removeOnComplete: true });

    // A second request while the first is still queued gets a job of its own.
    await new Promise((r) => setTimeout(r, 5));
    await user(maria).post(`${base()}/deliveries/${id}/redeliver`).expect(202);
    const again = await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } });
    expect(again.nextAttemptAt!.getTime()).toBeGreaterThan(at);
    expect(await deliveryQueue.getJob(deliveryJobId(id!, again.nextAttemptAt!.getTime()))).toBeDefined();
    expect(await deliveryQueue.getJob(deliveryJobId(id!))).toBeUndefined();
  });

  it("leaves a first attempt under way without a job (leased by the worker's fan-out) at its lease end: no second attempt beside it", async () => {
    const leaseEnd = new Date(Date.now() + 60_000);
    const [leased, lapsed] = await seedDeliveries(ctx, webhookId, [
      { createdAt: "2024-03-02T00:00:00Z", status: "pending", nextAttemptAt: leaseEnd.toISOString() },
      { createdAt: "2024-03-02T00:00:01Z", status: "pending", nextAttemptAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    const db = ctx.deps.services.db;
    await db.delivery.update({ where: { id: leased! }, data: { leasedUntil: leaseEnd } });
    await db.delivery.update({ where: { id: lapsed! }, data: { leasedUntil: new Date(Date.now() - 1000) } });
    const before = Date.now();
    for (const id of [leased!, lapsed!]) expect((await user(maria).post(`${base()}/deliveries/${id}/redeliver`).expect(202)).body).toEqual({ id, status: "pending" });

    expect((await db.delivery.findUniqueOrThrow({ where: { id: leased! } })).nextAttemptAt!.getTime()).toBe(leaseEnd.getTime());
    // A lease that has run out holds nothing: that delivery is due now, as any other redelivered one.
    const due = (await db.delivery.findUniqueOrThrow({ where: { id: lapsed! } })).nextAttemptAt!.getTime();
    expect(due).toBeGreaterThanOrEqual(before);
    expect(due).toBeLessThanOrEqual(Date.now());
  });

  it("answers 404 NO_SUCH_DELIVERY for an unknown, malformed or foreign delivery, changing nothing", async () => {
    const [foreign] = await seedDeliveries(ctx, otherWebhookId, [{ createdAt: "2024-05-03T00:00:00Z", status: "failed" }]);
    for (const id of ["8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11", "xyz", foreign!]) {
      const res = await user(maria).post(`${base()}/deliveries/${id}/redeliver`).expect(404);
      expect(errorOf(res.body).code).toBe("NO_SUCH_DELIVERY");
    }
    expect((await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: foreign! } })).status).toBe("failed");
  });
});

describe("POST /api/v0/webhooks/{id}/recover", () => {
  it("reopens the failed deliveries created at or after `since`, and only those", async () => {
    const hook = await createHook(maria, "other"); // a webhook of its own, so earlier tests' rows do not count
    const since = "2024-06-01T00:00:00.000001Z";
    const ids = await seedDeliveries(ctx, hook, [
      { createdAt: "2024-06-01T00:00:00Z", status: "failed" }, // a microsecond too early
      { createdAt: since, status: "failed" },
      { createdAt: "2024-06-02T00:00:00Z", status: "failed" },
      { createdAt: "2024-06-03T00:00:00Z", status: "succeeded" },
      { createdAt: "2024-06-03T00:00:00Z", status: "retrying" },
    ]);
    const [foreign] = await seedDeliveries(ctx, otherWebhookId, [{ createdAt: "2024-06-02T00:00:00Z", status: "failed" }]);

    const res = await user(maria).post(`${base(hook)}/recover`).send({ since: "2024-06-01T02:00:00.000001+02:00" }).expect(202);
    expect(res.body).toEqual({ count: 2, capped: false, limit: 10_000 });
    const rows = await ctx.deps.services.db.delivery.findMany({ where: { id: { in: [...ids, foreign!] } } });
    const status = (id: string) => rows.find((r) => r.id === id)!.status;
    expect(ids.map(status)).toEqual(["failed", "pending", "pending", "succeeded", "retrying"]);
    expect(status(foreign!)).toBe("failed");
    for (const id of [ids[1]!, ids[2]!]) {
      const at = rows.find((r) => r.id === id)!.nextAttemptAt!.getTime();
      expect((await deliveryQueue.getJob(deliveryJobId(id, at)))?.name).toBe(REDELIVER_JOB_NAME);
    }
    // Nothing failed is left since then: a second call finds nothing.
    const second = await user(maria).post(`${base(hook)}/recover`).send({ since }).expect(202);
    expect(second.body).toEqual({ count: 0, capped: false, limit: 10_000 });
  });

  it("takes at most the cap per call, oldest first, and says when it was capped", async () => {
    const hook = await createHook(maria, "other");
    const ids = await seedDeliveries(ctx, hook, [
      { createdAt: "2024-07-03T00:00:00Z", status: "failed" },
      { createdAt: "2024-07-01T00:00:00Z", status: "failed" },
      { createdAt: "2024-07-02T00:00:00Z", status: "failed" },
    ]);
    const principal = (await ctx.deps.services.auth.authenticate(maria.name, maria.password))!;
    const capped = new DeliveriesService(new DeliveriesRepository(ctx.deps.services.db), ctx.deps.services.webhooks, deliveryQueue, ctx.deps.log, {
      maxRecover: 2,
    });
    const status = async () =>
      (await ctx.deps.services.db.delivery.findMany({ where: { id: { in: ids } } })).reduce<Record<string, string>>(
        (acc, r) => ({ ...acc, [r.id]: r.status }),
        {},
      );

    expect(await capped.recover(principal, hook, "2024-07-01T00:00:00Z")).toEqual({ count: 2, capped: true, limit: 2 });
    expect(await status()).toEqual({ [ids[0]!]: "failed", [ids[1]!]: "pending", [ids[2]!]: "pending" });
    expect(await capped.recover(principal, hook, "2024-07-01T00:00:00Z")).toEqual({ count: 1, capped: false, limit: 2 });
    expect((await status())[ids[0]!]).toBe("pending");
  });
});

describe("an inactive webhook", () => {
  it("refuses redeliver and recover with 400 INVALID_WEBHOOK naming inactive, changing nothing", async () => {
    const hook = await createHook(maria, "other");
    const [id] = await seedDeliveries(ctx, hook, [{ createdAt: "2024-08-01T00:00:00Z", status: "failed" }]);
    await user(maria).post("/api/v0/webhooks/update").send({ id: hook, inactive: true }).expect(200);

    const redeliver = await user(maria).post(`${base(hook)}/deliveries/${id}/redeliver`).expect(400);
    expect(errorOf(redeliver.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "inactive" } });
    expect(errorOf(redeliver.body).message).toMatch(/inactive.*re-enable/);
    const recover = await user(maria).post(`${base(hook)}/recover`).send({ since: "2024-01-01T00:00:00Z" }).expect(400);
    expect(errorOf(recover.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "inactive" } });
    expect((await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } })).status).toBe("failed");
    // Its log stays readable.
    const page = (await user(maria).get(`${base(hook)}/deliveries`).expect(200)).body as Page;
    expect(page.deliveries.map((d) => d.id)).toEqual([id]);

    await user(maria).post("/api/v0/webhooks/update").send({ id: hook, inactive: false }).expect(200);
    await user(maria).post(`${base(hook)}/deliveries/${id}/redeliver`).expect(202);
  });
});

describe("who may read and replay a log", () => {
  type Client = ReturnType<typeof anon>;
  // Each operation of the log, called by `client` on webhook `id`.
  const calls = (id: string, deliveryId: string) =>
    [
      (c: Client) => c.get(`/api/v0/webhooks/${id}/deliveries`),
      (c: Client) => c.get(`/api/v0/webhooks/${id}/deliveries/${deliveryId}`),
      (c: Client) => c.post(`/api/v0/webhooks/${id}/deliveries/${deliveryId}/redeliver`),
      (c: Client) => c.post(`/api/v0/webhooks/${id}/recover`).send({ since: "2024-01-01T00:00:00Z" }),
    ] as const;

  it("answers 404 NO_SUCH_WEBHOOK to a user who cannot see the webhook, changing nothing", async () => {
    const [id] = await seedDeliveries(ctx, webhookId, [{ createdAt: "2024-09-01T00:00:00Z", status: "failed" }]);
    for (const call of calls(webhookId, id!)) {
      const res = await call(user(eve)).expect(404);
      expect(errorOf(res.body).code).toBe("NO_SUCH_WEBHOOK");
    }
    expect((await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } })).status).toBe("failed");
  });

  it("answers 404 NO_SUCH_WEBHOOK for a webhook that does not exist, even to a system admin", async () => {
    for (const call of calls("f".repeat(64), "8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11")) {
      const res = await call(admin()).expect(404);
      expect(errorOf(res.body).code).toBe("NO_SUCH_WEBHOOK");
    }
  });

  it("answers 403 NOT_AUTHORIZED to the author who no longer administers what it is subscribed to", async () => {
    const [id] = await seedDeliveries(ctx, daveWebhookId, [{ createdAt: "2024-09-01T00:00:00Z", status: "failed" }]);
    for (const call of calls(daveWebhookId, id!)) {
      const res = await call(user(dave)).expect(403);
      expect(errorOf(res.body).code).toBe("NOT_AUTHORIZED");
    }
  });

  it("answers 401 to anonymous callers", async () => {
    for (const call of calls(webhookId, "8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11")) {
      const res = await call(anon(ctx)).expect(401);
      expect(errorOf(res.body).code).toBe("NOT_AUTHENTICATED");
    }
  });
});

describe("bad input", () => {
  const forged = (text: string) => Buffer.from(text).toString("base64url");

  it.each([
    ["a cursor that is not base64url", "cursor=%21%21%21", "cursor"],
    ["a cursor that decodes to nothing of ours", `cursor=${forged("hello")}`, "cursor"],
    ["a cursor of another version", `cursor=${forged("2|2024-05-01T10:00:00.123456Z|8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11")}`, "cursor"],
    ["a cursor with 30 February", `cursor=${forged("1|2024-02-30T10:00:00.123456Z|8a4f6a59-3f7b-4f0e-9d7e-0d0c5b7e2a11")}`, "cursor"],
    ["a cursor with a bad id", `cursor=${forged("1|2024-05-01T10:00:00.123456Z|8a4f6a59")}`, "cursor"],
    ["an empty cursor", "cursor=", "cursor"],
    ["limit=0", "limit=0", "limit"],
    ["limit=501", "limit=501", "limit"],
    ["limit=abc", "limit=abc", "limit"],
    ["limit=1.5", "limit=1.5", "limit"],
    ["an unknown status", "status=lost", "status"],
    ["two statuses", "status=failed&status=pending", "status"],
  ])("refuses %s on the listing with 400 INVALID_PARAMETERS naming the field", async (_what, query, field) => {
    const res = await user(maria).get(`${base()}/deliveries?${query}`).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
  });

  it.each([
    ["a word", { since: "yesterday" }],
    ["month 13", { since: "2024-13-01T00:00:00Z" }],
    ["no time zone", { since: "2024-05-01T12:00:00" }],
    ["a date only", { since: "2024-05-01" }],
    ["a time in the future", { since: new Date(Date.now() + 3_600_000).toISOString() }],
    ["a number", { since: 1714557600 }],
    ["no since", {}],
    ["an unknown field", { since: "2024-05-01T00:00:00Z", status: "failed" }],
  ])("refuses a recover with %s: 400 INVALID_PARAMETERS", async (_what, body) => {
    const [id] = await seedDeliveries(ctx, otherWebhookId, [{ createdAt: new Date().toISOString(), status: "failed" }]);
    const res = await user(maria).post(`${base(otherWebhookId)}/recover`).send(body).expect(400);
    const error = errorOf(res.body);
    expect(error.code).toBe("INVALID_PARAMETERS");
    expect(error.detail?.field).toMatch(/^(since|status)$/);
    expect((await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } })).status).toBe("failed");
  });
});
