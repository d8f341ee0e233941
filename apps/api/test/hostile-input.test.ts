// Hostile input, property-based (fast-check): for every operation of the served OpenAPI document,
// generated path segments (bad percent-encoding, traversal, unicode, real names), query strings
// (repeated keys, brackets, __proto__, extreme times), headers (media types, Accept, encodings,
// credentials) and bodies (JSON of any shape, lone UTF-16 surrogates and extreme times in text and
// time fields, text, binary, oversize). Never a 5xx, never a crash, every error in MSR's
// format, and a refused request stores nothing (row counts of every table unchanged).
import fc from "fast-check";
import request from "supertest";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { createOrg, createRepo, createUser, createToken } from "./support/fixtures.js";

const BODY_LIMIT = 4096;
const RUNS = 20;

let ctx: TestContext;
let realValues: string[] = [];
let credentials: string[] = [];

const TABLES = ["Account", "ApiToken", "Repository", "Team", "Webhook", "Event", "Delivery", "DeliveryAttempt", "OrgMember", "TeamMember"];

async function rowCounts(): Promise<string> {
  const parts = TABLES.map((t) => `(SELECT count(*) FROM "${t}")::text AS "${t}"`).join(", ");
  const rows = await ctx.deps.services.db.$queryRawUnsafe<Record<string, string>[]>(`SELECT ${parts}`);
  return JSON.stringify(rows[0]);
}

beforeAll(async () => {
  ctx = await createTestContext({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  const olga = await createUser(ctx, "olga");
  const acme = await createOrg(ctx, "acme", { owners: [olga] });
  await createRepo(ctx, acme, "app");
  const token = await createToken(ctx, olga);
  const producer = await createToken(ctx, olga, "producer");
  const hook = await request(ctx.app)
    .post("/api/v0/webhooks")
    .set("Authorization", basic(olga.name, olga.password))
    .send({ type: "TAG_PUSH", key: "acme/app", endpoint: "https://hooks.example.com/x" })
    .expect(201);
  realValues = ["acme", "app", "olga", (hook.body as { id: string }).id, token.id, "TAG_PUSH"];
  credentials = [
    basic(ADMIN.username, ADMIN.password),
    basic(olga.name, olga.password),
    basic(olga.name, token.token),
    basic(olga.name, producer.token),
    basic("olga", "wrong"),
    "Basic %%%",
    "Basic ",
    "Bearer abc",
    `Basic ${Buffer.from("no-colon").toString("base64")}`,
  ];
});

afterAll(async () => {
  await ctx.close();
});

// ---- arbitraries ----

const nasty = fc.constantFrom("%", "%ZZ", "%00", "..", "%2e%2e", "..%2F..", "%c0%af", "%E0%A4%A", "%FF%FE", "a%2Fb", "%20", "~", "%F0%9F%92%A9", "con", "null");
const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 10 }).map(encodeURIComponent),
  nasty,
  fc.constant("x".repeat(2100)),
  fc.constantFrom(...["acme", "app", "olga"]).map((s) => s),
);
const queryKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("limit", "cursor", "status", "pageSize", "pageStart", "username", "__proto__[x]", "a[b]", "a[]", "since"));
// Times PostgreSQL cannot store or RFC 3339 cannot say: year 0, before year 1 once the offset is
// applied, past 9999, signed years, a 30 February.
const extremeDate = fc.constantFrom(
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:30:00+01:00",
  "9999-12-31T23:59:59Z",
  "9999-12-31T23:30:00-01:00",
  "-000001-01-01T00:00:00Z",
  "+275760-09-13T00:00:00Z",
  "2024-02-30T00:00:00Z",
);
// Strings with a lone UTF-16 surrogate: JSON.stringify writes them as "\ud800"-style escapes.
const loneSurrogate = fc.oneof(
  fc.constantFrom("\ud800", "a\udc00b", "\udbff", "x\ud83d"),
  fc.string({ maxLength: 20 }).map((s) => `${s}\ud800`),
);
const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom("-1", "1e309", "NaN", "0x10", "", "true", "[]", "{}"), extremeDate);
const queryString = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v, raw]) => (raw ? `${k}=${v}`.replace(/[^\x21-\x7e]/g, "") : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&"));

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "application/json; charset=nope",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/vnd.docker.distribution.events.v1+json",
    "",
  ),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
);
const accept = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(undefined, "application/json", "*/*") },
  { weight: 1, arbitrary: fc.constantFrom("text/html", "application/json;q=0", "image/png, */*;q=0.1", "garbage") },
);
const encoding = fc.constantFrom(undefined, undefined, "gzip", "deflate", "br", "identity", "x-unknown");

type Body = string | Buffer | undefined;
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  fc.dictionary(fc.constantFrom("type", "key", "endpoint", "id", "name", "password", "events", "contents", "tlsCert", "skipTLSVerification", "isOrg", "inactive", "role", "since", "__proto__", "constructor"), fc.jsonValue({ maxDepth: 3 })).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }),
  // Lone surrogates and extreme times in the fields that hold text and times, top level and in contents.
  fc
    .dictionary(
      fc.constantFrom("type", "key", "endpoint", "name", "fullName", "tokenLabel", "shortDescription", "since", "createdAt", "tlsCert", "id", "contents", "x\udc00"),
      fc.oneof(
        loneSurrogate,
        extremeDate,
        fc.dictionary(fc.constantFrom("namespace", "repository", "tag", "pushedAt", "author", "k\ud800"), fc.oneof(loneSurrogate, extremeDate)),
      ),
    )
    .map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constant(JSON.stringify({ pad: "x".repeat(BODY_LIMIT * 2) })),
  fc.constant('{"a":'.repeat(500)),
);

interface Operation {
  method: string;
  path: string;
}

function operations(): Operation[] {
  const doc = ctx.deps.openApi as unknown as { paths: Record<string, Record<string, unknown>> };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) if (["get", "post", "put", "patch", "delete"].includes(method)) ops.push({ method, path });
  }
  return ops;
}

const STACK = /\n\s+at |\.ts:\d+|node_modules|PrismaClient|SyntaxError|TypeError/;

describe("every operation of the OpenAPI document under generated input", () => {
  it("refuses a NUL character in a path parameter or query value as bad input (found by the property below)", async () => {
    const admin = basic(ADMIN.username, ADMIN.password);
    for (const url of ["/api/v0/webhooks/%00/secret", "/api/v0/repositories/acme/a%00b", "/api/v0/webhooks?x=%00", "/enzi/v0/accounts?%00=1"]) {
      const res = await request(ctx.app).get(url).set("Authorization", admin);
      expect(res.status).toBe(400);
      expect((res.body as { errors: { code: string }[] }).errors[0]!.code).toBe("INVALID_PARAMETERS");
    }
  });

  it("lists the operations (the property below runs on each)", () => {
    expect(operations().length).toBeGreaterThan(30);
  });

  it("answers never with a 5xx, always with MSR's error body, and stores nothing when it refuses", async () => {
    const ops = operations();
    let baseline = await rowCounts();
    let requests = 0;
    const statuses = new Map<number, number>();
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof({ weight: 3, arbitrary: segment }, { weight: 1, arbitrary: fc.constantFrom(...realValues) }), { minLength: 5, maxLength: 5 }),
          queryString,
          fc.record({ contentType, accept, encoding, auth: fc.oneof(
            { weight: 5, arbitrary: fc.constantFrom(credentials[0], credentials[1], credentials[2]) },
            { weight: 2, arbitrary: fc.option(fc.constantFrom(...credentials), { nil: undefined }) },
          ), requestId: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }) }),
          body,
          async (segments, query, headers, payload) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => segments[i++] ?? "x");
            const url = query ? `${path}?${query}` : path;
            let test = request(ctx.app)[op.method as "get"](url);
            if (headers.auth !== undefined) test = test.set("Authorization", headers.auth);
            if (headers.accept !== undefined) test = test.set("Accept", headers.accept);
            if (headers.encoding !== undefined) test = test.set("Content-Encoding", headers.encoding);
            if (headers.requestId !== undefined) test = test.set("X-Request-Id", headers.requestId.replace(/[^\x20-\x7e]/g, ""));
            if (payload !== undefined) test = test.set("Content-Type", headers.contentType).send(payload);
            const res = await test.ok(() => true);
            requests += 1;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);

            const where = `${op.method.toUpperCase()} ${url} -> ${res.status} ${res.text.slice(0, 300)}`;
            if (res.status >= 500) throw new Error(`server error: ${where}`);
            if (STACK.test(res.text)) throw new Error(`internal detail in the answer: ${where}`);
            if (res.status >= 400) {
              expect(res.headers["content-type"]).toMatch(/^application\/json/);
              const parsed = res.body as { errors?: { code?: unknown; message?: unknown }[] };
              expect(Object.keys(parsed)).toEqual(["errors"]);
              expect(parsed.errors?.length).toBeGreaterThanOrEqual(1);
              for (const e of parsed.errors ?? []) {
                expect(typeof e.code).toBe("string");
                expect(typeof e.message).toBe("string");
                for (const key of Object.keys(e)) expect(["code", "message", "detail"]).toContain(key);
              }
              const now = await rowCounts();
              if (now !== baseline) throw new Error(`a refused request changed the data: ${where}\n${baseline}\n${now}`);
            } else {
              // An accepted request may write; later refusals are compared with what it left.
              baseline = await rowCounts();
            }
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
    process.stdout.write(`hostile-input: ${requests} requests over ${ops.length} operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(requests).toBe(ops.length * RUNS);
  });
});
