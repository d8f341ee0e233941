// Per-user and per-key bounds against real PostgreSQL and Redis (issue 14, item 7): webhooks per user
// (WEBHOOKS_PER_USER) and per key (WEBHOOKS_PER_KEY), also under concurrent creates; every webhook
// listing paged (WEBHOOK_LIST_PAGE_SIZE, WEBHOOK_LIST_MAX_BYTES) for every caller; redeliveries per
// delivery and hour (REDELIVERIES_PER_HOUR, 429 with Retry-After, nothing queued); recover's cap.
import { randomBytes } from "node:crypto";
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { REDELIVER_JOB_NAME } from "@msr-webhooks/queue/delivery-job";
import type { Queue } from "bullmq";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, type UserFixture } from "./support/fixtures.js";
import { seedDeliveries } from "./support/delivery-seed.js";

interface ErrorBody {
  errors: { code: string; message: string; detail?: Record<string, unknown> }[];
}
interface Listed {
  id: string;
}

const PER_USER = 3;
const PER_KEY = 4;
const REDELIVERIES = 2;
const RECOVER_MAX = 2;
const LIST_MAX_BYTES = 262144;
const DEFAULT_PAGE = 100;

let ctx: TestContext;
let org: { id: string; name: string };
let owners: UserFixture[];
let deliveryQueue: Queue;

const user = (u: UserFixture) => as(ctx, u.name, u.password);
const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const errorOf = (body: unknown) => (body as ErrorBody).errors[0]!;

function createBody(key: string, path = key) {
  return { type: "TAG_PUSH", key, endpoint: `http://127.0.0.1:9/${path}`, skipTLSVerification: true };
}

/** A webhook row written straight to the database (past the limits: the listings must bound any count). */
function webhookRow(author: { id: string }, scope: { namespaceId: string; repositoryId: string | null; key: string }, i: number, tlsCert = "") {
  return {
    id: randomBytes(32).toString("hex"),
    type: "TAG_PUSH",
    key: scope.key,
    namespaceId: scope.namespaceId,
    repositoryId: scope.repositoryId,
    endpoint: `https://example.com/limits/${i}`,
    authorId: author.id,
    createdAt: new Date(Date.parse("2026-01-01T00:00:00Z") + i),
    tlsCert,
    signingSecret: `whsec_${randomBytes(24).toString("base64")}`,
  };
}

/** A PEM-shaped text of about `bytes` bytes (64-character lines). */
function bigCert(bytes: number): string {
  const line = "A".repeat(64);
  return `-----BEGIN CERTIFICATE-----\n${Array.from({ length: Math.floor(bytes / 65) }, () => line).join("\n")}\n-----END CERTIFICATE-----\n`;
}

async function redeliverJobs(deliveryId: string): Promise<number> {
  const jobs = await deliveryQueue.getJobs(["waiting", "delayed", "prioritized", "active", "waiting-children"]);
  return jobs.filter((j) => j.name === REDELIVER_JOB_NAME && (j.data as { deliveryId?: string }).deliveryId === deliveryId).length;
}

beforeAll(async () => {
  ctx = await createTestContext({
    WEBHOOKS_PER_USER: String(PER_USER),
    WEBHOOKS_PER_KEY: String(PER_KEY),
    REDELIVERIES_PER_HOUR: String(REDELIVERIES),
    RECOVER_MAX_DELIVERIES: String(RECOVER_MAX),
    WEBHOOK_LIST_MAX_BYTES: String(LIST_MAX_BYTES),
  });
  owners = [];
  for (let i = 0; i < PER_KEY + 6; i += 1) owners.push(await createUser(ctx, `owner${i}`));
  org = await createOrg(ctx, "lim", { owners });
  for (let i = 0; i < PER_USER + 5; i += 1) await createRepo(ctx, org, `r${i}`);
  for (const name of ["shared", "race", "listed", "replay"]) await createRepo(ctx, org, name);
  deliveryQueue = ctx.deps.queues.find((q) => q.name === QUEUE_NAMES.delivery)!;
});

afterAll(async () => {
  await ctx.close();
});

describe("webhooks per user (WEBHOOKS_PER_USER)", () => {
  it("refuses the webhook past the limit with 400 INVALID_WEBHOOK naming the limit, and stores nothing", async () => {
    const u = owners[0]!;
    for (let i = 0; i < PER_USER; i += 1) await user(u).post("/api/v0/webhooks").send(createBody(`lim/r${i}`)).expect(201);
    const res = await user(u).post("/api/v0/webhooks").send(createBody(`lim/r${PER_USER}`)).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { limit: "WEBHOOKS_PER_USER", max: PER_USER } });
    expect(await ctx.deps.services.db.webhook.count({ where: { authorId: u.id } })).toBe(PER_USER);
    // Deleting one makes room for one.
    const own = await user(u).get("/api/v0/webhooks").expect(200);
    await user(u).delete(`/api/v0/webhooks/${(own.body as Listed[])[0]!.id}`).expect(204);
    await user(u).post("/api/v0/webhooks").send(createBody(`lim/r${PER_USER}`)).expect(201);
  });

  it("holds the same limit for a system admin", async () => {
    for (let i = 0; i < PER_USER; i += 1) await admin().post("/api/v0/webhooks").send(createBody(`lim/r${i}`, `admin${i}`)).expect(201);
    const res = await admin().post("/api/v0/webhooks").send(createBody("lim/r4", "admin-over")).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { limit: "WEBHOOKS_PER_USER" } });
  });

  it("lets exactly the limit through when N+5 creates race", async () => {
    const u = owners[1]!;
    const results = await Promise.all(
      Array.from({ length: PER_USER + 5 }, (_, i) => user(u).post("/api/v0/webhooks").send(createBody(`lim/r${i}`, `race${i}`))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(PER_USER);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    for (const r of results.filter((x) => x.status === 400)) expect(errorOf(r.body).detail).toMatchObject({ limit: "WEBHOOKS_PER_USER" });
    expect(await ctx.deps.services.db.webhook.count({ where: { authorId: u.id } })).toBe(PER_USER);
  });
});

describe("webhooks per key (WEBHOOKS_PER_KEY)", () => {
  it("refuses the webhook past the limit across users with 400 INVALID_WEBHOOK naming key", async () => {
    for (let i = 0; i < PER_KEY; i += 1) await user(owners[2 + i]!).post("/api/v0/webhooks").send(createBody("lim/shared")).expect(201);
    const res = await user(owners[2 + PER_KEY]!).post("/api/v0/webhooks").send(createBody("lim/shared")).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "key", limit: "WEBHOOKS_PER_KEY", max: PER_KEY } });
    // The namespace key is a key of its own.
    await user(owners[2 + PER_KEY]!).post("/api/v0/webhooks").send(createBody("lim")).expect(201);
  });

  it("lets exactly the limit through when N+5 users race on one key", async () => {
    const racers = await Promise.all(Array.from({ length: PER_KEY + 5 }, (_, i) => createUser(ctx, `racer${i}`)));
    const db = ctx.deps.services.db;
    await db.orgMember.createMany({ data: racers.map((r) => ({ orgId: org.id, userId: r.id, isOwner: true })) });
    // Each racer signs in once first, so the creates below skip the password hash and overlap.
    await Promise.all(racers.map((r) => user(r).get("/api/v0/webhooks").expect(200)));
    const results = await Promise.all(racers.map((r) => user(r).post("/api/v0/webhooks").send(createBody("lim/race"))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(PER_KEY);
    const refused = results.filter((r) => r.status === 400);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(errorOf(r.body).detail).toMatchObject({ limit: "WEBHOOKS_PER_KEY" });
    expect(await db.webhook.count({ where: { key: "lim/race" } })).toBe(PER_KEY);
  });
});

describe("webhook listings are paged for every caller", () => {
  let listed: { id: string };
  let lister: UserFixture;

  beforeAll(async () => {
    const db = ctx.deps.services.db;
    lister = owners[owners.length - 1]!;
    listed = await db.repository.findFirstOrThrow({ where: { name: "listed", namespaceId: org.id } });
    const scope = { namespaceId: org.id, repositoryId: listed.id, key: "lim/listed" };
    await db.webhook.createMany({ data: Array.from({ length: DEFAULT_PAGE + 30 }, (_, i) => webhookRow(lister, scope, i)) });
  });

  it("answers at most WEBHOOK_LIST_PAGE_SIZE webhooks without paging parameters, on all four listings", async () => {
    for (const [client, path] of [
      [() => user(lister), "/api/v0/webhooks"],
      [admin, "/api/v0/webhooks"],
      [() => user(lister), "/api/v0/repositories/lim/listed/webhooks"],
      [() => user(lister), "/api/v0/accounts/lim/webhooks"],
      [() => user(lister), "/api/v0/repositories/lim/webhooks"],
    ] as const) {
      const res = await client().get(path).expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect((res.body as Listed[]).length).toBe(DEFAULT_PAGE);
      expect(res.headers["x-next-page-start"]).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("continues the repository listing from X-Next-Page-Start, each webhook once", async () => {
    const first = await user(lister).get("/api/v0/repositories/lim/listed/webhooks").expect(200);
    expect(first.body as Listed[]).toHaveLength(DEFAULT_PAGE);
    const next = first.headers["x-next-page-start"] as string;
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    const rest = await user(lister).get(`/api/v0/repositories/lim/listed/webhooks?pageStart=${next}`).expect(200);
    expect(rest.headers["x-next-page-start"]).toBeUndefined();
    const ids = [...(first.body as Listed[]), ...(rest.body as Listed[])].map((w) => w.id);
    expect(new Set(ids).size).toBe(DEFAULT_PAGE + 30);
  });

  it("refuses a pageSize over 1000 on the namespace listing with 400 INVALID_PARAMETERS", async () => {
    const res = await user(lister).get("/api/v0/accounts/lim/webhooks?pageSize=1001").expect(400);
    expect(errorOf(res.body).code).toBe("INVALID_PARAMETERS");
  });

  it("ends a page before WEBHOOK_LIST_MAX_BYTES, however large the webhooks' tlsCert", async () => {
    const db = ctx.deps.services.db;
    const heavy = await createUser(ctx, "heavy");
    const scope = { namespaceId: org.id, repositoryId: null, key: "lim" };
    await db.webhook.createMany({ data: Array.from({ length: 20 }, (_, i) => webhookRow(heavy, scope, i, bigCert(60 * 1024))) });
    const seen = new Set<string>();
    let pageStart: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await as(ctx, heavy.name, heavy.password)
        .get(`/api/v0/webhooks?pageSize=1000${pageStart ? `&pageStart=${pageStart}` : ""}`)
        .expect(200);
      pages += 1;
      expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(LIST_MAX_BYTES);
      expect((res.body as Listed[]).length).toBeGreaterThan(0);
      for (const w of res.body as Listed[]) seen.add(w.id);
      pageStart = res.headers["x-next-page-start"] as string | undefined;
      if (pageStart === undefined) break;
      if (pages > 20) throw new Error("paging does not end");
    }
    expect(seen.size).toBe(20);
    expect(pages).toBeGreaterThan(1);
  });
});

describe("redeliveries per delivery and hour (REDELIVERIES_PER_HOUR)", () => {
  let webhookId: string;

  beforeAll(async () => {
    const u = owners[owners.length - 2]!;
    const res = await user(u).post("/api/v0/webhooks").send(createBody("lim/replay")).expect(201);
    webhookId = (res.body as Listed).id;
  });

  it("answers 429 TOO_MANY_REQUESTS with Retry-After past the limit and queues nothing more", async () => {
    const u = owners[owners.length - 2]!;
    const [id, other] = await seedDeliveries(ctx, webhookId, [
      { createdAt: "2024-03-01T00:00:00Z", status: "failed", attemptCount: 8, reason: "gave up" },
      { createdAt: "2024-03-01T00:00:01Z", status: "failed", attemptCount: 8, reason: "gave up" },
    ]);
    for (let i = 0; i < REDELIVERIES; i += 1) {
      await user(u).post(`/api/v0/webhooks/${webhookId}/deliveries/${id}/redeliver`).expect(202);
      // Each request's job id carries its millisecond.
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await redeliverJobs(id!)).toBe(REDELIVERIES);
    const before = await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } });

    const res = await user(u).post(`/api/v0/webhooks/${webhookId}/deliveries/${id}/redeliver`).expect(429);
    expect(errorOf(res.body)).toMatchObject({ code: "TOO_MANY_REQUESTS", detail: { limit: "REDELIVERIES_PER_HOUR", max: REDELIVERIES } });
    const retryAfter = Number(res.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await redeliverJobs(id!)).toBe(REDELIVERIES);
    const after = await ctx.deps.services.db.delivery.findUniqueOrThrow({ where: { id: id! } });
    expect(after.nextAttemptAt).toEqual(before.nextAttemptAt);
    expect(after.updatedAt).toEqual(before.updatedAt);

    // The count is per delivery: another one of the same webhook is still redelivered.
    await user(u).post(`/api/v0/webhooks/${webhookId}/deliveries/${other}/redeliver`).expect(202);
  });

  it("caps what one recover call reopens at RECOVER_MAX_DELIVERIES", async () => {
    const u = owners[owners.length - 2]!;
    await seedDeliveries(
      ctx,
      webhookId,
      Array.from({ length: RECOVER_MAX + 3 }, (_, i) => ({ createdAt: `2024-04-01T00:00:0${i}Z`, status: "failed", attemptCount: 8 })),
    );
    const res = await user(u).post(`/api/v0/webhooks/${webhookId}/recover`).send({ since: "2024-04-01T00:00:00Z" }).expect(202);
    expect(res.body).toEqual({ count: RECOVER_MAX, capped: true, limit: RECOVER_MAX });
  });
});
