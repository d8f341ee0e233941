// API hardening: security headers on every response (with a CSP that Swagger UI works under), the
// limit on failed sign-ins per client address (429 in MSR's format, shared by replicas through
// Redis, open when Redis is down, per forwarded client only behind a trusted proxy), the
// per-request handler deadline (503 in MSR's format), and no internal detail in a 500.
import http from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import winston from "winston";
import { createRedis } from "@msr-webhooks/queue/connection";
import { startReceiver } from "@msr-webhooks/testing/receiver";
import { createApp } from "../src/app.js";
import { buildDeps } from "../src/deps.js";
import { createAuthFailureLimiter } from "../src/http/auth-failure-limit.js";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { waitUntil } from "./support/wait.js";

interface ErrorBody {
  errors: { code: string; message: string }[];
}

function expectMsrError(res: { status: number; body: unknown; text: string }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body as object)).toEqual(["errors"]);
  const [error] = (res.body as ErrorBody).errors;
  expect(error?.code).toBe(code);
  expect(typeof error?.message).toBe("string");
  expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|prisma/i);
}

describe("security headers", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it("are on API answers, errors included", async () => {
    for (const res of [await request(ctx.app).get("/api/v0/webhooks"), await request(ctx.app).get("/api/v0/openapi.json"), await request(ctx.app).get("/healthz")]) {
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["strict-transport-security"]).toBe("max-age=15552000");
      expect(res.headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(res.headers["x-powered-by"]).toBeUndefined();
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'self'");
      // Would send Swagger UI's assets to https:// where the API is served over http.
      expect(csp).not.toContain("upgrade-insecure-requests");
    }
  });

  it("let Swagger UI load: every script it needs is a same-origin file, styles may be inline", async () => {
    const page = await request(ctx.app).get("/api/v0/docs/").expect(200);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("style-src 'self' https: 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    // No inline script (script-src 'self' would block it); only relative sources.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const sources = [...page.text.matchAll(/<script[^>]*\bsrc=["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const src of sources) {
      expect(src).toMatch(/^\.\//);
      const asset = await request(ctx.app).get(`/api/v0/docs/${src.slice(2)}`).expect(200);
      expect(asset.headers["content-type"]).toMatch(/javascript/);
    }
    const stylesheets = [...page.text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    for (const href of stylesheets) await request(ctx.app).get(`/api/v0/docs/${href.replace(/^\.\//, "")}`).expect(200);
  });
});

// Over loopback a client address is the socket's: two servers on one app and a second replica.
function listen(app: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve) => {
    const s = http.createServer(app);
    s.listen({ host: "::", port: 0, ipv6Only: false }, () => resolve(s));
  });
}
const url = (s: http.Server, host: string): string => `http://${host}:${(s.address() as AddressInfo).port}`;
const closeServer = (s: http.Server): Promise<unknown> => new Promise((r) => s.close(r));
function signInOver(base: string, auth: string) {
  return fetch(`${base}/api/v0/webhooks`, { headers: { Authorization: auth, Accept: "application/json" } }).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get("retry-after"),
    text: await r.text(),
  }));
}

describe("the limit on failed sign-ins", () => {
  let ctx: TestContext;
  let server: http.Server;
  let replica: http.Server;
  let replicaClose: () => Promise<void>;
  const LIMIT = 3;
  // Long enough that no stretch of this test outlasts it, however slow the machine: the window's
  // end has a test of its own below.
  const WINDOW_MS = 10 * 60_000;

  beforeAll(async () => {
    ctx = await createTestContext({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) });
    server = await listen(ctx.app);
    // A second replica: its own process objects, the same database and Redis prefix.
    const deps = buildDeps(ctx.config, winston.createLogger({ silent: true }));
    replica = await listen(createApp(deps));
    replicaClose = () => deps.close();
  });
  afterAll(async () => {
    await closeServer(server);
    await closeServer(replica);
    await replicaClose();
    await ctx.close();
  });

  it("answers 429 TOO_MANY_REQUESTS with Retry-After once an address has failed too often, on every replica", async () => {
    const good = basic(ADMIN.username, ADMIN.password);
    const bad = basic(ADMIN.username, "not-the-password");
    const v4 = url(server, "127.0.0.1");
    expect((await signInOver(v4, good)).status).toBe(200);
    for (let i = 0; i < LIMIT - 1; i += 1) expect((await signInOver(v4, bad)).status).toBe(401);
    // The last allowed failure, on the other replica: the count is shared.
    expect((await signInOver(url(replica, "127.0.0.1"), bad)).status).toBe(401);

    for (const base of [v4, url(replica, "127.0.0.1")]) {
      const refused = await signInOver(base, good);
      expect(refused.status).toBe(429);
      // What is left of the window, in whole seconds.
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expectMsrError({ status: refused.status, body: JSON.parse(refused.text) as unknown, text: refused.text }, 429, "TOO_MANY_REQUESTS");
    }
    // Anonymous requests are not sign-ins: they are answered as before.
    expect((await fetch(`${v4}/api/v0/webhooks`, { headers: { Accept: "application/json" } })).status).toBe(401);
    // Another client address is not affected.
    expect((await signInOver(url(server, "[::1]"), good)).status).toBe(200);
  });

  it("lets sign-in go on, and says so once, when Redis cannot answer", async () => {
    const down = createRedis("redis://127.0.0.1:1", { maxRetriesPerRequest: 1, commandTimeout: 300 });
    down.on("error", () => undefined);
    const lines: unknown[] = [];
    const log = winston.createLogger({
      transports: [
        new (class extends winston.transports.Stream {
          constructor() {
            super({ stream: process.stdout });
          }
          override log(info: unknown, next: () => void): void {
            lines.push(info);
            next();
          }
        })(),
      ],
    });
    const limiter = createAuthFailureLimiter(down, { prefix: "x", limit: 1, userLimit: 1, addressLimit: 1, windowMs: 60_000 }, log);
    // Each call settling (rather than the test timing out) is the proof that nothing waits for Redis.
    await limiter.settle("127.0.0.1", "alice", true);
    await limiter.settle("127.0.0.1", "alice", true);
    // Admitted without the limit, and with no epoch: the principal cache is not trusted then.
    expect(await limiter.admit("127.0.0.1", "alice")).toEqual({ waitMs: 0, scope: null, epoch: null });
    expect(lines).toHaveLength(1);
    down.disconnect();
  });
});

describe("the end of the failed sign-in window", () => {
  let ctx: TestContext;
  let server: http.Server;
  const LIMIT = 2;
  const WINDOW_MS = 1000;

  beforeAll(async () => {
    ctx = await createTestContext({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) });
    server = await listen(ctx.app);
  });
  afterAll(async () => {
    await closeServer(server);
    await ctx.close();
  });

  it("lets the address sign in again once the window that began with its first failure is over, and not before", async () => {
    const good = basic(ADMIN.username, ADMIN.password);
    const bad = basic(ADMIN.username, "not-the-password");
    const base = url(server, "127.0.0.1");
    const firstFailureSent = Date.now();
    for (let i = 0; i < LIMIT; i += 1) expect((await signInOver(base, bad)).status).toBe(401);
    // Refused (on a machine fast enough to ask within the window) until it is let in for good:
    // asking while refused does not extend the window, so the 200 comes.
    const statuses: number[] = [];
    await waitUntil("the sign-in window to end", async () => {
      const { status } = await signInOver(base, good);
      statuses.push(status);
      return status === 200 || undefined;
    });
    const allowedSeen = Date.now();
    expect(statuses.slice(0, -1).every((s) => s === 429)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
    // A lower bound, which a slow machine only makes easier: the window ran its full length.
    expect(allowedSeen - firstFailureSent).toBeGreaterThanOrEqual(WINDOW_MS);
    expect((await signInOver(base, good)).status).toBe(200);
  });
});

describe("the limit on failed sign-ins behind a proxy", () => {
  const LIMIT = 2;
  const limited = { AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_MS: "60000" };
  const good = basic(ADMIN.username, ADMIN.password);
  const bad = basic(ADMIN.username, "not-the-password");
  const signIn = (ctx: TestContext, auth: string, forwardedFor?: string) => {
    const req = request(ctx.app).get("/api/v0/webhooks").set("Authorization", auth);
    return forwardedFor === undefined ? req : req.set("X-Forwarded-For", forwardedFor);
  };

  describe("with TRUST_PROXY naming the proxy", () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await createTestContext({ ...limited, TRUST_PROXY: "loopback" });
    });
    afterAll(() => ctx.close());

    it("counts failures per forwarded client, so one client's failures do not lock out the others behind the proxy", async () => {
      for (let i = 0; i < LIMIT; i += 1) expect((await signIn(ctx, bad, "203.0.113.7")).status).toBe(401);
      expectMsrError(await signIn(ctx, good, "203.0.113.7"), 429, "TOO_MANY_REQUESTS");
      // A client that put its own X-Forwarded-For before the proxy's entry is still the address the proxy saw.
      expectMsrError(await signIn(ctx, good, "198.51.100.9, 203.0.113.7"), 429, "TOO_MANY_REQUESTS");
      expect((await signIn(ctx, good, "203.0.113.8")).status).toBe(200);
      expect((await signIn(ctx, good)).status).toBe(200);
    });
  });

  describe("without TRUST_PROXY", () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await createTestContext(limited);
    });
    afterAll(() => ctx.close());

    it("ignores X-Forwarded-For, so a client cannot escape the limit by sending a new address each time", async () => {
      for (let i = 0; i < LIMIT; i += 1) expect((await signIn(ctx, bad, `203.0.113.${10 + i}`)).status).toBe(401);
      expectMsrError(await signIn(ctx, good, "203.0.113.99"), 429, "TOO_MANY_REQUESTS");
      expectMsrError(await signIn(ctx, good), 429, "TOO_MANY_REQUESTS");
    });
  });
});

describe("the handler deadline", () => {
  let ctx: TestContext;
  // Every request of this API has the deadline, the test's own follow-up request included: short
  // enough to wait for, long enough for any request that does not wait on a stuck endpoint. The
  // delivery timeout is far beyond it, so that only the deadline can end the stuck request.
  const DEADLINE_MS = 2000;
  beforeAll(async () => {
    ctx = await createTestContext({ HANDLER_TIMEOUT_MS: String(DEADLINE_MS), DELIVERY_TIMEOUT_MS: "600000" });
  });
  afterAll(() => ctx.close());

  it("answers 503 SERVICE_UNAVAILABLE in MSR's format when a handler runs past it, and carries on", async () => {
    // The endpoint answers only when the test lets it: the handler cannot finish before the 503.
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const stuck = await startReceiver({ handler: () => answered.then(() => ({ status: 200, body: "late" })) });
    try {
      const res = await request(ctx.app)
        .post("/api/v0/webhooks/test")
        .set("Authorization", basic(ADMIN.username, ADMIN.password))
        .send({ type: "TAG_PUSH", endpoint: `${stuck.url}/slow`, skipTLSVerification: true });
      expectMsrError(res, 503, "SERVICE_UNAVAILABLE");
      expect(res.headers["retry-after"]).toBe("5");
      expect(ctx.logs.some((l) => l["message"] === "request timed out")).toBe(true);

      // Now the handler finishes: its result is logged, what it would have sent is dropped quietly,
      // and the API still answers.
      await stuck.waitFor(1);
      answer();
      const finished = await waitUntil("the timed-out handler to finish", () => ctx.logs.find((l) => l["message"] === "webhook test sent"));
      expect(finished).toMatchObject({ statusCode: 200, errorKind: null });
      await request(ctx.app).get("/api/v0/webhooks").set("Authorization", basic(ADMIN.username, ADMIN.password)).expect(200);
      expect(ctx.logs.filter((l) => l["level"] === "error")).toEqual([]);
    } finally {
      answer();
      await stuck.close();
    }
  });
});

describe("an unexpected failure", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    await request(ctx.app).get("/api/v0/webhooks").set("Authorization", basic(ADMIN.username, ADMIN.password)).expect(200);
    await ctx.deps.services.db.$executeRawUnsafe('ALTER TABLE "Webhook" RENAME TO "WebhookGone"');
  });
  afterAll(() => ctx.close());

  it("is a 500 INTERNAL_ERROR with the request id and nothing of the database's message", async () => {
    const res = await request(ctx.app).get("/api/v0/webhooks").set("Authorization", basic(ADMIN.username, ADMIN.password));
    expectMsrError(res, 500, "INTERNAL_ERROR");
    expect((res.body as ErrorBody).errors[0]!.message).toBe(`internal error (request id ${String(res.headers["x-request-id"])})`);
    expect(res.text).not.toMatch(/Webhook|relation|table|exist/);
  });
});
