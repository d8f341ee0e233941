// The console's sign-in session (issue 16): the cookie's flags, its lifetime and bound, sign-out,
// revocation when the account is deactivated or demoted, CSRF refusal of cookie-borne writes,
// and that failed console sign-ins go through the same sign-in gate as HTTP Basic.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { ADMIN, as, createTestContext, type TestContext } from "./support/test-context.js";
import { createToken, createUser, type UserFixture } from "./support/fixtures.js";

interface SessionBody {
  username: string;
  isAdmin: boolean;
  csrfToken: string;
  expiresAt: string;
}

let ctx: TestContext;
let user: UserFixture;

const consoleDir = mkdtempSync(path.join(tmpdir(), "console-"));
mkdirSync(path.join(consoleDir, "assets"));
writeFileSync(path.join(consoleDir, "index.html"), '<!doctype html><title>console</title><script type="module" src="/assets/app-1a2b.js"></script>');
writeFileSync(path.join(consoleDir, "assets", "app-1a2b.js"), "console.log(1)");

beforeAll(async () => {
  ctx = await createTestContext({ TRUST_PROXY: "loopback", SESSION_TTL_MS: "3600000", SESSIONS_PER_USER: "2", CONSOLE_DIR: consoleDir });
  user = await createUser(ctx, "casey");
});
afterAll(async () => {
  await ctx.close();
});

async function signIn(username: string, password: string, headers: Record<string, string> = {}): Promise<{ cookie: string; body: SessionBody }> {
  const res = await request(ctx.app).post("/api/v0/session").set(headers).set("Accept", "application/json").send({ username, password }).expect(201);
  const setCookie = res.headers["set-cookie"] as unknown as string[];
  return { cookie: setCookie[0]!.split(";")[0]!, body: res.body as SessionBody };
}

const webhookBody = { type: "TAG_PUSH", key: "", endpoint: "https://127.0.0.1:1/hook" };

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Strict, Path=/ and lasts SESSION_TTL_MS; Secure only over HTTPS", async () => {
    const res = await request(ctx.app).post("/api/v0/session").set("Accept", "application/json").send({ username: user.name, password: user.password }).expect(201);
    const cookie = (res.headers["set-cookie"] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^msrwh_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("; HttpOnly");
    expect(cookie).toContain("; SameSite=Strict");
    expect(cookie).toContain("; Path=/");
    expect(cookie).toContain("; Max-Age=3600");
    expect(cookie).not.toContain("Secure");
    expect(res.body).toMatchObject({ username: "casey", isAdmin: false, csrfToken: expect.stringMatching(/^\S{43}$/) });

    // Behind a trusted proxy that terminated TLS.
    const https = await request(ctx.app)
      .post("/api/v0/session")
      .set("X-Forwarded-Proto", "https")
      .set("Accept", "application/json")
      .send({ username: user.name, password: user.password })
      .expect(201);
    expect((https.headers["set-cookie"] as unknown as string[])[0]).toContain("; Secure");
  });

  it("signs in with an API token too, and answers who is signed in", async () => {
    const token = await createToken(ctx, user);
    const { cookie, body } = await signIn(user.name, token.token);
    const me = await request(ctx.app).get("/api/v0/session").set("Cookie", cookie).set("Accept", "application/json").expect(200);
    expect(me.body).toEqual(body);
    await request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json").expect(200);
  });

  it("answers a wrong password with 401 and no Basic challenge (no browser dialog)", async () => {
    const res = await request(ctx.app).post("/api/v0/session").set("Accept", "application/json").send({ username: user.name, password: "wrong" }).expect(401);
    expect(res.headers["www-authenticate"]).toBeUndefined();
    expect(res.body).toEqual({ errors: [{ code: "NOT_AUTHENTICATED", message: "invalid username, password or token" }] });
  });

  it("keeps at most SESSIONS_PER_USER sessions per account: the oldest ends", async () => {
    const other = await createUser(ctx, "bound");
    const first = await signIn(other.name, other.password);
    await signIn(other.name, other.password);
    await signIn(other.name, other.password);
    await request(ctx.app).get("/api/v0/webhooks").set("Cookie", first.cookie).set("Accept", "application/json").expect(401);
  });
});

describe("ending sessions", () => {
  it("sign-out ends the session: the cookie no longer works", async () => {
    const { cookie } = await signIn(user.name, user.password);
    const out = await request(ctx.app).delete("/api/v0/session").set("Cookie", cookie).set("Accept", "application/json").expect(204);
    expect((out.headers["set-cookie"] as unknown as string[])[0]).toMatch(/^msrwh_session=; .*Max-Age=0/);
    const res = await request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json").expect(401);
    expect(res.headers["www-authenticate"]).toBeUndefined();
  });

  it("deactivating the account ends its sessions", async () => {
    const dana = await createUser(ctx, "dana");
    const { cookie } = await signIn(dana.name, dana.password);
    await request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json").expect(200);
    await as(ctx, ADMIN.username, ADMIN.password).patch(`/enzi/v0/accounts/${dana.name}`).send({ isActive: false }).expect(200);
    await request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json").expect(401);
    await request(ctx.app).get("/api/v0/session").set("Cookie", cookie).set("Accept", "application/json").expect(401);
  });

  it("deactivating or deleting the API token a session was opened with ends that session", async () => {
    const tia = await createUser(ctx, "tia");
    const [first, second] = [await createToken(ctx, tia), await createToken(ctx, tia)];
    const viaFirst = await signIn(tia.name, first.token);
    const viaSecond = await signIn(tia.name, second.token);
    const get = (cookie: string) => request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json");
    await get(viaFirst.cookie).expect(200);
    await as(ctx, tia.name, tia.password).patch(`/api/v0/api_tokens/${first.id}`).send({ isActive: false }).expect(200);
    await get(viaFirst.cookie).expect(401);
    await get(viaSecond.cookie).expect(200);
    await as(ctx, tia.name, tia.password).delete(`/api/v0/api_tokens/${second.id}`).expect(200);
    await get(viaSecond.cookie).expect(401);
  });

  it("demoting a system admin ends the sessions opened with the admin right", async () => {
    const root = await createUser(ctx, "root2", { admin: true });
    const { cookie, body } = await signIn(root.name, root.password);
    expect(body.isAdmin).toBe(true);
    await as(ctx, ADMIN.username, ADMIN.password).patch(`/enzi/v0/accounts/${root.name}`).send({ isAdmin: false }).expect(200);
    await request(ctx.app).get("/api/v0/webhooks").set("Cookie", cookie).set("Accept", "application/json").expect(401);
  });
});

describe("CSRF", () => {
  it("refuses a cookie-borne write without the session's X-CSRF-Token, or from another origin", async () => {
    const admin = await signIn(ADMIN.username, ADMIN.password);
    const post = () => request(ctx.app).post("/api/v0/webhooks").set("Cookie", admin.cookie).set("Accept", "application/json");
    const none = await post().send(webhookBody).expect(403);
    expect(none.body.errors[0].message).toMatch(/X-CSRF-Token/);
    await post().set("X-CSRF-Token", "x".repeat(43)).send(webhookBody).expect(403);
    await post().set("X-CSRF-Token", admin.body.csrfToken).set("Origin", "https://evil.example").send(webhookBody).expect(403);
    await post().set("X-CSRF-Token", admin.body.csrfToken).set("Sec-Fetch-Site", "cross-site").send(webhookBody).expect(403);
    expect(await ctx.deps.services.db.webhook.count()).toBe(0);
    await post().set("X-CSRF-Token", admin.body.csrfToken).set("Sec-Fetch-Site", "same-origin").send(webhookBody).expect(201);
  });

  it("leaves HTTP Basic clients as they were: no token needed", async () => {
    await as(ctx, ADMIN.username, ADMIN.password).post("/api/v0/webhooks").send({ ...webhookBody, endpoint: "https://127.0.0.1:2/hook" }).expect(201);
  });
});

describe("the console's files", () => {
  it("serves index.html for browser paths, assets as immutable, and keeps the API's 404s and security headers", async () => {
    const index = await request(ctx.app).get("/").expect(200);
    expect(index.headers["content-type"]).toMatch(/^text\/html/);
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    const deep = await request(ctx.app).get("/webhooks/abc/deliveries/def").expect(200);
    expect(deep.text).toBe(index.text);
    const asset = await request(ctx.app).get("/assets/app-1a2b.js").expect(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    await request(ctx.app).get("/assets/missing.js").expect(404);
    const api = await request(ctx.app).get("/api/v0/nowhere").set("Accept", "application/json").expect(404);
    expect(api.body.errors[0].code).toBe("NOT_FOUND");
  });
});

describe("failed console sign-ins", () => {
  it("are counted by the sign-in gate: past the limit even the right password gets 429", async () => {
    const limited = await createTestContext({ AUTH_FAILURE_LIMIT: "2" });
    try {
      const eve = await createUser(limited, "eve");
      const post = (password: string) =>
        request(limited.app).post("/api/v0/session").set("Accept", "application/json").send({ username: eve.name, password });
      await post("wrong-1").expect(401);
      await post("wrong-2").expect(401);
      const res = await post(eve.password).expect(429);
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    } finally {
      await limited.close();
    }
  });
});
