// Request ids and the JSON request log: X-Request-Id is accepted when sane (else generated) and
// always returned, on the API, on the probes and on errors; the one "request" line per response
// carries it with method, path, status, duration and user. The logger's level comes from LOG_LEVEL.
import request from "supertest";
import { loadConfig } from "../src/config.js";
import { buildDeps } from "../src/deps.js";
import { ADMIN, basic, createTestContext, type TestContext } from "./support/test-context.js";
import { waitUntil } from "./support/wait.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

function requestLine(id: string): Record<string, unknown> | undefined {
  return ctx.logs.find((l) => l["message"] === "request" && l["requestId"] === id);
}

function logged(id: string): Promise<Record<string, unknown>> {
  // The line is written on 'finish', which may come a tick after supertest has the response.
  return waitUntil(`the request line for ${id}`, () => requestLine(id));
}

describe("X-Request-Id", () => {
  it("is generated (a UUID) when the client sends none, returned, and logged with the request", async () => {
    const res = await request(ctx.app).get("/api/v0/webhooks").set("Authorization", basic(ADMIN.username, ADMIN.password)).expect(200);
    const id = String(res.headers["x-request-id"]);
    expect(id).toMatch(UUID);
    expect(await logged(id)).toMatchObject({
      level: "http",
      requestId: id,
      method: "GET",
      path: "/api/v0/webhooks",
      status: 200,
      durationMs: expect.any(Number),
      user: ADMIN.username,
    });
  });

  it("keeps a sane id the client sent, on the probes and on errors too", async () => {
    for (const [path, status] of [["/healthz", 200], ["/readyz", 200], ["/api/v0/no-such-thing", 404]] as const) {
      const id = `trace-${status}-${path.length}.x_y`;
      const res = await request(ctx.app).get(path).set("X-Request-Id", id).expect(status);
      expect(res.headers["x-request-id"]).toBe(id);
      expect(await logged(id)).toMatchObject({ status, requestId: id });
    }
  });

  it("replaces an id that is too long or has odd characters", async () => {
    for (const bad of ["a".repeat(129), "has space", "semi;colon", "ünïcode"]) {
      const res = await request(ctx.app).get("/healthz").set("X-Request-Id", bad).expect(200);
      expect(res.headers["x-request-id"]).toMatch(UUID);
    }
    const longest = "b".repeat(128);
    expect((await request(ctx.app).get("/healthz").set("X-Request-Id", longest)).headers["x-request-id"]).toBe(longest);
  });
});

describe("the logger", () => {
  it("takes its level from LOG_LEVEL and tags every line with service=api", async () => {
    const config = loadConfig({
      DATABASE_URL: ctx.database.url,
      REDIS_URL: ctx.config.redis.url ?? "",
      QUEUE_PREFIX: ctx.queuePrefix,
      LOG_LEVEL: "warn",
    });
    const deps = buildDeps(config);
    try {
      expect(deps.log.level).toBe("warn");
      expect(deps.log.defaultMeta).toEqual({ service: "api" });
      expect(deps.log.isLevelEnabled("http")).toBe(false);
      expect(deps.log.isLevelEnabled("warn")).toBe(true);
    } finally {
      await deps.close();
    }
  });
});
