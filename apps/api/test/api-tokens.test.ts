// API tokens end to end against real PostgreSQL: the token is shown once and only its hash is
// stored, it works as `username:token`, listing never shows it, revocation is immediate, and
// the admin-only options (another user, producer role).
import { ZERO_GO_TIME } from "@msr-webhooks/events/go-time";
import { verifySecret } from "../src/identity/secret-hash.js";
import { parseToken } from "../src/identity/api-token.js";
import { ADMIN, anon, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createToken, createUser, type UserFixture } from "./support/fixtures.js";

const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN_FIELDS = ["creationTime", "generatedBy", "hashedToken", "isActive", "lastUsed", "role", "tokenLabel"];

interface TokenBody {
  hashedToken: string;
  tokenLabel: string;
  isActive: boolean;
  creationTime: string;
  lastUsed: string;
  generatedBy: string;
  role: string;
  token?: string;
}

let ctx: TestContext;
let amy: UserFixture;
let ben: UserFixture;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const user = (u: UserFixture) => as(ctx, u.name, u.password);
const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: { field?: string } }[] }).errors[0]!;
const tokensOf = (body: unknown) => (body as { apiTokens: TokenBody[] }).apiTokens;

beforeAll(async () => {
  ctx = await createTestContext();
  amy = await createUser(ctx, "amy");
  ben = await createUser(ctx, "ben");
  await createOrg(ctx, "amy-org", { owners: [amy] });
});

afterAll(async () => {
  await ctx.close();
});

describe("POST /api/v0/api_tokens", () => {
  it("creates a token shown once, stores only a scrypt hash of its secret, and the token signs in", async () => {
    const res = await user(amy).post("/api/v0/api_tokens").send({ tokenLabel: "ci" }).expect(201);
    const body = res.body as TokenBody;
    expect(Object.keys(body).sort()).toEqual([...TOKEN_FIELDS, "token"].sort());
    expect(body).toMatchObject({ tokenLabel: "ci", isActive: true, generatedBy: "amy", role: "user", lastUsed: ZERO_GO_TIME });
    expect(body.hashedToken).toMatch(UUID);
    expect(body.creationTime).toMatch(GO_TIME);
    const parsed = parseToken(body.token!);
    expect(parsed).not.toBeNull();
    expect(parsed!.id).toBe(body.hashedToken);

    const row = await ctx.deps.services.db.apiToken.findUnique({ where: { id: body.hashedToken } });
    expect(row!.secretHash).toMatch(/^scrypt\$/);
    expect(row!.secretHash).not.toContain(parsed!.secret);
    expect(await verifySecret(parsed!.secret, row!.secretHash)).toBe(true);

    const me = await as(ctx, "amy", body.token!).get("/api/v0/api_tokens").expect(200);
    const listed = tokensOf(me.body).find((t) => t.hashedToken === body.hashedToken)!;
    expect(listed.lastUsed).toMatch(GO_TIME);
    expect(listed.lastUsed).not.toBe(ZERO_GO_TIME);
  });

  it("defaults the label to an empty string and accepts a body of {}", async () => {
    const res = await user(ben).post("/api/v0/api_tokens").send({}).expect(201);
    expect((res.body as TokenBody).tokenLabel).toBe("");
  });

  it("lets a system admin create a token for another user (body or MSR's ?username=)", async () => {
    const a = await admin().post("/api/v0/api_tokens").send({ tokenLabel: "for ben", username: "ben" }).expect(201);
    expect((a.body as TokenBody).generatedBy).toBe("ben");
    const b = await admin().post("/api/v0/api_tokens?username=ben").send({ tokenLabel: "for ben 2" }).expect(201);
    expect((b.body as TokenBody).generatedBy).toBe("ben");
    await as(ctx, "ben", (b.body as TokenBody).token!).get("/api/v0/api_tokens").expect(200);
    // The token is ben's: it does not sign in as the admin.
    await as(ctx, ADMIN.username, (b.body as TokenBody).token!).get("/api/v0/api_tokens").expect(401);
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
  it("lists the caller's tokens without the secret", async () => {
    const created = await user(ben).post("/api/v0/api_tokens").send({ tokenLabel: "listed" }).expect(201);
    const res = await user(ben).get("/api/v0/api_tokens").expect(200);
    const tokens = tokensOf(res.body);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    for (const t of tokens) {
      expect(Object.keys(t).sort()).toEqual(TOKEN_FIELDS);
      expect(t.generatedBy).toBe("ben");
    }
    expect(JSON.stringify(res.body)).not.toContain((created.body as TokenBody).token!);
    expect(tokens.map((t) => t.tokenLabel)).toContain("listed");
  });

  it("shows another user's tokens to a system admin only", async () => {
    const res = await admin().get("/api/v0/api_tokens?username=amy").expect(200);
    expect(tokensOf(res.body).every((t) => t.generatedBy === "amy")).toBe(true);
    expect(tokensOf(res.body).map((t) => t.tokenLabel)).toContain("ci");
    await user(ben).get("/api/v0/api_tokens?username=amy").expect(403);
    await admin().get("/api/v0/api_tokens?username=nobody").expect(404);
    await admin().get("/api/v0/api_tokens?username=Amy").expect(400);
  });
});

describe("DELETE /api/v0/api_tokens/{hashedToken}", () => {
  it("revokes the caller's token; it stops working at once, even though it was just cached", async () => {
    const created = (await user(amy).post("/api/v0/api_tokens").send({ tokenLabel: "short-lived" }).expect(201)).body as TokenBody;
    await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(200);
    await user(amy).delete(`/api/v0/api_tokens/${created.hashedToken}`).expect(204);
    const res = await as(ctx, "amy", created.token!).get("/api/v0/api_tokens").expect(401);
    expect(errorOf(res.body).code).toBe("NOT_AUTHENTICATED");
    expect(tokensOf((await user(amy).get("/api/v0/api_tokens").expect(200)).body).map((t) => t.hashedToken)).not.toContain(
      created.hashedToken,
    );
  });

  it("answers 404 NO_SUCH_TOKEN for someone else's token to a normal user, and keeps it", async () => {
    const bens = await createToken(ctx, ben);
    const res = await user(amy).delete(`/api/v0/api_tokens/${bens.id}`).expect(404);
    expect(errorOf(res.body).code).toBe("NO_SUCH_TOKEN");
    await as(ctx, "ben", bens.token).get("/api/v0/api_tokens").expect(200);
    // A system admin may revoke it.
    await admin().delete(`/api/v0/api_tokens/${bens.id}`).expect(204);
    await as(ctx, "ben", bens.token).get("/api/v0/api_tokens").expect(401);
  });

  it("lets a token revoke itself", async () => {
    const t = await createToken(ctx, ben);
    await as(ctx, "ben", t.token).delete(`/api/v0/api_tokens/${t.id}`).expect(204);
    await as(ctx, "ben", t.token).get("/api/v0/api_tokens").expect(401);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    await user(amy).delete("/api/v0/api_tokens/00000000-0000-4000-8000-000000000000").expect(404);
    const res = await user(amy).delete("/api/v0/api_tokens/not-a-uuid").expect(400);
    expect(errorOf(res.body)).toMatchObject({ code: "INVALID_PARAMETERS", detail: { field: "hashedToken" } });
  });

  it("needs credentials", async () => {
    const res = await anon(ctx).delete("/api/v0/api_tokens/00000000-0000-4000-8000-000000000000").expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
  });
});

describe("producer tokens", () => {
  it("are created by admins and may not use user endpoints (403)", async () => {
    const res = await admin().post("/api/v0/api_tokens").send({ username: "ben", role: "producer", tokenLabel: "registry" }).expect(201);
    const body = res.body as TokenBody;
    expect(body).toMatchObject({ role: "producer", generatedBy: "ben" });
    const refused = await as(ctx, "ben", body.token!).get("/api/v0/api_tokens").expect(403);
    expect(errorOf(refused.body).code).toBe("NOT_AUTHORIZED");
    await as(ctx, "ben", body.token!).post("/api/v0/api_tokens").send({}).expect(403);
  });
});
