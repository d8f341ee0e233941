// GET /api/v0/webhooks/{id}/stats (the console's health panel) and GET /api/v0/admin/overview:
// only attempts started in the window count (an old delivery redelivered now counts with its new
// attempt only), the percentiles are of attempt durations, the circuit follows the failure streak
// the worker records, and only whoever may manage the webhook (or a system admin) may look.
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";
import { seedAttempt, seedDeliveries } from "./support/delivery-seed.js";

interface Stats {
  webhook: { id: string; inactive: boolean };
  attempts: number;
  succeeded: number;
  successRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  hourly: { hour: string; attempts: number; succeeded: number }[];
  circuit: string;
  disabledReason: string | null;
}

let ctx: TestContext;
let other: UserFixture;
let webhookId: string;
const MINUTE = 60_000;
const now = Date.now();
const ago = (ms: number): Date => new Date(now - ms);

async function attempt(deliveryId: string, number: number, startedAt: Date, durationMs: number, statusCode: number): Promise<void> {
  await seedAttempt(ctx, deliveryId, { number, trigger: number === 1 ? "scheduled" : "manual", startedAt, durationMs, statusCode });
}

beforeAll(async () => {
  ctx = await createTestContext();
  other = await createUser(ctx, "outsider");
  const res = await as(ctx, ADMIN.username, ADMIN.password)
    .post("/api/v0/webhooks")
    .send({ type: "TAG_PUSH", key: "", endpoint: "https://127.0.0.1:1/hook" })
    .expect(201);
  webhookId = (res.body as { id: string }).id;
  // Ten recent deliveries: 10..100 ms, the last two answered 500.
  const recent = await seedDeliveries(ctx, webhookId, Array.from({ length: 10 }, () => ({ createdAt: ago(20 * MINUTE).toISOString() })));
  for (const [i, id] of recent.entries()) await attempt(id, 1, ago(20 * MINUTE), (i + 1) * 10, i >= 8 ? 500 : 200);
  // Three days old, never touched since: out of the window.
  const [old] = await seedDeliveries(ctx, webhookId, [{ createdAt: ago(3 * 24 * 60 * MINUTE).toISOString() }]);
  await attempt(old!, 1, ago(3 * 24 * 60 * MINUTE), 5000, 500);
  // Three days old, redelivered ten minutes ago (recording the attempt set updatedAt, as the worker does).
  const [redelivered] = await seedDeliveries(ctx, webhookId, [{ createdAt: ago(3 * 24 * 60 * MINUTE).toISOString() }]);
  await attempt(redelivered!, 1, ago(3 * 24 * 60 * MINUTE), 7000, 500);
  await attempt(redelivered!, 2, ago(10 * MINUTE), 110, 200);
  await ctx.deps.services.db.delivery.update({ where: { id: redelivered! }, data: { updatedAt: ago(10 * MINUTE) } });
});
afterAll(async () => {
  await ctx.close();
});

const admin = () => as(ctx, ADMIN.username, ADMIN.password);

describe("GET /api/v0/webhooks/{id}/stats", () => {
  it("counts the attempts started in the last 24 hours, with their success rate and p50/p95 duration", async () => {
    const res = await admin().get(`/api/v0/webhooks/${webhookId}/stats`).expect(200);
    const body = res.body as Stats;
    expect(body.webhook.id).toBe(webhookId);
    expect(body).toMatchObject({ attempts: 11, succeeded: 9, circuit: "closed", disabledReason: null });
    expect(body.successRate).toBeCloseTo(9 / 11, 6);
    // Durations 10, 20, ..., 110 ms (the 5000 and 7000 ms attempts are three days old).
    expect(body.p50DurationMs).toBe(60);
    expect(body.p95DurationMs).toBe(105);
    expect(body.hourly.reduce((n, h) => n + h.attempts, 0)).toBe(11);
    expect(body.hourly.reduce((n, h) => n + h.succeeded, 0)).toBe(9);
  });

  it("reports the circuit from the failure streak, and why a webhook was disabled", async () => {
    const db = ctx.deps.services.db;
    await db.webhook.update({ where: { id: webhookId }, data: { failingSince: ago(5 * MINUTE) } });
    expect(((await admin().get(`/api/v0/webhooks/${webhookId}/stats`).expect(200)).body as Stats).circuit).toBe("failing");
    await db.webhook.update({ where: { id: webhookId }, data: { inactive: true, disabledReason: "failing for 5 days", disabledAt: new Date() } });
    const body = (await admin().get(`/api/v0/webhooks/${webhookId}/stats`).expect(200)).body as Stats;
    expect(body).toMatchObject({ circuit: "disabled", disabledReason: "failing for 5 days", webhook: { inactive: true } });
    await db.webhook.update({ where: { id: webhookId }, data: { inactive: false, disabledReason: null, disabledAt: null, failingSince: null } });
  });

  it("is 404 to whoever may not manage the webhook", async () => {
    const res = await as(ctx, other.name, other.password).get(`/api/v0/webhooks/${webhookId}/stats`).expect(404);
    expect(res.body.errors[0].code).toBe("NO_SUCH_WEBHOOK");
  });
});

describe("GET /api/v0/admin/overview", () => {
  it("gives system admins attempts per minute by outcome, the backlog and the endpoints failing most", async () => {
    const body = (await admin().get("/api/v0/admin/overview").expect(200)).body as {
      perMinute: { succeeded: number; failed: number }[];
      backlog: { waiting: number; delayed: number; active: number };
      failingEndpoints: { webhookId: string; attempts: number; failed: number }[];
      disabledWebhooks: number;
    };
    expect(body.perMinute.reduce((n, m) => n + m.succeeded, 0)).toBe(9);
    expect(body.perMinute.reduce((n, m) => n + m.failed, 0)).toBe(2);
    expect(body.failingEndpoints).toEqual([expect.objectContaining({ webhookId, attempts: 11, failed: 2 })]);
    expect(body.backlog).toEqual({ waiting: 0, delayed: 0, active: 0 });
    expect(body.disabledWebhooks).toBe(0);
  });

  it("is 403 to everyone else", async () => {
    await as(ctx, other.name, other.password).get("/api/v0/admin/overview").expect(403);
  });
});
