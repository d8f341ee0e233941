// The delivery log is no port scanner and no readable SSRF either: a user who points a webhook at an
// address the worker reaches (private ranges are allowed by default) reads, in the log, only the status
// code, the kinds http / redirect / dns / blocked, and one kind "unreachable" (no duration, no message,
// a reason without the words of the failure) for refused, timed out, reset, TLS and non-HTTP failures;
// response bodies and headers are for system admins. RESPONSE_DETAIL=everyone, or refusing private
// addresses (OUTBOUND_REFUSE_PRIVATE=true), shows everyone everything; WEBHOOK_TEST_DETAIL is the old name.
import { loadConfig } from "../src/config.js";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser } from "./support/fixtures.js";
import { seedAttempt, seedDeliveries } from "./support/delivery-seed.js";
import type { DeliveryView as Delivery } from "../src/schemas/delivery.schemas.js";

/** Failures the worker records for a closed, a filtered, a resetting, a non-HTTP and a TLS port. */
const NETWORK_FAILURES = [
  { errorKind: "connection_refused", errorMessage: "connect ECONNREFUSED 10.1.2.3:5432" },
  { errorKind: "timeout", errorMessage: "Timeout awaiting 'request' for 10000ms" },
  { errorKind: "connection_reset", errorMessage: "read ECONNRESET" },
  { errorKind: "other", errorMessage: "Parse Error: Expected HTTP/" },
  { errorKind: "tls", errorMessage: "self-signed certificate" },
];
const LAST = NETWORK_FAILURES[NETWORK_FAILURES.length - 1]!;
const REASON = `gave up after 6 attempts: ${LAST.errorKind}: ${LAST.errorMessage}`;

async function world(env: Record<string, string>) {
  const ctx = await createTestContext(env);
  const maria = await createUser(ctx, "maria");
  const foo = await createOrg(ctx, "foo", { owners: [maria] });
  await createRepo(ctx, foo, "bar");
  const created = await as(ctx, maria.name, maria.password)
    .post("/api/v0/webhooks")
    .send({ type: "TAG_PUSH", key: "foo/bar", endpoint: "http://127.0.0.1:9/hook", skipTLSVerification: true })
    .expect(201);
  const webhookId = (created.body as { id: string }).id;
  const [deliveryId] = await seedDeliveries(ctx, webhookId, [
    { createdAt: "2026-12-01T10:00:00Z", status: "failed", attemptCount: 6, reason: REASON },
  ]);
  for (const [i, failure] of NETWORK_FAILURES.entries()) {
    await seedAttempt(ctx, deliveryId!, { number: i + 1, statusCode: null, ...failure });
  }
  await seedAttempt(ctx, deliveryId!, { number: 6, statusCode: 500, responseBody: "internal stack trace", errorKind: "http", errorMessage: "HTTP 500" });
  return { ctx, maria, webhookId, deliveryId: deliveryId! };
}

/** The delivery as `who` reads it, from the listing and from its own page (they must agree). */
async function read(ctx: TestContext, who: { name: string; password: string }, webhookId: string, deliveryId: string): Promise<Delivery> {
  const page = (await as(ctx, who.name, who.password).get(`/api/v0/webhooks/${webhookId}/deliveries`).expect(200)).body as { deliveries: Delivery[] };
  const one = (await as(ctx, who.name, who.password).get(`/api/v0/webhooks/${webhookId}/deliveries/${deliveryId}`).expect(200)).body as Delivery;
  expect(page.deliveries).toHaveLength(1);
  expect({ reason: one.reason, attempts: one.attempts }).toEqual({ reason: page.deliveries[0]!.reason, attempts: page.deliveries[0]!.attempts });
  return one;
}

const admin = { name: ADMIN.username, password: ADMIN.password };

describe("the delivery log with RESPONSE_DETAIL unset and private addresses allowed (the defaults)", () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world({});
  });
  afterAll(async () => {
    await w.ctx.close();
  });

  it("shows the webhook's owner one kind for every failure without an HTTP answer, and no bodies or headers", async () => {
    const seen = await read(w.ctx, w.maria, w.webhookId, w.deliveryId);
    const network = seen.attempts.slice(0, NETWORK_FAILURES.length);
    for (const a of network) {
      expect(a).toMatchObject({ statusCode: null, errorKind: "unreachable", durationMs: 0, responseBody: "", responseHeaders: {} });
      expect(a.errorMessage).toBe(network[0]!.errorMessage);
    }
    expect(seen.attempts[5]).toMatchObject({ statusCode: 500, errorKind: "http", errorMessage: "HTTP 500", responseBody: "", responseHeaders: {} });
    expect(seen.reason).toBe("gave up after 6 attempts: unreachable");
    const text = JSON.stringify(seen);
    for (const f of NETWORK_FAILURES) {
      expect(text).not.toContain(f.errorMessage);
      expect(text).not.toContain(f.errorKind);
    }
    expect(text).not.toContain("stack trace");
  });

  it("shows a system admin the exact kinds, messages, durations, bodies and reason", async () => {
    const seen = await read(w.ctx, admin, w.webhookId, w.deliveryId);
    expect(seen.attempts.map((a) => a.errorKind)).toEqual([...NETWORK_FAILURES.map((f) => f.errorKind), "http"]);
    expect(seen.attempts[0]).toMatchObject({ errorMessage: NETWORK_FAILURES[0]!.errorMessage, durationMs: 12, responseHeaders: { "content-type": "text/plain" } });
    expect(seen.attempts[5]!.responseBody).toBe("internal stack trace");
    expect(seen.reason).toBe(REASON);
  });
});

describe.each([
  ["RESPONSE_DETAIL=everyone", { RESPONSE_DETAIL: "everyone" }],
  ["WEBHOOK_TEST_DETAIL=everyone (the earlier name)", { WEBHOOK_TEST_DETAIL: "everyone" }],
])("the delivery log with %s", (_name, env) => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world(env);
  });
  afterAll(async () => {
    await w.ctx.close();
  });

  it("shows the webhook's owner everything", async () => {
    const seen = await read(w.ctx, w.maria, w.webhookId, w.deliveryId);
    expect(seen.attempts.map((a) => a.errorKind)).toEqual([...NETWORK_FAILURES.map((f) => f.errorKind), "http"]);
    expect(seen.attempts[5]!.responseBody).toBe("internal stack trace");
    expect(seen.reason).toBe(REASON);
  });
});

describe("the default of RESPONSE_DETAIL", () => {
  const base = { DATABASE_URL: "postgresql://u@127.0.0.1:5432/db", REDIS_URL: "redis://127.0.0.1:6379" };
  it("is admins while private addresses are reachable, everyone once they are refused, and an explicit value wins", () => {
    expect(loadConfig(base).webhooks.responseDetail).toBe("admins");
    expect(loadConfig({ ...base, OUTBOUND_REFUSE_PRIVATE: "true" }).webhooks.responseDetail).toBe("everyone");
    expect(loadConfig({ ...base, OUTBOUND_REFUSE_PRIVATE: "true", RESPONSE_DETAIL: "admins" }).webhooks.responseDetail).toBe("admins");
    expect(loadConfig({ ...base, WEBHOOK_TEST_DETAIL: "everyone" }).webhooks.responseDetail).toBe("everyone");
    expect(() => loadConfig({ ...base, RESPONSE_DETAIL: "some" })).toThrow(/RESPONSE_DETAIL/);
  });
});
