// Bad input to the webhook endpoints: every case gets the documented MSR error code, and
// nothing is stored or changed (the webhook table is compared before and after).
import { generateKeyPairSync } from "node:crypto";
import { getTestPki } from "@msr-webhooks/testing/tls";
import { ADMIN, as, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, type UserFixture } from "./support/fixtures.js";
import request from "supertest";

const BODY_LIMIT = 2048;

let ctx: TestContext;
let owner: UserFixture;
let existingId: string;

const asOwner = () => as(ctx, owner.name, owner.password);
const raw = () => request(ctx.app);

async function snapshot(): Promise<string> {
  return JSON.stringify(await ctx.deps.services.db.webhook.findMany({ orderBy: { id: "asc" } }));
}

interface ErrorBody {
  errors: { code: string; message: string; detail?: { field?: string } }[];
}

function firstError(body: unknown): ErrorBody["errors"][number] {
  const errors = (body as ErrorBody).errors;
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

const valid = { type: "TAG_PUSH", key: "acme/app", endpoint: "https://example.com/hook" };

beforeAll(async () => {
  ctx = await createTestContext({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  owner = await createUser(ctx, "olga");
  const acme = await createOrg(ctx, "acme", { owners: [owner] });
  await createRepo(ctx, acme, "app");
  const res = await asOwner().post("/api/v0/webhooks").send(valid).expect(201);
  existingId = (res.body as { id: string }).id;
});

afterAll(async () => {
  await ctx.close();
});

let before: string;
beforeEach(async () => {
  before = await snapshot();
});
afterEach(async () => {
  expect(await snapshot()).toBe(before);
});

describe("bodies that are not a JSON object: 400 INVALID_JSON", () => {
  const cases: [string, string][] = [
    ["malformed JSON", '{"type":"TAG_PUSH",'],
    ["a JSON array", JSON.stringify([valid])],
    ["a JSON string", '"TAG_PUSH"'],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["single quotes", "{'type':'TAG_PUSH'}"],
  ];
  for (const path of ["/api/v0/webhooks", "/api/v0/webhooks/update", "/api/v0/webhooks/test"]) {
    it.each(cases)(`POST ${path}: %s`, async (_name, body) => {
      const res = await asOwner().post(path).set("Content-Type", "application/json").send(body).expect(400);
      expect(firstError(res.body).code).toBe("INVALID_JSON");
    });
  }

  it("an empty body is not JSON (400 INVALID_JSON)", async () => {
    const res = await asOwner().post("/api/v0/webhooks").set("Content-Type", "application/json").expect(400);
    expect(firstError(res.body).code).toBe("INVALID_JSON");
  });
});

describe("POST /api/v0/webhooks: well-formed JSON that breaks the rules is 400 INVALID_WEBHOOK naming the field", () => {
  const { caCert } = getTestPki();
  const privateKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  const cases: [string, Record<string, unknown>, string][] = [
    ["type is a number", { ...valid, type: 5 }, "type"],
    ["type is missing", { key: valid.key, endpoint: valid.endpoint }, "type"],
    ["unknown type", { ...valid, type: "TAG_PUSHED" }, "type"],
    ["lowercase type", { ...valid, type: "tag_push" }, "type"],
    ["key is a number", { ...valid, key: 7 }, "key"],
    // null is an absent field (Go's decoder): a required one is then missing.
    ["endpoint is null", { ...valid, endpoint: null }, "endpoint"],
    ["endpoint is missing", { type: "TAG_PUSH", key: "acme/app" }, "endpoint"],
    ["endpoint is a boolean", { ...valid, endpoint: true }, "endpoint"],
    ["skipTLSVerification is a string", { ...valid, skipTLSVerification: "yes" }, "skipTLSVerification"],
    ["tlsCert is a number", { ...valid, tlsCert: 1 }, "tlsCert"],
    ["key with three segments", { ...valid, key: "acme/app/extra" }, "key"],
    ["key with uppercase", { ...valid, key: "Acme/App" }, "key"],
    ["key with a space", { ...valid, key: "acme/my app" }, "key"],
    ["key with a trailing slash", { ...valid, key: "acme/" }, "key"],
    ["REPO_EVENT keyed to a repository", { ...valid, type: "REPO_EVENT", key: "acme/app" }, "key"],
    ["REPO_CREATED keyed to a repository", { ...valid, type: "REPO_CREATED", key: "acme/app" }, "key"],
    ["SCANNER_UPDATE_COMPLETED with a key", { ...valid, type: "SCANNER_UPDATE_COMPLETED", key: "acme" }, "key"],
    ["http:// without skipTLSVerification", { ...valid, endpoint: "http://example.com/hook" }, "endpoint"],
    ["http:// with skipTLSVerification false", { ...valid, endpoint: "http://example.com/hook", skipTLSVerification: false }, "endpoint"],
    ["a relative endpoint", { ...valid, endpoint: "/hook" }, "endpoint"],
    ["an endpoint without a scheme", { ...valid, endpoint: "example.com/hook" }, "endpoint"],
    ["an ftp:// endpoint", { ...valid, endpoint: "ftp://example.com/hook" }, "endpoint"],
    // user:password@ is accepted (sent as Basic auth, msr-delivery-compat.test.ts); a % that starts no escape is not.
    ["credentials with a bad escape", { ...valid, endpoint: "https://user:100%@example.com/hook" }, "endpoint"],
    ["an endpoint with spaces", { ...valid, endpoint: " https://example.com/hook" }, "endpoint"],
    ["an empty endpoint", { ...valid, endpoint: "" }, "endpoint"],
    ["tlsCert that is not PEM", { ...valid, tlsCert: "not a certificate" }, "tlsCert"],
    [
      "tlsCert with broken base64",
      { ...valid, tlsCert: "-----BEGIN CERTIFICATE-----\nnot!base64\n-----END CERTIFICATE-----\n" },
      "tlsCert",
    ],
    ["tlsCert cut short", { ...valid, tlsCert: caCert.slice(0, 200) }, "tlsCert"],
    ["tlsCert holding a private key", { ...valid, tlsCert: privateKey }, "tlsCert"],
  ];

  it.each(cases)("%s", async (_name, body, field) => {
    const res = await asOwner().post("/api/v0/webhooks").send(body).expect(400);
    const error = firstError(res.body);
    expect(error.code).toBe("INVALID_WEBHOOK");
    expect(error.detail).toEqual({ field });
  });

  it("says that http:// needs skipTLSVerification", async () => {
    const res = await asOwner().post("/api/v0/webhooks").send({ ...valid, endpoint: "http://example.com/hook" }).expect(400);
    expect(firstError(res.body).message).toContain("skipTLSVerification: true");
  });

  it("says a private key does not belong in tlsCert", async () => {
    const res = await asOwner().post("/api/v0/webhooks").send({ ...valid, tlsCert: privateKey }).expect(400);
    expect(firstError(res.body).message).toContain("PRIVATE KEY");
  });
});

describe("keys naming nothing: 404", () => {
  it.each([
    ["an unknown repository", { ...valid, key: "acme/nope" }, "NO_SUCH_REPOSITORY"],
    ["a repository in an unknown namespace", { ...valid, key: "ghost/app" }, "NO_SUCH_REPOSITORY"],
    ["an unknown namespace", { ...valid, key: "ghost" }, "NO_SUCH_ACCOUNT"],
    ["REPO_EVENT on an unknown namespace", { ...valid, type: "REPO_EVENT", key: "ghost" }, "NO_SUCH_ACCOUNT"],
  ])("%s", async (_name, body, code) => {
    const res = await asOwner().post("/api/v0/webhooks").send(body).expect(404);
    expect(firstError(res.body).code).toBe(code);
  });

  it("also for a system admin", async () => {
    const res = await as(ctx, ADMIN.username, ADMIN.password).post("/api/v0/webhooks").send({ ...valid, key: "acme/nope" }).expect(404);
    expect(firstError(res.body).code).toBe("NO_SUCH_REPOSITORY");
  });
});

describe("POST /api/v0/webhooks/update with bad input", () => {
  it.each([
    ["id missing", { inactive: true }, "id"],
    ["id is a number", { id: 1, inactive: true }, "id"],
    ["inactive is a string", { id: "x", inactive: "yes" }, "inactive"],
    ["skipTLSVerification is a number", { id: "x", skipTLSVerification: 1 }, "skipTLSVerification"],
  ])("%s: 400 INVALID_WEBHOOK", async (_name, body, field) => {
    const res = await asOwner().post("/api/v0/webhooks/update").send(body).expect(400);
    expect(firstError(res.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field } });
  });

  it("a malformed tlsCert: 400 INVALID_WEBHOOK", async () => {
    const res = await asOwner().post("/api/v0/webhooks/update").send({ id: existingId, tlsCert: "-----BEGIN CERTIFICATE-----" }).expect(400);
    expect(firstError(res.body)).toMatchObject({ code: "INVALID_WEBHOOK", detail: { field: "tlsCert" } });
  });

  it("an unknown id: 404 NO_SUCH_WEBHOOK", async () => {
    const res = await asOwner().post("/api/v0/webhooks/update").send({ id: "nope", inactive: true }).expect(404);
    expect(firstError(res.body).code).toBe("NO_SUCH_WEBHOOK");
  });
});

describe("HTTP-level refusals", () => {
  it("an oversize body: 413 REQUEST_TOO_LARGE", async () => {
    const body = JSON.stringify({ ...valid, tlsCert: "x".repeat(BODY_LIMIT) });
    const res = await asOwner().post("/api/v0/webhooks").set("Content-Type", "application/json").send(body).expect(413);
    expect(firstError(res.body).code).toBe("REQUEST_TOO_LARGE");
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/xml"])(
    "Content-Type %s: 415 UNSUPPORTED_MEDIA_TYPE",
    async (type) => {
      const res = await asOwner().post("/api/v0/webhooks").set("Content-Type", type).send(JSON.stringify(valid)).expect(415);
      expect(firstError(res.body).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    },
  );

  it("application/json with a charset parameter is fine", async () => {
    const res = await asOwner()
      .post("/api/v0/webhooks/update")
      .set("Content-Type", "application/json; charset=utf-8")
      .send(JSON.stringify({ id: existingId }))
      .expect(200);
    expect((res.body as unknown[]).length).toBe(1);
  });

  it.each(["text/html", "application/xml", "image/png"])("Accept: %s: 406 NOT_ACCEPTABLE", async (accept) => {
    const res = await asOwner().post("/api/v0/webhooks").set("Accept", accept).send(valid).expect(406);
    expect(firstError(res.body).code).toBe("NOT_ACCEPTABLE");
  });

  it.each([
    ["put", "/api/v0/webhooks", "GET, POST, HEAD"],
    ["patch", "/api/v0/webhooks", "GET, POST, HEAD"],
    ["delete", "/api/v0/webhooks", "GET, POST, HEAD"],
    ["get", "/api/v0/webhooks/update", "POST"],
    ["get", "/api/v0/webhooks/test", "POST"],
    ["put", `/api/v0/webhooks/{id}/secret`, "GET, HEAD"],
    ["get", `/api/v0/webhooks/{id}/secret/rotate`, "POST"],
    ["post", "/api/v0/repositories/acme/app/webhooks", "GET, HEAD"],
    ["delete", "/api/v0/accounts/acme/webhooks", "GET, HEAD"],
  ] as const)("%s %s: 405 NOT_ALLOWED", async (method, path, allow) => {
    const res = await asOwner()[method](path.replace("{id}", existingId)).send(valid).expect(405);
    expect(firstError(res.body).code).toBe("NOT_ALLOWED");
    expect(String(res.headers["allow"]).split(", ").sort()).toEqual(allow.split(", ").sort());
  });

  it.each(["/api/v0/webhookz", "/api/v0/webhooks/x/y/z", "/api/v1/webhooks"])("unknown route %s: 404 NOT_FOUND", async (path) => {
    const res = await asOwner().get(path).expect(404);
    expect(firstError(res.body).code).toBe("NOT_FOUND");
  });

  it("a malformed Authorization header: 401", async () => {
    const res = await raw().post("/api/v0/webhooks").set("Authorization", "Bearer abc").send(valid).expect(401);
    expect(firstError(res.body).code).toBe("NOT_AUTHENTICATED");
    const wrong = await raw().post("/api/v0/webhooks").set("Authorization", basic(owner.name, "wrong")).send(valid).expect(401);
    expect(firstError(wrong.body).code).toBe("NOT_AUTHENTICATED");
  });
});
