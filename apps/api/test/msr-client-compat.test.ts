// Requests as existing MSR/DTR clients (Go, Java, generated from DTR's Swagger) send them, against
// the real API: parameterised Accept headers, JSON null for optional fields, a free-form
// webhookType, the path /repositories/{ns}/webhooks when a repository of that name exists, and
// DTR's API description path /api/v0/docs.json.
import request from "supertest";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { ADMIN, as, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, type UserFixture } from "./support/fixtures.js";

interface WebhookBody {
  id: string;
  type: string;
  key: string;
  tlsCert: string;
  skipTLSVerification: boolean;
  inactive: boolean;
}

let ctx: TestContext;
let maria: UserFixture; // owns the organizations acme (with a repository named "webhooks") and plain
let bob: UserFixture; // nothing in acme or plain
let receiver: Receiver;

const user = (u: UserFixture) => as(ctx, u.name, u.password);
const admin = () => as(ctx, ADMIN.username, ADMIN.password);

beforeAll(async () => {
  ctx = await createTestContext();
  receiver = await startReceiver();
  maria = await createUser(ctx, "maria");
  bob = await createUser(ctx, "bob");
  const acme = await createOrg(ctx, "acme", { owners: [maria] });
  await createRepo(ctx, acme, "app");
  await createRepo(ctx, acme, "webhooks", "private");
  await createOrg(ctx, "plain", { owners: [maria] });
});

afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

describe("Accept", () => {
  const listWith = (accept: string) =>
    request(ctx.app).get("/api/v0/webhooks").set("Authorization", basic(maria.name, maria.password)).set("Accept", accept);

  it.each([
    "application/json; charset=utf-8", // Go clients
    "application/json;charset=UTF-8", // Spring
    "Application/JSON",
    "application/json;q=0.9, */*;q=0.1",
    "*/*",
    "application/*; charset=utf-8",
    "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", // Java's HttpURLConnection default
    "text/plain, application/json; charset=utf-8; q=0.5",
  ])("answers JSON to %s", async (accept) => {
    const res = await listWith(accept).expect(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toEqual([]);
  });

  it("answers JSON without an Accept header", async () => {
    await user(maria).get("/api/v0/webhooks").unset("Accept").expect(200);
  });

  it.each(["text/html", "application/xml", "application/json;q=0", "application/json; charset=utf-8; q=0, text/html", "application/xml, */*;q=0"])(
    "answers 406 NOT_ACCEPTABLE to %s, which excludes JSON",
    async (accept) => {
      const res = await listWith(accept).expect(406);
      expect(res.body).toEqual({ errors: [expect.objectContaining({ code: "NOT_ACCEPTABLE" })] });
    },
  );
});

describe("JSON null in a request body is an absent field (Go's decoder)", () => {
  it("creates with tlsCert, skipTLSVerification and key null", async () => {
    const res = await user(maria)
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", key: "acme/app", endpoint: "https://example.com/null", tlsCert: null, skipTLSVerification: null })
      .expect(201);
    expect(res.body).toMatchObject({ key: "acme/app", tlsCert: "", skipTLSVerification: false, inactive: false });
    const global = await admin()
      .post("/api/v0/webhooks")
      .send({ type: "SCANNER_UPDATE_COMPLETED", key: null, endpoint: "https://example.com/global", tlsCert: null })
      .expect(201);
    expect(global.body).toMatchObject({ key: "" });
  });

  it("updates only what is not null, also when the whole object comes back with nulls", async () => {
    const created = await user(maria).post("/api/v0/webhooks").send({ type: "TAG_DELETE", key: "acme/app", endpoint: "https://example.com/upd" }).expect(201);
    const hook = created.body as WebhookBody;
    await user(maria).post("/api/v0/webhooks/update").send({ id: hook.id, inactive: true }).expect(200);
    const res = await user(maria)
      .post("/api/v0/webhooks/update")
      .send({ id: hook.id, inactive: null, tlsCert: null, skipTLSVerification: true, type: null, key: null, endpoint: null })
      .expect(200);
    expect(res.body).toEqual([{ ...hook, inactive: true, skipTLSVerification: true }]);
  });

  it("tests an endpoint with tlsCert null", async () => {
    const res = await user(maria)
      .post("/api/v0/webhooks/test")
      .send({ type: "TAG_PUSH", endpoint: `${receiver.url}/test`, tlsCert: null, skipTLSVerification: true })
      .expect(200);
    expect(res.body).toMatchObject({ ok: true, statusCode: 200 });
  });

  it("reads a required field sent as null as missing", async () => {
    const res = await user(maria).post("/api/v0/webhooks").send({ type: "TAG_PUSH", key: "acme/app", endpoint: null }).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: "INVALID_WEBHOOK", message: "endpoint is required" });
  });
});

describe("GET /api/v0/webhooks?webhookType=", () => {
  const listed = async (query: string) => {
    const res = await user(maria).get(`/api/v0/webhooks${query}`).expect(200);
    return (res.body as WebhookBody[]).map((w) => w.type);
  };

  it("filters by the exact type, and an unknown or lower-case type matches nothing (no 400)", async () => {
    await user(maria).post("/api/v0/webhooks").send({ type: "TAG_PULL", key: "acme/app", endpoint: "https://example.com/pull" }).expect(201);
    expect(await listed("?webhookType=TAG_PULL")).toEqual(["TAG_PULL"]);
    expect(await listed("?webhookType=tag_pull")).toEqual([]);
    expect(await listed("?webhookType=NO_SUCH_TYPE")).toEqual([]);
    const all = (await listed("")).sort();
    expect(all).toContain("TAG_PULL");
    expect(all.length).toBeGreaterThan(1);
    expect((await listed("?webhookType=any")).sort()).toEqual(all);
    expect((await listed("?webhookType=")).sort()).toEqual(all);
  });
});

describe("GET /api/v0/repositories/{namespace}/webhooks", () => {
  it("is the repository named webhooks when the caller can read it (DTR's GetRepository)", async () => {
    const res = await user(maria).get("/api/v0/repositories/acme/webhooks").expect(200);
    expect(res.body).toMatchObject({ namespace: "acme", name: "webhooks", visibility: "private" });
  });

  it("is the namespace's webhook listing when there is no such repository", async () => {
    await user(maria).post("/api/v0/webhooks").send({ type: "REPO_EVENT", key: "plain", endpoint: "https://example.com/plain" }).expect(201);
    const res = await user(maria).get("/api/v0/repositories/plain/webhooks").expect(200);
    expect((res.body as WebhookBody[]).map((w) => w.key)).toEqual(["plain"]);
    const missing = await user(maria).get("/api/v0/repositories/nosuch/webhooks").expect(404);
    expect(missing.body.errors[0].code).toBe("NO_SUCH_ACCOUNT");
  });

  it("hides a private repository named webhooks: whoever cannot read it gets the listing's answer", async () => {
    const hidden = await user(bob).get("/api/v0/repositories/acme/webhooks").expect(403);
    const none = await user(bob).get("/api/v0/repositories/plain/webhooks").expect(403);
    expect(hidden.body.errors[0].code).toBe(none.body.errors[0].code);
  });
});

describe("GET /api/v0/docs.json (DTR's API description path)", () => {
  it("serves the same OpenAPI document as /api/v0/openapi.json, without signing in", async () => {
    const docs = await request(ctx.app).get("/api/v0/docs.json").expect(200);
    expect(docs.headers["content-type"]).toMatch(/^application\/json/);
    const openapi = await request(ctx.app).get("/api/v0/openapi.json").expect(200);
    expect(docs.body).toEqual(openapi.body);
    expect(docs.body.openapi).toBe("3.1.0");
    expect(Object.keys(docs.body.paths as object)).toContain("/api/v0/webhooks");
  });
});
