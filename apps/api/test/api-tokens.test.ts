// API tokens end to end against real PostgreSQL, in DTR 2.7's shapes: the token is shown once
// (200 responses.NewAPIToken) and only its hash is stored, it works as `username:token`, listing (a
// JSON array, DTR's paging) and reading never show it, PATCH relabels and (de)activates, DELETE
// answers 200, deletion and deactivation hold at once, someone else's token does not exist (404
// NO_SUCH_API_TOKEN), the admin-only options (another user, producer role), and the per-user bound.
import { ZERO_GO_TIME } from "@msr-webhooks/events/go-time";
import { verifySecret } from "../src/identity/secret-hash.js";
import { parseToken } from "../src/identity/api-token.js";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createToken, createUser, type UserFixture } from "./support/fixtures.js";

const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// DTR's responses.APIToken, plus our `role` (a Go client ignores it).
const TOKEN_FIELDS = ["createdAt", "creatorUa", "generatedBy", "hashedToken", "isActive", "lastUsed", "role", "tokenLabel"];

interface TokenBody {
  hashedToken: string;
  tokenLabel: string;
  isActive: boolean;
  createdAt: string;
  lastUsed: string;
  generatedBy: string;
  creatorUa: string;
  role: string;
  token?: string;
}

let ctx: TestContext;
let amy: UserFixture;
let ben: UserFixture;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: Record<string, unknown> }[] }).errors[0]!;
const tokensOf = (body: unknown) => body as TokenBody[];
const ids = (body: unknown) => tokensOf(body).map((t) => t.hashedToken);

beforeAll(async () => {
  ctx = await createTestContext({ API_TOKENS_PER_USER: "30" });
  amy = await createUser(ctx, "amy");
  ben = await createUser(ctx, "ben");
  await createOrg(ctx, "amy-org", { owners: [amy] });
});

afterAll(async () => {
  await ctx.close();
});

describe("POST /api/v0/api_tokens", () => {
  it("answers 200 with the token shown once, stores only a scrypt hash of its secret, and the token signs in", async () => {
    const res = await user(amy).post("/api/v0/api_tokens").set("User-Agent", "docker-cli/19.03 go1.12").send({ tokenLabel: "ci" }).expect(200);
    const body = res.body as TokenBody;
    expect(Object.keys(body).sort()).toEqual([...TOKEN_FIELDS, "token"].sort());
    expect(body).toMatchObject({
      tokenLabel: "ci",
      isActive: true,
      generatedBy: "manual",
      creatorUa: "docker-cli/19.03 go1.12",
      role: "user",
      lastUsed: ZERO_GO_TIME,
    });
    expect(body.hashedToken).toMatch(UUID);
    expect(body.createdAt).toMatch(GO_TIME);
    const parsed = parseToken(body.token!);
    expect(parsed).not.toBeNull();
    expect(parsed!.id).toBe(body.hashedToken);

    const row = await ctx.deps.services.db.apiToken.findUnique({ where: { id: body.hashedToken } });
    expect(row!.secretHash).toMatch(/^scrypt\$/);
    expect(row!.secretHash).not.toContain(parsed!.secret);
    expect(await verifySecret(parsed!.secret, row!.secretHash)).toBe(true);

    await as(ctx, "amy", body.token!).get("/api/v0/api_tokens").expect(200);
    const read = (await user(amy).get(`/api/v0/api_tokens/${body.hashedToken}`).expect(200)).body as TokenBody;
    expect(read.lastUsed).toMatch(GO_TIME);
    expect(read.lastUsed).not.toBe(ZERO_GO_TIME);
  });

  it("defaults the label to an empty string and accepts a body of {}", async () => {
    const res = await user(ben).post("/api/v0/api_tokens").send({}).expect(200);
    expect((res.body as TokenBody).tokenLabel).toBe("");
  });

  it("keeps only the first 256 characters of the User-Agent", async () => {
    const res = await user(ben).post("/api/v0/api_tokens").set("User-Agent", "u".repeat(400)).send({}).expect(200);
    expect((res.body as TokenBody).creatorUa).toBe("u".repeat(256));
  });

  it("lets a system admin create a token for another user (body or DTR's ?username=)", async () => {
    const a = (await admin().post("/api/v0/api_tokens").send({ tokenLabel: "for ben", username: "ben" }).expect(200)).body as TokenBody;
    const b = (await admin().post("/api/v0/api_tokens?username=ben").send({ tokenLabel: "for ben 2" }).expect(200)).body as TokenBody;
    // Both are ben's: listed among his tokens, not the admin's.
    const bens = (await admin().get("/api/v0/api_tokens?username=ben&pageSize=100").expect(200)).body;
    expect(ids(bens)).toEqual(expect.arrayContaining([a.hashedToken, b.hashedToken]));
    expect(ids((await admin().get("/api/v0/api_tokens?pageSize=100").expect(200)).body)).not.toContain(a.hashedToken);
    await as(ctx, "ben", b.token!).get("/api/v0/api_tokens").expect(200);
    // The token is ben's: it does not sign in as the admin.
    await as(ctx, ADMIN.username, b.token!).get("/api/v0/api_tokens").expect(401);
  });

  it("refuses a normal user creating tokens for someone else or producer tokens (403), storing nothing", async () => {
    const before = await ctx.deps.services.db.apiToken.count();
    await user(amy).post("/api/v0/api_tokens").send({ username: "ben" }).expect(403);
    await user(amy).post("/api/v0/api_tokens?username=ben").send({}).expect(403);
    const res = await user(amy).post("/api/v0/api_tokens").send({ role: "producer" }).expect(403);
    expect(errorOf(res.body).code).toBe("NOT_AUTHORIZED");
    expect(await ctx.deps.services.db.apiToken.count()).toBe(before);
  });

  it("answers 404 for an unknown user and 400 for an organization or disagreeing usernames", async () => {
    const a = await admin().post("/api/v0/api_tokens").send({ username: "nobody" }).expect(404);
    expect(errorOf(a.body).code).toBe("NO_SUCH_ACCOUNT");
    const b = await admin().post("/api/v0/api_tokens").send({ username: "amy-org" }).expect(400);
    expect(errorOf(b.body).detail).toEqual({ field: "username" });
    const c = await admin().post("/api/v0/api_tokens?username=amy").send({ username: "ben" }).expect(400);
    expect(errorOf(c.body).detail).toEqual({ field: "username" });
  });

  it.each([
    ["a NUL in the label", { tokenLabel: "a\u0000" }, "tokenLabel"],
    ["an over-long label", { tokenLabel: "l".repeat(201) }, "tokenLabel"],
    ["a non-string label", { tokenLabel: 5 }, "tokenLabel"],
    ["an unknown role", { role: "root" }, "role"],
    ["an unknown field", { token: "mine" }, "token"],
  ])("answers 400 INVALID_PARAMETERS for %s", async (_what, body, field) => {
    const res = await user(amy).post("/api/v0/api_tokens").send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
  });
});

describe("GET /api/v0/api_tokens", () => {
  it("lists the caller's tokens as a JSON array, without the secret", async () => {
    const created = (await user(ben).post("/api/v0/api_tokens").send({ tokenLabel: "listed" }).expect(200)).body as TokenBody;
    const res = await user(ben).get("/api/v0/api_tokens?pageSize=100").expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    const tokens = tokensOf(res.body);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    for (const t of tokens) expect(Object.keys(t).sort()).toEqual(TOKEN_FIELDS);
    expect(JSON.stringify(res.body)).not.toContain(created.token!);
    expect(tokens.map((t) => t.tokenLabel)).toContain("listed");
  });

  it("shows another user's tokens to a system admin only", async () => {
    const res = await admin().get("/api/v0/api_tokens?username=amy").expect(200);
    expect(tokensOf(res.body).map((t) => t.tokenLabel)).toContain("ci");
    await user(ben).get("/api/v0/api_tokens?username=amy").expect(403);
    await admin().get("/api/v0/api_tokens?username=nobody").expect(404);
    await admin().get("/api/v0/api_tokens?username=Amy").expect(400);
  });

  it("pages as DTR does: 10 by default, pageStart from X-Next-Page-Start, X-Resource-Count with count=true", async () => {
    const pat = await createUser(ctx, "pat");
    const made: string[] = [];
    for (let i = 0; i < 12; i += 1) made.push((await createToken(ctx, pat)).id);
    const first = await user(pat).get("/api/v0/api_tokens").expect(200);
    expect(tokensOf(first.body)).toHaveLength(10);
    expect(first.headers["x-resource-count"]).toBeUndefined();
    const next = first.headers["x-next-page-start"] as string;
    expect(next).toMatch(UUID);
    const second = await user(pat).get(`/api/v0/api_tokens?pageStart=${next}&pageSize=10&count=true`).expect(200);
    expect(tokensOf(second.body)).toHaveLength(2);
    expect(second.headers["x-next-page-start"]).toBeUndefined();
    expect(second.headers["x-resource-count"]).toBe("12");
    expect([...ids(first.body), ...ids(second.body)].sort()).toEqual([...made].sort());
    // A pageStart from someone else's tokens, and out-of-range sizes, are refused.
    const amys = await createToken(ctx, amy);
    expect(errorOf((await user(pat).get(`/api/v0/api_tokens?pageStart=${amys.id}`).expect(400)).body).detail).toEqual({ field: "pageStart" });
    await user(pat).get("/api/v0/api_tokens?pageSize=0").expect(400);
    await user(pat).get("/api/v0/api_tokens?pageSize=1001").expect(400);
  });
});

describe("GET and PATCH /api/v0/api_tokens/{hashedToken}", () => {
  it("reads one token without its secret", async () => {
    const t = await createToken(ctx, amy);
    const res = await user(amy).get(`/api/v0/api_tokens/${t.id}`).expect(200);
    expect(Object.keys(res.body as object).sort()).toEqual(TOKEN_FIELDS);
    expect(res.body).toMatchObject({ hashedToken: t.id, isActive: true, tokenLabel: "fixture" });
  });

  it("relabels, deactivates (refused at once, though just cached) and reactivates", async () => {
    const created = (await user(amy).post("/api/v0/api_tokens").send({ tokenLabel: "old" }).expect(200)).body as TokenBody;
    await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(200);
    const relabelled = await user(amy).patch(`/api/v0/api_tokens/${created.hashedToken}`).send({ tokenLabel: "new" }).expect(200);
    expect(relabelled.body).toMatchObject({ tokenLabel: "new", isActive: true });
    await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(200);

    const off = await user(amy).patch(`/api/v0/api_tokens/${created.hashedToken}`).send({ isActive: false }).expect(200);
    expect(off.body).toMatchObject({ tokenLabel: "new", isActive: false });
    expect(errorOf((await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(401)).body).code).toBe("NOT_AUTHENTICATED");
    // Still listed, as inactive.
    const listed = tokensOf((await user(amy).get("/api/v0/api_tokens?pageSize=100").expect(200)).body).find((t) => t.hashedToken === created.hashedToken);
    expect(listed).toMatchObject({ isActive: false });

    await user(amy).patch(`/api/v0/api_tokens/${created.hashedToken}`).send({ isActive: true }).expect(200);
    await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(200);
    // An empty patch changes nothing.
    expect((await user(amy).patch(`/api/v0/api_tokens/${created.hashedToken}`).send({}).expect(200)).body).toMatchObject({ tokenLabel: "new", isActive: true });
  });

  it("lets a system admin deactivate another user's token", async () => {
    const t = await createToken(ctx, ben);
    await as(ctx, "ben", t.token).get("/api/v0/api_tokens").expect(200);
    await admin().patch(`/api/v0/api_tokens/${t.id}`).send({ isActive: false }).expect(200);
    await as(ctx, "ben", t.token).get("/api/v0/api_tokens").expect(401);
  });

  it("hides someone else's token from a normal user: 404 NO_SUCH_API_TOKEN for GET and PATCH, nothing changed", async () => {
    const bens = await createToken(ctx, ben);
    expect(errorOf((await user(amy).get(`/api/v0/api_tokens/${bens.id}`).expect(404)).body).code).toBe("NO_SUCH_API_TOKEN");
    const res = await user(amy).patch(`/api/v0/api_tokens/${bens.id}`).send({ isActive: false, tokenLabel: "mine" }).expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_API_TOKEN");
    const row = await ctx.deps.services.db.apiToken.findUnique({ where: { id: bens.id } });
    expect(row).toMatchObject({ isActive: true, label: "fixture" });
    await as(ctx, "ben", bens.token).get("/api/v0/api_tokens").expect(200);
  });

  it.each([
    ["a non-boolean isActive", { isActive: "no" }, "isActive"],
    ["a NUL in the label", { tokenLabel: "a\u0000" }, "tokenLabel"],
    ["an unknown field", { role: "producer" }, "role"],
  ])("answers 400 INVALID_PARAMETERS for %s", async (_what, body, field) => {
    const t = await createToken(ctx, amy);
    const res = await user(amy).patch(`/api/v0/api_tokens/${t.id}`).send(body).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field } });
  });

  it("writes lastUsed at most once a minute per token", async () => {
    const t = await createToken(ctx, amy);
    const db = ctx.deps.services.db;
    const stamp = new Date(Date.now() - 30_000);
    await db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: stamp } });
    await as(ctx, "amy", t.token).get("/api/v0/api_tokens").expect(200);
    expect((await db.apiToken.findUnique({ where: { id: t.id } }))!.lastUsedAt).toEqual(stamp);
    const old = new Date(Date.now() - 61_000);
    await db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: old } });
    // A fresh epoch, so the sign-in is checked (not served from the cache) and lastUsed considered.
    await ctx.deps.services.auth.invalidate();
    await as(ctx, "amy", t.token).get("/api/v0/api_tokens").expect(200);
    expect((await db.apiToken.findUnique({ where: { id: t.id } }))!.lastUsedAt!.getTime()).toBeGreaterThan(old.getTime());
  });
});

describe("DELETE /api/v0/api_tokens/{hashedToken}", () => {
  it("deletes the caller's token with 200; it stops working at once, even though it was just cached", async () => {
    const created = (await user(amy).post("/api/v0/api_tokens").send({ tokenLabel: "short-lived" }).expect(200)).body as TokenBody;
    await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(200);
    const res = await user(amy).delete(`/api/v0/api_tokens/${created.hashedToken}`).expect(200);
    expect(res.text).toBe("");
    const refused = await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(401);
    expect(errorOf(refused.body).code).toBe("NOT_AUTHENTICATED");
    expect(ids((await user(amy).get("/api/v0/api_tokens?pageSize=100").expect(200)).body)).not.toContain(created.hashedToken);
    await user(amy).get(`/api/v0/api_tokens/${created.hashedToken}`).expect(404);
  });

  it("answers 404 NO_SUCH_API_TOKEN for someone else's token to a normal user, and keeps it", async () => {
    const bens = await createToken(ctx, ben);
    const res = await user(amy).delete(`/api/v0/api_tokens/${bens.id}`).expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_API_TOKEN");
    await as(ctx, "ben", bens.token).get("/api/v0/api_tokens").expect(200);
    // A system admin may delete it.
    await admin().delete(`/api/v0/api_tokens/${bens.id}`).expect(200);
    await as(ctx, "ben", bens.token).get("/api/v0/api_tokens").expect(401);
  });

  it("lets a token delete itself", async () => {
    const t = await createToken(ctx, ben);
    await as(ctx, "ben", t.token).delete(`/api/v0/api_tokens/${t.id}`).expect(200);
    await as(ctx, "ben", t.token).get("/api/v0/api_tokens").expect(401);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(errorOf((await user(amy).delete(`/api/v0/api_tokens/${unknown}`).expect(404)).body).code).toBe("NO_SUCH_API_TOKEN");
    await user(amy).get(`/api/v0/api_tokens/${unknown}`).expect(404);
    await user(amy).patch(`/api/v0/api_tokens/${unknown}`).send({ isActive: false }).expect(404);
    const res = await user(amy).delete("/api/v0/api_tokens/not-a-uuid").expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "hashedToken" } });
  });

  it("needs credentials", async () => {
    const res = await anon(ctx).delete("/api/v0/api_tokens/00000000-0000-4000-8000-000000000000").expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
  });
});

describe("API_TOKENS_PER_USER", () => {
  it("refuses the token past the bound with 400, also when the creates race, and counts inactive ones", async () => {
    const kit = await createUser(ctx, "kit");
    for (let i = 0; i < 27; i += 1) await createToken(ctx, kit);
    const inactive = await createToken(ctx, kit);
    await ctx.deps.services.db.apiToken.update({ where: { id: inactive.id }, data: { isActive: false } });
    // Signed in first, so the parallel creates meet at the check rather than queue behind password hashing.
    await user(kit).get("/api/v0/api_tokens").expect(200);
    // 28 held, 30 allowed: of 6 parallel creates exactly 2 pass.
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => user(kit).post("/api/v0/api_tokens").send({}).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 400)).toHaveLength(4);
    const res = await user(kit).post("/api/v0/api_tokens").send({}).expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { limit: "API_TOKENS_PER_USER", max: 30 } });
    expect(await ctx.deps.services.db.apiToken.count({ where: { accountId: kit.id } })).toBe(30);
  });
});

describe("producer tokens", () => {
  it("are created by admins and may not use user endpoints (403)", async () => {
    const res = await admin().post("/api/v0/api_tokens").send({ username: "ben", role: "producer", tokenLabel: "registry" }).expect(200);
    const body = res.body as TokenBody;
    expect(body).toMatchObject({ role: "producer", tokenLabel: "registry" });
    expect(ids((await admin().get("/api/v0/api_tokens?username=ben&pageSize=100").expect(200)).body)).toContain(body.hashedToken);
    const refused = await as(ctx, "ben", body.token!).get("/api/v0/api_tokens").expect(403);
    expect(errorOf(refused.body).code).toBe("NOT_AUTHORIZED");
    await as(ctx, "ben", body.token!).post("/api/v0/api_tokens").send({}).expect(403);
  });
});
