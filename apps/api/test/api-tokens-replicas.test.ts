// A token deactivated (PATCH isActive false) on one API replica is refused at once on another
// replica that has its sign-in cached: the auth epoch in Redis, not the cache TTL, ends it there.
import http from "node:http";
import type { AddressInfo } from "node:net";
import winston from "winston";
import { createApp } from "../src/app.js";
import { buildDeps } from "../src/deps.js";
import { basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser } from "./support/fixtures.js";

async function listen(app: http.RequestListener): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let ctx: TestContext;
let replica1: { server: http.Server; base: string };
let replica2: { server: http.Server; base: string };
let closeReplica2: () => Promise<void>;

beforeAll(async () => {
  // A cache TTL far longer than the test: only the epoch can explain a refusal on replica 2.
  ctx = await createTestContext({ AUTH_CACHE_TTL_MS: "600000" });
  replica1 = await listen(ctx.app);
  const deps = buildDeps(ctx.config, winston.createLogger({ silent: true }));
  replica2 = await listen(createApp(deps));
  closeReplica2 = () => deps.close();
});

afterAll(async () => {
  await close(replica1.server);
  await close(replica2.server);
  await closeReplica2();
  await ctx.close();
});

const call = (base: string, method: string, path: string, auth: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { Authorization: auth, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

it("a token deactivated on one replica is refused at once on the other, and works again once reactivated", async () => {
  const erin = await createUser(ctx, "erin");
  const token = await createToken(ctx, erin);
  const auth = basic(erin.name, token.token);
  const owner = basic(erin.name, erin.password);
  // Replica 2 has the token's sign-in cached.
  expect((await call(replica2.base, "GET", "/api/v0/webhooks", auth)).status).toBe(200);
  const off = await call(replica1.base, "PATCH", `/api/v0/api_tokens/${token.id}`, owner, { isActive: false });
  expect(off.status).toBe(200);
  expect((await call(replica2.base, "GET", "/api/v0/webhooks", auth)).status).toBe(401);
  expect((await call(replica1.base, "PATCH", `/api/v0/api_tokens/${token.id}`, owner, { isActive: true })).status).toBe(200);
  expect((await call(replica2.base, "GET", "/api/v0/webhooks", auth)).status).toBe(200);
});
