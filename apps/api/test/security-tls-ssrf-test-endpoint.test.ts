// POST /webhooks/test is no readable SSRF and no port scanner: a per-user limit counted in Redis (shared
// by API replicas, 429 in MSR's error format), response bodies for system admins only, and one error
// kind for every failure without an HTTP answer (refused, reset, timed out, TLS, not HTTP) for everyone
// else. Traffic goes only to loopback receivers (allowed in these contexts, as in the other suites).
import net from "node:net";
import type { AddressInfo } from "node:net";
import request from "supertest";
import winston from "winston";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { getTestPki } from "@msr-webhooks/testing/tls";
import { createApp } from "../src/app.js";
import { buildDeps } from "../src/deps.js";
import { ADMIN, as, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

interface TestAnswer {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  errorKind: string | null;
  responseBody: string;
}

const receivers: Receiver[] = [];
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

async function receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

/** A TCP server on loopback that does `onConnection` with every socket; its http:// URL. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<string> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

afterAll(async () => {
  for (const r of receivers) await r.close();
  for (const socket of sockets) socket.destroy();
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
});

const testSend = (ctx: TestContext, user: { name: string; password: string }, endpoint: string, extra: Record<string, unknown> = {}) =>
  as(ctx, user.name, user.password)
    .post("/api/v0/webhooks/test")
    .send({ type: "TAG_PUSH", endpoint, skipTLSVerification: true, ...extra });

describe("the per-user limit on POST /webhooks/test (WEBHOOK_TEST_RATE_LIMIT)", () => {
  let ctx: TestContext;
  let bob: UserFixture;
  let carol: UserFixture;

  beforeAll(async () => {
    ctx = await createTestContext({ WEBHOOK_TEST_RATE_LIMIT: "3", WEBHOOK_TEST_RATE_WINDOW_MS: "600000" });
    bob = await createUser(ctx, "bob");
    carol = await createUser(ctx, "carol");
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("answers 429 TOO_MANY_REQUESTS with Retry-After past the limit, sending nothing more, per user and across replicas", async () => {
    const r = await receiver();
    for (let i = 0; i < 3; i++) await testSend(ctx, bob, r.url).expect(200);
    const limited = await testSend(ctx, bob, r.url).expect(429);
    expect(limited.body).toEqual({
      errors: [{ code: "TOO_MANY_REQUESTS", message: expect.stringContaining("webhook test"), detail: { retryAfterSeconds: expect.any(Number) } }],
    });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(r.requests).toHaveLength(3);

    // Another user has a count of their own.
    await testSend(ctx, carol, r.url).expect(200);

    // A second API process on the same database and Redis counts the same sends.
    const log = winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });
    const replica = buildDeps(ctx.config, log);
    try {
      const again = await request(createApp(replica))
        .post("/api/v0/webhooks/test")
        .set("Authorization", basic(bob.name, bob.password))
        .send({ type: "TAG_PUSH", endpoint: r.url, skipTLSVerification: true })
        .expect(429);
      expect(again.body.errors[0].code).toBe("TOO_MANY_REQUESTS");
    } finally {
      await replica.close();
    }
    expect(r.requests).toHaveLength(4);
  });
});

describe("what a test send reports (RESPONSE_DETAIL=admins, the default)", () => {
  let ctx: TestContext;
  let bob: UserFixture;
  const pki = getTestPki();
  const admin = { name: ADMIN.username, password: ADMIN.password };

  beforeAll(async () => {
    ctx = await createTestContext({ DELIVERY_TIMEOUT_MS: "500", WEBHOOK_TEST_RATE_LIMIT: "0" });
    bob = await createUser(ctx, "bob");
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("shows the response body to system admins only; status code and kind to everyone", async () => {
    const ok = await receiver({ handler: () => ({ status: 200, body: "internal secret" }) });
    expect((await testSend(ctx, bob, ok.url).expect(200)).body).toMatchObject({ ok: true, statusCode: 200, errorKind: null, responseBody: "" });
    expect((await testSend(ctx, admin, ok.url).expect(200)).body).toMatchObject({ ok: true, responseBody: "internal secret" });

    const failing = await receiver({ handler: () => ({ status: 500, body: "stack trace" }) });
    expect((await testSend(ctx, bob, failing.url).expect(200)).body).toMatchObject({ ok: false, statusCode: 500, errorKind: "http", error: "HTTP 500", responseBody: "" });
    expect((await testSend(ctx, admin, failing.url).expect(200)).body).toMatchObject({ statusCode: 500, responseBody: "stack trace" });
  });

  it("reports refused, timed out, reset, not-HTTP and TLS failures as one kind to a normal user, the exact kind to an admin", async () => {
    const gone = await receiver();
    await gone.close();
    const silent = await tcpServer(() => undefined);
    const banner = await tcpServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n"));
    const reset = await tcpServer((socket) => socket.resetAndDestroy());
    const plainHttp = await receiver();
    const untrusted = await receiver({ tls: { cert: pki.cert, key: pki.key } });
    const endpoints: [string, Record<string, unknown>][] = [
      [gone.url, {}],
      [silent, {}],
      [banner, {}],
      [reset, {}],
      [`https://127.0.0.1:${plainHttp.port}/`, { skipTLSVerification: false }],
      [untrusted.url, { skipTLSVerification: false }],
    ];
    const seenByBob: TestAnswer[] = [];
    const kindsForAdmin: (string | null)[] = [];
    for (const [endpoint, extra] of endpoints) {
      seenByBob.push((await testSend(ctx, bob, endpoint, extra).expect(200)).body as TestAnswer);
      kindsForAdmin.push(((await testSend(ctx, admin, endpoint, extra).expect(200)).body as TestAnswer).errorKind);
    }
    const first = seenByBob[0]!;
    expect(first).toMatchObject({ ok: false, statusCode: null, errorKind: "unreachable", responseBody: "" });
    for (const answer of seenByBob) {
      expect({ errorKind: answer.errorKind, error: answer.error, statusCode: answer.statusCode }).toEqual({
        errorKind: first.errorKind,
        error: first.error,
        statusCode: null,
      });
    }
    expect(kindsForAdmin).toEqual(["connection_refused", "timeout", "other", "connection_reset", "tls", "tls"]);
  });
});

describe("RESPONSE_DETAIL=everyone", () => {
  let ctx: TestContext;
  let bob: UserFixture;

  beforeAll(async () => {
    ctx = await createTestContext({ RESPONSE_DETAIL: "everyone", WEBHOOK_TEST_RATE_LIMIT: "0" });
    bob = await createUser(ctx, "bob");
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("shows every user the body and the exact error kind", async () => {
    const ok = await receiver({ handler: () => ({ status: 200, body: "hello" }) });
    expect((await testSend(ctx, bob, ok.url).expect(200)).body).toMatchObject({ responseBody: "hello" });
    const gone = await receiver();
    await gone.close();
    expect((await testSend(ctx, bob, gone.url).expect(200)).body).toMatchObject({ errorKind: "connection_refused" });
  });
});
