// Sign-in limiting and the principal cache across replicas (issue 14, items 4 and 5):
// - an attempt is counted before its secret is hashed, so parallel wrong passwords from one
//   address get exactly the limit's worth of hashes (401s) and 429 for the rest;
// - limits apply per (address, username), per username across addresses and per address across
//   usernames, the address limit last, so failing as one user from a shared address does not
//   lock another user out of it;
// - a demotion, deactivation or token revocation on one replica holds on every other replica at
//   once, not after the cache TTL.
import type http from "node:http";
import request from "supertest";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser } from "./support/fixtures.js";
import { call, close, listen, twoReplicas, type Replicas } from "./support/replicas.js";

describe("parallel wrong passwords from one address", () => {
  const LIMIT = 10;
  let ctx: TestContext;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    ctx = await createTestContext({ AUTH_FAILURE_LIMIT: String(LIMIT) });
    ({ server, base } = await listen(ctx.app));
  });
  afterAll(async () => {
    await close(server);
    await ctx.close();
  });

  it("hashes only the limit's worth: exactly LIMIT get 401, the rest 429", async () => {
    const bad = basic(ADMIN.username, "not-the-password");
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(`${base}/api/v0/webhooks`, { headers: { Authorization: bad, Accept: "application/json" } }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - LIMIT);
  });
});

describe("the three scopes of the sign-in limit", () => {
  const PAIR = 3;
  const USER = 5;
  const ADDRESS = 8;
  let ctx: TestContext;
  // The proxy in front is trusted, so each request may name its client address.
  const from = (address: string, auth: string) =>
    request(ctx.app).get("/api/v0/webhooks").set("X-Forwarded-For", address).set("Authorization", auth);

  beforeAll(async () => {
    ctx = await createTestContext({
      AUTH_FAILURE_LIMIT: String(PAIR),
      AUTH_FAILURE_USER_LIMIT: String(USER),
      AUTH_FAILURE_ADDRESS_LIMIT: String(ADDRESS),
      TRUST_PROXY: "loopback",
    });
    await createUser(ctx, "alice");
    await createUser(ctx, "bob");
    await createUser(ctx, "carol");
  });
  afterAll(() => ctx.close());

  it("failing as bob from a shared address locks bob out of it, not alice", async () => {
    const shared = "198.51.100.1";
    for (let i = 0; i < PAIR; i += 1) expect((await from(shared, basic("bob", "wrong"))).status).toBe(401);
    const bobRefused = await from(shared, basic("bob", "pw-bob-secret"));
    expect(bobRefused.status).toBe(429);
    expect(bobRefused.body.errors[0].message).toContain("for this user from this address");
    expect((await from(shared, basic("alice", "pw-alice-secret"))).status).toBe(200);
    // bob from elsewhere is still let in: his own count (3 of 5) is under the user limit.
    expect((await from("198.51.100.2", basic("bob", "pw-bob-secret"))).status).toBe(200);
  });

  it("failing as carol from many addresses reaches the per-user limit, which holds from a new address", async () => {
    for (let i = 0; i < USER; i += 1) expect((await from(`203.0.113.${i + 1}`, basic("carol", "wrong"))).status).toBe(401);
    const refused = await from("203.0.113.200", basic("carol", "pw-carol-secret"));
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].message).toContain("for this user;");
    // Nobody else is affected at that address.
    expect((await from("203.0.113.200", basic("alice", "pw-alice-secret"))).status).toBe(200);
  });

  it("spraying many usernames from one address reaches the address limit last", async () => {
    const sprayer = "192.0.2.77";
    for (let i = 0; i < ADDRESS; i += 1) expect((await from(sprayer, basic(`nobody${i}`, "wrong"))).status).toBe(401);
    const refused = await from(sprayer, basic("alice", "pw-alice-secret"));
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].message).toContain("from this address");
    expect((await from("192.0.2.78", basic("alice", "pw-alice-secret"))).status).toBe(200);
  });
});

describe("rights changed on one replica hold on every replica at once", () => {
  let ctx: TestContext;
  let replicas: Replicas;
  let replica1: Replicas["replica1"];
  let replica2: Replicas["replica2"];

  beforeAll(async () => {
    // The default cache TTL (30 s): the test runs well inside it, so only the epoch can explain a refusal.
    ctx = await createTestContext();
    replicas = await twoReplicas(ctx);
    ({ replica1, replica2 } = replicas);
  });
  afterAll(async () => {
    await replicas.close();
    await ctx.close();
  });

  it("a demoted and deactivated admin cannot act as admin on the other replica", async () => {
    const mallory = await createUser(ctx, "mallory", { admin: true });
    const auth = basic(mallory.name, mallory.password);
    // Replica 2 has her cached as an admin.
    expect((await call(replica2.base, "GET", "/enzi/v0/accounts", auth)).status).toBe(200);
    const demoted = await call(replica1.base, "PATCH", "/enzi/v0/accounts/mallory", basic(ADMIN.username, ADMIN.password), {
      isAdmin: false,
      isActive: false,
    });
    expect(demoted.status).toBe(200);
    const create = await call(replica2.base, "POST", "/enzi/v0/accounts", auth, { name: "mallory2", password: "password-123", isAdmin: true });
    expect(create.status).toBe(401);
    expect(await ctx.deps.services.db.account.findUnique({ where: { name: "mallory2" } })).toBeNull();
  });

  it("a revoked token stops working on the other replica", async () => {
    const dave = await createUser(ctx, "dave");
    const token = await createToken(ctx, dave);
    const auth = basic(dave.name, token.token);
    expect((await call(replica2.base, "GET", "/api/v0/webhooks", auth)).status).toBe(200);
    const revoked = await call(replica1.base, "DELETE", `/api/v0/api_tokens/${token.id}`, basic(dave.name, dave.password));
    expect(revoked.status).toBe(200);
    expect((await call(replica2.base, "GET", "/api/v0/webhooks", auth)).status).toBe(401);
  });
});
