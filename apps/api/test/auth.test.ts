// HTTP Basic authentication end to end: password and token credentials, every way to be
// refused (401 with a Basic challenge), and changes that must take effect despite the cache.
import { ADMIN, anon, as, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createToken, createUser, type UserFixture } from "./support/fixtures.js";

let ctx: TestContext;
let kim: UserFixture;
let lee: UserFixture;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);
const errorOf = (body: unknown) => (body as { errors: { code: string }[] }).errors[0]!;
const PROTECTED = "/api/v0/api_tokens";

async function expect401(res: { status: number; headers: Record<string, string>; body: unknown }): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers["www-authenticate"]).toMatch(/^Basic realm=/);
  expect(errorOf(res.body).code).toBe("NOT_AUTHENTICATED");
}

beforeAll(async () => {
  ctx = await createTestContext();
  kim = await createUser(ctx, "kim");
  lee = await createUser(ctx, "lee");
  await createOrg(ctx, "kim-org", { owners: [kim] });
});

afterAll(async () => {
  await ctx.close();
});

describe("refused credentials", () => {
  it("answers 401 with a Basic challenge without credentials", async () => {
    await expect401(await anon(ctx).get(PROTECTED));
    await expect401(await anon(ctx).get("/enzi/v0/accounts"));
  });

  it("answers 401 for a wrong password, an unknown user and a malformed header", async () => {
    await expect401(await as(ctx, "kim", "wrong-password").get(PROTECTED));
    await expect401(await as(ctx, "nobody", kim.password).get(PROTECTED));
    const bearer = await anon(ctx).get("/enzi/v0/accounts/kim").set("Authorization", "Bearer abc");
    await expect401(bearer);
    const noColon = await anon(ctx).get("/enzi/v0/accounts/kim").set("Authorization", `Basic ${Buffer.from("kim").toString("base64")}`);
    await expect401(noColon);
  });

  it("answers 401 for an organization's name (organizations cannot sign in)", async () => {
    await expect401(await as(ctx, "kim-org", "").get(PROTECTED));
    await expect401(await as(ctx, "kim-org", kim.password).get(PROTECTED));
  });

  it("answers 401 for a token under another user's name", async () => {
    const t = await createToken(ctx, kim);
    await expect401(await as(ctx, "lee", t.token).get(PROTECTED));
  });

  it("answers 401 for a token with a tampered secret", async () => {
    const t = await createToken(ctx, kim);
    const tampered = t.token.slice(0, -1) + (t.token.endsWith("A") ? "B" : "A");
    await expect401(await as(ctx, "kim", tampered).get(PROTECTED));
  });
});

describe("accepted credentials", () => {
  it("takes username:password", async () => {
    const res = await as(ctx, "kim", kim.password).get("/enzi/v0/accounts/kim").expect(200);
    expect(res.body).toMatchObject({ name: "kim" });
  });

  it("takes username:token and acts as that user", async () => {
    const t = await createToken(ctx, lee);
    const res = await as(ctx, "lee", t.token).post("/api/v0/repositories/lee").send({ name: "via-token" }).expect(201);
    expect(res.body).toMatchObject({ namespace: "lee", name: "via-token" });
    const [event] = await ctx.deps.services.db.event.findMany({ where: { namespace: "lee", repository: "via-token" } });
    expect(event!.contents).toMatchObject({ author: "lee" });
  });

  it("treats the Basic scheme name case-insensitively", async () => {
    const header = basic("kim", kim.password).replace("Basic", "basic");
    await anon(ctx).get("/enzi/v0/accounts/kim").set("Authorization", header).expect(200);
  });
});

describe("changes that must bite at once", () => {
  it("a revoked token stops working although its last check was cached", async () => {
    const t = await createToken(ctx, kim);
    await as(ctx, "kim", t.token).get(PROTECTED).expect(200);
    await as(ctx, "kim", kim.password).delete(`/api/v0/api_tokens/${t.id}`).expect(200);
    await expect401(await as(ctx, "kim", t.token).get(PROTECTED));
  });

  it("a deactivated user is refused with password and token", async () => {
    const max = await createUser(ctx, "max");
    const t = await createToken(ctx, max);
    await as(ctx, "max", max.password).get(PROTECTED).expect(200);
    await as(ctx, "max", t.token).get(PROTECTED).expect(200);
    await admin().patch("/enzi/v0/accounts/max").send({ isActive: false }).expect(200);
    await expect401(await as(ctx, "max", max.password).get(PROTECTED));
    await expect401(await as(ctx, "max", t.token).get(PROTECTED));
  });

  it("a demoted admin loses admin rights at once", async () => {
    const ned = await createUser(ctx, "ned", { admin: true });
    await as(ctx, "ned", ned.password).get("/api/v0/api_tokens?username=kim").expect(200);
    await admin().patch("/enzi/v0/accounts/ned").send({ isAdmin: false }).expect(200);
    await as(ctx, "ned", ned.password).get("/api/v0/api_tokens?username=kim").expect(403);
  });

  it("a deleted user is refused", async () => {
    const oz = await createUser(ctx, "oz");
    await as(ctx, "oz", oz.password).get(PROTECTED).expect(200);
    await admin().delete("/enzi/v0/accounts/oz").expect(204);
    await expect401(await as(ctx, "oz", oz.password).get(PROTECTED));
  });
});
