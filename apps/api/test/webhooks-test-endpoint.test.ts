// POST /api/v0/webhooks/test against real loopback receivers (HTTP and HTTPS with a CA the
// test makes): the fixed payload, the signature, TLS settings, failures reported as
// outcomes, and the outbound address policy.
import { validateContents } from "@msr-webhooks/events/validate";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { deliveredTypeOf, SUBSCRIPTION_TYPES } from "@msr-webhooks/events/types";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { getTestPki } from "@msr-webhooks/testing/tls";
import { Webhook } from "standardwebhooks";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser, type UserFixture } from "./support/fixtures.js";

const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

interface TestAnswer {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  errorKind: string | null;
  responseBody: string;
  webhookId: string;
  signingSecret: string;
  payload: { type: string; createdAt: string; contents: Record<string, unknown>; location?: string };
}

let ctx: TestContext;
let bob: UserFixture;
const receivers: Receiver[] = [];

async function receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const asBob = () => as(ctx, bob.name, bob.password);

async function storedRows(): Promise<number> {
  const db = ctx.deps.services.db;
  return (await db.webhook.count()) + (await db.delivery.count()) + (await db.event.count());
}

beforeAll(async () => {
  // The per-user limit on test sends has its own suite (security-tls-ssrf-test-endpoint).
  ctx = await createTestContext({ WEBHOOK_TEST_RATE_LIMIT: "0" });
  bob = await createUser(ctx, "bob");
});

afterAll(async () => {
  for (const r of receivers) await r.close();
  await ctx.close();
});

describe("POST /api/v0/webhooks/test", () => {
  it("sends the fixed TAG_PUSH example now, signed, and reports the outcome (any signed-in user)", async () => {
    const r = await receiver({ handler: () => ({ status: 200, body: "thanks" }) });
    const before = Date.now();
    const res = await asBob()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: `${r.url}/hook?x=1`, skipTLSVerification: true })
      .expect(200);
    const answer = res.body as TestAnswer;
    // The body is for system admins only (RESPONSE_DETAIL).
    expect(answer).toMatchObject({ ok: true, statusCode: 200, error: null, errorKind: null, responseBody: "" });
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);

    const [got] = await r.waitFor(1);
    expect(got!.method).toBe("POST");
    expect(got!.path).toBe("/hook?x=1");
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["user-agent"]).toMatch(/^msr-webhooks\/\d+\.\d+\.\d+$/);
    // MSR's key order, and exactly the payload the answer reports.
    expect(got!.body.startsWith('{"type":"TAG_PUSH","createdAt":')).toBe(true);
    const envelope = JSON.parse(got!.body) as TestAnswer["payload"];
    expect(envelope).toEqual(answer.payload);
    expect(envelope.contents).toEqual(testPayload("TAG_PUSH", "registry.test:5000").contents);
    expect(envelope.contents["imageName"]).toBe("registry.test:5000/foo/bar:latest");
    expect(envelope.location).toBe("/repositories/foo/bar/tags/latest");
    expect(envelope.createdAt).toMatch(GO_TIME);
    expect(Date.parse(envelope.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(envelope.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);

    // The public Standard Webhooks library verifies it with the secret the answer reveals.
    expect(got!.headers["webhook-id"]).toBe(answer.webhookId);
    const verified = new Webhook(answer.signingSecret).verify(got!.body, {
      "webhook-id": String(got!.headers["webhook-id"]),
      "webhook-timestamp": String(got!.headers["webhook-timestamp"]),
      "webhook-signature": String(got!.headers["webhook-signature"]),
    });
    expect(verified).toEqual(envelope);
    expect(() =>
      new Webhook("whsec_" + Buffer.alloc(32, 7).toString("base64")).verify(got!.body, {
        "webhook-id": String(got!.headers["webhook-id"]),
        "webhook-timestamp": String(got!.headers["webhook-timestamp"]),
        "webhook-signature": String(got!.headers["webhook-signature"]),
      }),
    ).toThrow();
  });

  it("sends a payload valid against its schema for every subscription type, stamped with a microsecond clock", async () => {
    const r = await receiver();
    const fractionDigits: number[] = [];
    for (const [i, type] of SUBSCRIPTION_TYPES.entries()) {
      await admin().post("/api/v0/webhooks/test").send({ type, endpoint: r.url, skipTLSVerification: true }).expect(200);
      const got = (await r.waitFor(i + 1))[i]!;
      const envelope = JSON.parse(got.body) as TestAnswer["payload"];
      const delivered = deliveredTypeOf(type);
      expect(envelope.type).toBe(delivered);
      fractionDigits.push(/\.(\d+)Z$/.exec(envelope.createdAt)?.[1]?.length ?? 0);
      const valid = validateContents(delivered, envelope.contents);
      expect(valid).toEqual({ ok: true, contents: envelope.contents });
      if (delivered === "REPO_EVENT") {
        expect(envelope.contents["event"]).toBe(type === "REPO_EVENT" ? "REPO_CREATED" : type);
        if (type === "REPO_DELETED") expect(envelope.contents["data"]).toEqual({});
      }
    }
    // Go prints times with every digit it has, trailing zeros trimmed: a reading may end in a zero
    // microsecond, but not every one of these does.
    expect(Math.max(...fractionDigits)).toBeGreaterThan(3);
    expect(Math.max(...fractionDigits)).toBeLessThanOrEqual(6);
  });

  it("reaches an HTTPS endpoint whose CA is given as tlsCert, fails without it, and reaches it with skipTLSVerification", async () => {
    const pki = getTestPki();
    const r = await receiver({ tls: { cert: pki.cert, key: pki.key } });
    const trusted = await asBob()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PULL", endpoint: r.url, tlsCert: pki.caCert })
      .expect(200);
    expect(trusted.body).toMatchObject({ ok: true, statusCode: 200, errorKind: null });
    expect(r.requests).toHaveLength(1);

    const untrusted = await admin().post("/api/v0/webhooks/test").send({ type: "TAG_PULL", endpoint: r.url }).expect(200);
    expect(untrusted.body).toMatchObject({ ok: false, statusCode: null, errorKind: "tls" });
    expect((untrusted.body as TestAnswer).error).toEqual(expect.any(String));
    expect(r.requests).toHaveLength(1);

    const skipped = await asBob()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PULL", endpoint: r.url, skipTLSVerification: true })
      .expect(200);
    expect(skipped.body).toMatchObject({ ok: true, statusCode: 200 });
    expect(r.requests).toHaveLength(2);
  });

  it("reports an endpoint's error status, a redirect and a refused connection as outcomes (200)", async () => {
    const failing = await receiver({ handler: () => ({ status: 500, body: "boom" }) });
    const res = await admin()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: failing.url, skipTLSVerification: true })
      .expect(200);
    expect(res.body).toMatchObject({ ok: false, statusCode: 500, errorKind: "http", responseBody: "boom" });
    expect((res.body as TestAnswer).error).toContain("500");

    const redirecting = await receiver({ handler: () => ({ status: 302, headers: { Location: "/elsewhere" } }) });
    const moved = await admin()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: redirecting.url, skipTLSVerification: true })
      .expect(200);
    expect(moved.body).toMatchObject({ ok: false, statusCode: 302, errorKind: "redirect" });
    expect(redirecting.requests).toHaveLength(1);

    const gone = await receiver();
    await gone.close();
    const refused = await admin()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: gone.url, skipTLSVerification: true })
      .expect(200);
    expect(refused.body).toMatchObject({ ok: false, statusCode: null, errorKind: "connection_refused" });
  });

  it("refuses an address the outbound policy blocks (cloud metadata) with 400, sending nothing", async () => {
    const rows = await storedRows();
    const res = await asBob()
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: "http://169.254.169.254/latest/meta-data", skipTLSVerification: true })
      .expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint" } });
    expect(res.body.errors[0].message).toContain("refused by the outbound address policy");
    expect(await storedRows()).toBe(rows);
  });

  it("refuses malformed input with 400 INVALID_WEBHOOK before sending anything", async () => {
    const r = await receiver();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: "TAG_PUSH", endpoint: r.url }, "endpoint"],
      [{ type: "TAG_PUSH", endpoint: "ftp://127.0.0.1/x", skipTLSVerification: true }, "endpoint"],
      [{ type: "TAG_PUSH", endpoint: "/relative", skipTLSVerification: true }, "endpoint"],
      [{ type: "NOPE", endpoint: r.url, skipTLSVerification: true }, "type"],
      [{ endpoint: r.url, skipTLSVerification: true }, "type"],
      [{ type: "TAG_PUSH", endpoint: r.url, tlsCert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", skipTLSVerification: true }, "tlsCert"],
    ];
    for (const [body, field] of cases) {
      const res = await asBob().post("/api/v0/webhooks/test").send(body).expect(400);
      expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field } });
    }
    expect(r.requests).toHaveLength(0);
  });

  it("needs a signed-in user: anonymous is 401, a producer token 403", async () => {
    const r = await receiver();
    await anon(ctx).post("/api/v0/webhooks/test").send({ type: "TAG_PUSH", endpoint: r.url, skipTLSVerification: true }).expect(401);
    const producer = await createToken(ctx, bob, "producer");
    const res = await as(ctx, bob.name, producer.token)
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: r.url, skipTLSVerification: true })
      .expect(403);
    expect(res.body.errors[0].code).toBe("NOT_AUTHORIZED");
    expect(r.requests).toHaveLength(0);
  });

  it("stores nothing", async () => {
    const r = await receiver();
    const rows = await storedRows();
    await asBob().post("/api/v0/webhooks/test").send({ type: "SCAN_COMPLETED", endpoint: r.url, skipTLSVerification: true }).expect(200);
    await r.waitFor(1);
    expect(await storedRows()).toBe(rows);
  });
});

describe("POST /api/v0/webhooks/test with an operator deny list", () => {
  let denyCtx: TestContext;

  beforeAll(async () => {
    // The test default allows loopback; denying 127.0.0.1 exactly (more specific) must win.
    denyCtx = await createTestContext({ OUTBOUND_DENY_CIDRS: "127.0.0.1/32" });
  });

  afterAll(async () => {
    await denyCtx.close();
  });

  it("applies the configured policy to test sends", async () => {
    const r = await receiver();
    const res = await as(denyCtx, ADMIN.username, ADMIN.password)
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: r.url, skipTLSVerification: true })
      .expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "endpoint" } });
    expect(res.body.errors[0].message).toContain("127.0.0.1/32");
    expect(r.requests).toHaveLength(0);
  });
});

describe("POST /api/v0/webhooks/test with a short delivery timeout", () => {
  let slowCtx: TestContext;

  beforeAll(async () => {
    slowCtx = await createTestContext({ DELIVERY_TIMEOUT_MS: "300" });
  });

  afterAll(async () => {
    await slowCtx.close();
  });

  it("reports a timeout as the outcome once the configured total timeout passes", async () => {
    // The endpoint would answer 200 only after ten minutes: an answer before that (well inside
    // the API's 30 s handler deadline) that names a timeout is the configured 300 ms at work.
    const r = await receiver({ handler: () => ({ status: 200, delayMs: 600_000 }) });
    const res = await as(slowCtx, ADMIN.username, ADMIN.password)
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: r.url, skipTLSVerification: true })
      .expect(200);
    expect(res.body).toMatchObject({ ok: false, statusCode: null, errorKind: "timeout" });
    expect((res.body as TestAnswer).error).toContain("300");
    expect(r.requests).toHaveLength(1);
  });
});
