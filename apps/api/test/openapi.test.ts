// The served OpenAPI 3.1 document (/api/v0/openapi.json) and the Swagger UI (/api/v0/docs):
// the document lists every route the server answers, with well-formed operations.
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import request from "supertest";
import { createTestContext, type TestContext } from "./support/test-context.js";

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}

interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> };
}

const WEBHOOK_OPERATIONS = [
  ["post", "/api/v0/webhooks"],
  ["get", "/api/v0/webhooks"],
  ["post", "/api/v0/webhooks/update"],
  ["post", "/api/v0/webhooks/test"],
  ["delete", "/api/v0/webhooks/{id}"],
  ["get", "/api/v0/webhooks/{id}/secret"],
  ["post", "/api/v0/webhooks/{id}/secret/rotate"],
  ["get", "/api/v0/repositories/{namespace}/{repository}/webhooks"],
  ["get", "/api/v0/accounts/{namespace}/webhooks"],
  ["get", "/api/v0/repositories/{namespace}/webhooks"],
] as const;

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

let ctx: TestContext;
let doc: Document;

beforeAll(async () => {
  ctx = await createTestContext();
  const res = await request(ctx.app).get("/api/v0/openapi.json").expect(200);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  doc = res.body as Document;
});

afterAll(async () => {
  await ctx.close();
});

const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([m, op]) => [m, path, op] as [string, string, Operation]));

describe("GET /api/v0/openapi.json", () => {
  it("is an OpenAPI 3.1 document with info and HTTP Basic security", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.components.securitySchemes["basicAuth"]).toMatchObject({ type: "http", scheme: "basic" });
    expect(doc.components.schemas["ErrorBody"]).toBeDefined();
  });

  it("lists every route the server registers, and nothing else", () => {
    const served = ctx.deps.groups.flatMap((g) => g.routes.map((r) => `${r.method} ${g.base}${r.path}`)).sort();
    const documented = operations().map(([m, p]) => `${m} ${p}`).sort();
    expect(documented).toEqual(served);
    expect(served.length).toBeGreaterThanOrEqual(WEBHOOK_OPERATIONS.length);
  });

  it.each(WEBHOOK_OPERATIONS)("documents %s %s", (method, path) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(op!.tags).toContain("webhooks");
    expect(op!.security).toEqual([{ basicAuth: [] }]);
    for (const status of ["401", "403", "404", "500"]) expect(op!.responses[status]).toBeDefined();
  });

  it("has well-formed operations: unique ids, declared path parameters, JSON bodies, described responses", () => {
    const ids = new Set<string>();
    for (const [method, path, op] of operations()) {
      expect(HTTP_METHODS.has(method)).toBe(true);
      expect(path.startsWith("/")).toBe(true);
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      expect(op.summary.length).toBeGreaterThan(0);
      const declared = op.parameters.filter((p) => p.in === "path").map((p) => p.name).sort();
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
      expect(declared).toEqual(inPath);
      for (const p of op.parameters) {
        expect(["path", "query", "header", "cookie"]).toContain(p.in);
        if (p.in === "path") expect(p.required).toBe(true);
      }
      if (op.requestBody) expect(Object.keys(op.requestBody.content)).toContain("application/json");
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => s.startsWith("2"))).toBe(true);
      for (const s of statuses) {
        expect(s).toMatch(/^[1-5]\d\d$/);
        expect(op.responses[s]!.description.length).toBeGreaterThan(0);
      }
    }
  });

  it("holds JSON Schemas that compile, with every $ref resolvable", () => {
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema(doc.components.schemas, "components");
    const text = JSON.stringify(doc.paths);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas[name!]).toBeDefined();
    for (const [, , op] of operations()) {
      const schemas = [
        ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
        ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ...op.parameters.map((p) => p.schema),
      ];
      for (const schema of schemas) {
        const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"components#/')) as object;
        expect(() => ajv.compile(resolved)).not.toThrow();
      }
    }
  });

  it("describes the MSR webhook object with exactly its ten fields, all required, and no secret", () => {
    const schema = doc.paths["/api/v0/webhooks"]!["post"]!.responses["201"]!.content!["application/json"]!.schema as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    const fields = ["id", "type", "key", "endpoint", "authorID", "createdAt", "lastSuccessfulAt", "inactive", "tlsCert", "skipTLSVerification"];
    expect(Object.keys(schema.properties).sort()).toEqual([...fields].sort());
    expect([...schema.required].sort()).toEqual([...fields].sort());
    expect(schema.additionalProperties).toBe(false);
  });

  it("documents the create body as MSR has it: type and endpoint required, key / tlsCert / skipTLSVerification optional", () => {
    const body = doc.paths["/api/v0/webhooks"]!["post"]!.requestBody!.content["application/json"]!.schema as {
      properties: Record<string, { enum?: string[] }>;
      required: string[];
    };
    expect(body.required.sort()).toEqual(["endpoint", "type"]);
    expect(Object.keys(body.properties).sort()).toEqual(["endpoint", "key", "skipTLSVerification", "tlsCert", "type"]);
    expect(body.properties["type"]!.enum).toEqual(expect.arrayContaining(["TAG_PUSH", "REPO_EVENT", "REPO_CREATED", "SCANNER_UPDATE_COMPLETED"]));
  });
});

describe("GET /api/v0/docs", () => {
  it("serves the Swagger UI page", async () => {
    const first = await request(ctx.app).get("/api/v0/docs");
    const page = first.status === 301 || first.status === 302 || first.status === 308 ? await request(ctx.app).get(first.headers["location"]!) : first;
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain("swagger-ui");
    expect(page.text).toMatch(/<html/i);
  });

  it("feeds the UI the same document", async () => {
    const init = await request(ctx.app).get("/api/v0/docs/swagger-ui-init.js").expect(200);
    expect(init.text).toContain("/api/v0/webhooks/{id}/secret/rotate");
    expect(init.text).toContain("/api/v0/repositories/{namespace}/{repository}/webhooks");
  });
});
