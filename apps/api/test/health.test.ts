// GET /healthz and GET /readyz: outside /api/v0, no credentials and no Accept check; ready while
// the API's own PostgreSQL pool and Redis connection answer, 503 naming the one that does not.
// "Stopped" services are simulated with second API instances whose config points at a closed
// port or a database that does not exist: the shared services keep running.
import request from "supertest";
import { databaseUrl } from "@msr-webhooks/testing/database";
import { freePort as closedPort } from "@msr-webhooks/testing/free-port";
import { redisUrl } from "@msr-webhooks/testing/redis";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { buildDeps, type ApiDeps } from "../src/deps.js";
import { basic, createTestContext, type TestContext } from "./support/test-context.js";
import { waitUntil } from "./support/wait.js";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

/** Waits until the instance's connection to `name` is up (a fresh client connects in the background). */
async function settled(deps: ApiDeps, name: "redis" | "postgres"): Promise<ApiDeps> {
  await waitUntil(`${name} to become ready`, async () => (await deps.readiness()).checks[name]?.ok);
  return deps;
}

/** An API instance whose dependencies are as given (the shared services keep running). */
function instance(env: Record<string, string>): ApiDeps {
  const config = loadConfig({
    DATABASE_URL: ctx.database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: ctx.queuePrefix,
    // The longest the API allows: a probe that waited for its dependency instead of answering
    // from the connection's state would say "no answer within 60000 ms", not the state.
    READINESS_TIMEOUT_MS: "60000",
    ...env,
  });
  return buildDeps(config, ctx.deps.log);
}

describe("GET /healthz", () => {
  it("answers 200 {status:ok} without credentials, whatever the Accept header", async () => {
    const res = await request(ctx.app).get("/healthz").set("Accept", "text/html").expect(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["x-request-id"]).toEqual(expect.any(String));
  });

  it("is not behind authentication: wrong credentials do not matter", async () => {
    await request(ctx.app).get("/healthz").set("Authorization", basic("nobody", "wrong")).expect(200);
  });
});

describe("GET /readyz", () => {
  it("is 200 with both checks ok while PostgreSQL and Redis answer", async () => {
    const res = await request(ctx.app).get("/readyz").set("Accept", "text/plain").expect(200);
    expect(res.body).toMatchObject({
      status: "ok",
      failed: [],
      checks: { postgres: { ok: true, durationMs: expect.any(Number) }, redis: { ok: true } },
    });
  });

  describe("when Redis is unreachable", () => {
    let deps: ApiDeps;

    beforeAll(async () => {
      deps = await settled(instance({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }), "postgres");
    });

    afterAll(async () => {
      await deps.close();
    });

    it("is 503 naming redis from the connection's state, without waiting for it, while /healthz stays 200", async () => {
      const app = createApp(deps);
      const res = await request(app).get("/readyz").expect(503);
      expect(res.body).toMatchObject({
        status: "unavailable",
        failed: ["redis"],
        checks: { postgres: { ok: true }, redis: { ok: false, error: expect.stringMatching(/^redis connection is /) } },
      });
      await request(app).get("/healthz").expect(200, { status: "ok" });
    });
  });

  describe("when PostgreSQL is unreachable", () => {
    const instances: ApiDeps[] = [];

    afterAll(async () => {
      await Promise.all(instances.map((d) => d.close()));
    });

    it("is 503 naming postgres for a closed port", async () => {
      const url = new URL(ctx.database.url);
      url.port = String(await closedPort());
      const deps = instance({ DATABASE_URL: url.toString() });
      instances.push(deps);
      await settled(deps, "redis");
      const res = await request(createApp(deps)).get("/readyz").expect(503);
      expect(res.body).toMatchObject({ status: "unavailable", failed: ["postgres"], checks: { redis: { ok: true } } });
      expect(res.body.checks.postgres.ok).toBe(false);
      expect(res.body.checks.postgres.error).toEqual(expect.any(String));
    });

    it("is 503 naming postgres for a database that does not exist", async () => {
      const deps = instance({ DATABASE_URL: databaseUrl("msrwh_no_such_database") });
      instances.push(deps);
      await settled(deps, "redis");
      const res = await request(createApp(deps)).get("/readyz").expect(503);
      expect(res.body.failed).toEqual(["postgres"]);
      expect(res.body.checks.postgres.error).toMatch(/does not exist|msrwh_no_such_database/);
    });
  });
});
