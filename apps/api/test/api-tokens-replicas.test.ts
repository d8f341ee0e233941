// A token deactivated (PATCH isActive false) on one API replica is refused at once on another
// replica that has its sign-in cached: the auth epoch in Redis, not the cache TTL, ends it there.
import { basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser } from "./support/fixtures.js";
import { call, twoReplicas, type Replicas } from "./support/replicas.js";

let ctx: TestContext;
let replicas: Replicas;

beforeAll(async () => {
  // A cache TTL far longer than the test: only the epoch can explain a refusal on replica 2.
  ctx = await createTestContext({ AUTH_CACHE_TTL_MS: "600000" });
  replicas = await twoReplicas(ctx);
});

afterAll(async () => {
  await replicas.close();
  await ctx.close();
});

it("a token deactivated on one replica is refused at once on the other, and works again once reactivated", async () => {
  const { replica1, replica2 } = replicas;
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
