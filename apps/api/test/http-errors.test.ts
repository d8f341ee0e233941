// The webhook endpoints' HTTP errors: every status answers MSR's error body as JSON with a
// request id; 401 asks for Basic auth; an unexpected failure (a real broken database) is a
// logged 500 INTERNAL_ERROR that names the request id and shows no stack.
import request from "supertest";
import { ADMIN, anon, as, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createUser, type UserFixture } from "./support/fixtures.js";

let ctx: TestContext;
let bob: UserFixture;

const admin = () => as(ctx, ADMIN.username, ADMIN.password);

function expectMsrError(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.headers["x-request-id"]).toEqual(expect.any(String));
  expect(Object.keys(res.body as object)).toEqual(["errors"]);
  const errors = (res.body as { errors: Record<string, unknown>[] }).errors;
  expect(errors).toHaveLength(1);
  const [error] = errors;
  expect(error!["code"]).toBe(code);
  expect(error!["message"]).toEqual(expect.any(String));
  expect(String(error!["message"]).length).toBeGreaterThan(0);
  for (const key of Object.keys(error!)) expect(["code", "message", "detail"]).toContain(key);
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
}

beforeAll(async () => {
  ctx = await createTestContext({ BODY_LIMIT_BYTES: "1024" });
  bob = await createUser(ctx, "bob");
});

afterAll(async () => {
  await ctx.close();
});

describe("MSR error bodies on the webhook endpoints", () => {
  const cases: [string, () => Promise<request.Response>, number, string][] = [
    ["malformed JSON", () => admin().post("/api/v0/webhooks").set("Content-Type", "application/json").send("{"), 400, "INVALID_JSON"],
    ["a rule broken", () => admin().post("/api/v0/webhooks").send({ type: "NOPE", endpoint: "https://x.example" }), 400, "INVALID_WEBHOOK"],
    ["a bad query parameter", () => admin().get("/api/v0/webhooks?pageSize=many"), 400, "INVALID_PARAMETERS"],
    ["no credentials", () => anon(ctx).get("/api/v0/webhooks"), 401, "NOT_AUTHENTICATED"],
    ["a wrong password", () => as(ctx, bob.name, "wrong").get("/api/v0/webhooks"), 401, "NOT_AUTHENTICATED"],
    ["an unknown user", () => as(ctx, "nobody", "whatever").get("/api/v0/webhooks"), 401, "NOT_AUTHENTICATED"],
    ["not allowed", () => as(ctx, bob.name, bob.password).post("/api/v0/webhooks").send({ type: "TAG_PUSH", endpoint: "https://x.example" }), 403, "NOT_AUTHORIZED"],
    ["an unknown webhook", () => admin().delete(`/api/v0/webhooks/${"9".repeat(64)}`), 404, "NO_SUCH_WEBHOOK"],
    ["an unknown repository", () => admin().get("/api/v0/repositories/ghost/app/webhooks"), 404, "NO_SUCH_REPOSITORY"],
    ["an unknown namespace", () => admin().get("/api/v0/accounts/ghost/webhooks"), 404, "NO_SUCH_ACCOUNT"],
    ["an unknown route", () => admin().get("/api/v0/webhooks/a/b/c"), 404, "NOT_FOUND"],
    ["a wrong method", () => admin().put("/api/v0/webhooks"), 405, "NOT_ALLOWED"],
    ["an Accept without JSON", () => admin().get("/api/v0/webhooks").set("Accept", "text/csv"), 406, "NOT_ACCEPTABLE"],
    [
      "an oversize body",
      () => admin().post("/api/v0/webhooks/test").set("Content-Type", "application/json").send(JSON.stringify({ endpoint: "x".repeat(2000) })),
      413,
      "REQUEST_TOO_LARGE",
    ],
    ["a form body", () => admin().post("/api/v0/webhooks/update").type("form").send({ id: "x" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
  ];

  it.each(cases)("%s", async (_name, send, status, code) => {
    expectMsrError(await send(), status, code);
  });

  it("asks for HTTP Basic on 401", async () => {
    const res = await anon(ctx).get("/api/v0/webhooks").expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic realm="[^"]+"$/);
  });

  it("answers a malformed Authorization header with 401, not 500", async () => {
    for (const header of ["Basic", "Basic !!!", `Basic ${Buffer.from("no-colon").toString("base64")}`, "Digest x"]) {
      const res = await request(ctx.app).get("/api/v0/webhooks").set("Authorization", header);
      expectMsrError(res, 401, "NOT_AUTHENTICATED");
    }
  });

  it("answers a malformed URL with 400 INVALID_PARAMETERS", async () => {
    const res = await request(ctx.app).delete("/api/v0/webhooks/%E0%A4%A").set("Authorization", basic(ADMIN.username, ADMIN.password));
    expectMsrError(res, 400, "INVALID_PARAMETERS");
  });

  it("echoes a sane X-Request-Id and replaces an insane one", async () => {
    const given = await admin().get("/api/v0/webhooks").set("X-Request-Id", "trace-123.abc").expect(200);
    expect(given.headers["x-request-id"]).toBe("trace-123.abc");
    const replaced = await admin().get("/api/v0/webhooks").set("X-Request-Id", "bad id with spaces").expect(200);
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("an unexpected failure", () => {
  let broken: TestContext;

  beforeAll(async () => {
    broken = await createTestContext();
    // A real fault, not a mock: the table the endpoints need is gone.
    await broken.deps.services.db.$executeRawUnsafe('DROP TABLE "Webhook" CASCADE');
  });

  afterAll(async () => {
    await broken.close();
  });

  it("is a 500 INTERNAL_ERROR naming the request id, logged with the stack, never sent to the client", async () => {
    const res = await as(broken, ADMIN.username, ADMIN.password)
      .get("/api/v0/webhooks")
      .set("X-Request-Id", "broken-db-1");
    expectMsrError(res, 500, "INTERNAL_ERROR");
    expect(res.headers["x-request-id"]).toBe("broken-db-1");
    expect((res.body as { errors: { message: string }[] }).errors[0]!.message).toContain("broken-db-1");
    expect(JSON.stringify(res.body)).not.toMatch(/Webhook|prisma|relation/i);
    const logged = broken.logs.find((l) => l["message"] === "unhandled error" && l["requestId"] === "broken-db-1");
    expect(logged).toBeDefined();
    expect(String(logged!["stack"])).toContain("\n");
  });

  it("fails a create the same way", async () => {
    const res = await as(broken, ADMIN.username, ADMIN.password)
      .post("/api/v0/webhooks")
      .send({ type: "TAG_PUSH", endpoint: "https://example.com/x" });
    expectMsrError(res, 500, "INTERNAL_ERROR");
  });
});
