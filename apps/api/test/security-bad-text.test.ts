// Input that is not text or not a storable time gets a 400 in MSR's error format, never a 500
// (issue 14, item 8): a lone UTF-16 surrogate anywhere in a JSON body (endpoint, names, labels,
// descriptions, event contents, keys), and a date-time before year 1 (recover's since, event
// createdAt, a forged cursor). JSON text is used as sent, so "\ud800" arrives as a lone surrogate.
import request from "supertest";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createToken, createUser, type UserFixture } from "./support/fixtures.js";

let ctx: TestContext;
let alice: UserFixture;
let producer: string;
let webhookId: string;
const admin = basic(ADMIN.username, ADMIN.password);
const LONE = "\\ud800";

beforeAll(async () => {
  ctx = await createTestContext();
  alice = await createUser(ctx, "alice");
  const org = await createOrg(ctx, "foo", { owners: [alice] });
  await createRepo(ctx, org, "bar");
  const svc = await createUser(ctx, "svc", { admin: true });
  producer = (await createToken(ctx, svc, "producer")).token;
  const created = await request(ctx.app)
    .post("/api/v0/webhooks")
    .set("Authorization", basic(alice.name, alice.password))
    .send({ type: "TAG_PUSH", key: "foo/bar", endpoint: "https://hooks.example.com/a" })
    .expect(201);
  webhookId = (created.body as { id: string }).id;
});

afterAll(async () => {
  await ctx.close();
});

/** Sends `json` exactly as written (so escapes reach the server's JSON parser). */
function send(method: "post" | "patch", path: string, json: string, auth = admin) {
  return request(ctx.app)[method](path).set("Authorization", auth).set("Content-Type", "application/json").send(json);
}

function expect400(res: request.Response, code: string, field?: string): void {
  expect(res.status).toBe(400);
  const body = res.body as { errors: { code: string; message: string; detail?: { field?: string } }[] };
  expect(body.errors[0]?.code).toBe(code);
  if (field !== undefined) expect(body.errors[0]?.message).toContain(field);
}

const tagPush = (contents: string, extra = "") =>
  `{"type":"TAG_PUSH"${extra},"contents":${contents}}`;
const contents = (tag: string) =>
  `{"namespace":"foo","repository":"bar","tag":"${tag}","digest":"sha256:${"a".repeat(64)}","imageName":"r/foo/bar:x","os":"linux","architecture":"amd64","author":"alice","pushedAt":"2024-01-01T00:00:00Z"}`;

describe("a lone surrogate", () => {
  it.each([
    ["a webhook endpoint", "post", "/api/v0/webhooks", `{"type":"TAG_PUSH","key":"foo/bar","endpoint":"https://hooks.example.com/${LONE}"}`, "INVALID_WEBHOOK", "endpoint"],
    ["a webhook key", "post", "/api/v0/webhooks", `{"type":"TAG_PUSH","key":"foo/${LONE}","endpoint":"https://hooks.example.com/a"}`, "INVALID_WEBHOOK", "key"],
    ["an account name", "post", "/enzi/v0/accounts", `{"name":"org${LONE}","isOrg":true}`, "INVALID_PARAMETERS", "name"],
    ["an account's full name", "patch", "/enzi/v0/accounts/alice", `{"fullName":"Alice ${LONE}"}`, "INVALID_PARAMETERS", "fullName"],
    ["a token label", "post", "/api/v0/api_tokens", `{"tokenLabel":"ci ${LONE}"}`, "INVALID_PARAMETERS", "tokenLabel"],
    ["a repository description", "patch", "/api/v0/repositories/foo/bar", `{"shortDescription":"x${LONE}"}`, "INVALID_PARAMETERS", "shortDescription"],
    ["an object key", "post", "/api/v0/webhooks", `{"type":"TAG_PUSH","key":"foo/bar","endpoint":"https://hooks.example.com/a","x${LONE}":1}`, "INVALID_WEBHOOK", "x"],
  ] as const)("in %s is a 400", async (_what, method, path, json, code, field) => {
    expect400(await send(method, path, json), code, field);
  });

  it("in event contents is a 400 naming the field, and no event is stored", async () => {
    const res = await send("post", "/api/v0/events", tagPush(contents(`v1${LONE}`)), basic("svc", producer));
    expect400(res, "INVALID_PARAMETERS", "contents.tag");
    expect(await ctx.deps.services.db.event.count()).toBe(0);
  });
});

describe("a date-time before year 1", () => {
  it("as recover's since is a 400", async () => {
    const res = await send("post", `/api/v0/webhooks/${webhookId}/recover`, `{"since":"0000-12-31T23:00:00Z"}`);
    expect400(res, "INVALID_PARAMETERS", "since");
  });

  it("that only an offset takes before year 1 is a 400", async () => {
    const res = await send("post", `/api/v0/webhooks/${webhookId}/recover`, `{"since":"0001-01-01T00:30:00+01:00"}`);
    expect400(res, "INVALID_PARAMETERS", "since");
  });

  it("as an event's createdAt is a 400", async () => {
    const res = await send("post", "/api/v0/events", tagPush(contents("v2"), `,"createdAt":"0000-06-01T00:00:00Z"`), basic("svc", producer));
    expect400(res, "INVALID_PARAMETERS", "createdAt");
  });

  it("in a forged delivery-log cursor is a 400", async () => {
    const cursor = Buffer.from(`1|0000-01-01T00:00:00.000000Z|${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}`).toString("base64url");
    const res = await request(ctx.app)
      .get(`/api/v0/webhooks/${webhookId}/deliveries`)
      .query({ cursor })
      .set("Authorization", admin);
    expect400(res, "INVALID_PARAMETERS", "cursor");
  });

  it("year 1 itself is accepted (the zero time MSR prints)", async () => {
    const res = await send("post", `/api/v0/webhooks/${webhookId}/recover`, `{"since":"0001-01-01T00:00:00Z"}`);
    expect(res.status).toBe(202);
  });
});
