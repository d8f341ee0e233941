// Builds the real API (real PostgreSQL database of its own, real Redis with its own queue
// prefix) for one test file, driven in-process by supertest.
import type { Express } from "express";
import request from "supertest";
import winston from "winston";
import { createTestDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { createApp } from "../../src/app.js";
import { loadConfig, type ApiConfig } from "../../src/config.js";
import { buildDeps, type ApiDeps, type ApiDepsOverrides } from "../../src/deps.js";
import { ensureAdmin } from "../../src/identity/bootstrap-admin.js";
import { DtrContract } from "./dtr-contract.js";
import { OpenApiChecker } from "./openapi-check.js";

export const ADMIN = { username: "admin", password: "admin-password-1" };

export interface TestContext {
  app: Express;
  deps: ApiDeps;
  config: ApiConfig;
  database: TestDatabase;
  queuePrefix: string;
  /** Log lines the app wrote (JSON objects), for assertions about logging. */
  logs: Record<string, unknown>[];
  /** Every response obtained through as()/anon() is checked against this document. */
  openapi: OpenApiChecker;
  /** ...and, for the operations DTR 2.7 also serves, against DTR's Swagger. */
  dtr: DtrContract;
  close(): Promise<void>;
}

/** `env` may depend on the test's database (e.g. its URL through a connection pooler). */
export async function createTestContext(
  env: Record<string, string> | ((database: TestDatabase) => Record<string, string>) = {},
  overrides: ApiDepsOverrides = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const queuePrefix = testQueuePrefix();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: queuePrefix,
    REGISTRY_HOST: "registry.test:5000",
    MSR_ADMIN_USERNAME: ADMIN.username,
    MSR_ADMIN_PASSWORD: ADMIN.password,
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
    DB_POOL_SIZE: "5",
    // Suites send many bad credentials on purpose; the sign-in limit has its own tests.
    AUTH_FAILURE_LIMIT: "0",
    ...(typeof env === "function" ? env(database) : env),
  });
  const logs: Record<string, unknown>[] = [];
  const log = winston.createLogger({
    level: "debug",
    format: winston.format.json(),
    transports: [
      new winston.transports.Console({ silent: true }),
      new (class extends winston.transports.Stream {
        constructor() {
          super({ stream: process.stdout, level: "debug" });
        }
        override log(info: Record<string, unknown>, next: () => void): void {
          logs.push(info);
          next();
        }
      })(),
    ],
  });
  const deps = buildDeps(config, log, overrides);
  await ensureAdmin(deps.services.db, config.admin);
  const app = createApp(deps);
  return {
    app,
    deps,
    config,
    database,
    queuePrefix,
    logs,
    openapi: new OpenApiChecker(deps.openApi),
    dtr: dtrContract(),
    async close() {
      await deps.close();
      await database.drop();
      await deletePrefix(queuePrefix);
    },
  };
}

let sharedDtr: DtrContract | undefined;
/** One per test file: the fixture is read and its schemas compiled once. */
function dtrContract(): DtrContract {
  sharedDtr ??= new DtrContract();
  return sharedDtr;
}

export function basic(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}`;
}

type Method = "get" | "post" | "put" | "patch" | "delete";

function client(ctx: TestContext, authorization: string | null) {
  const agent = request(ctx.app);
  const make = (method: Method) => (path: string) => {
    const test = agent[method](path);
    if (authorization) test.set("Authorization", authorization);
    // Every response a test receives is validated against the OpenAPI document and, where DTR
    // 2.7 serves the operation, against DTR's Swagger.
    return test.expect((res) => {
      ctx.openapi.check(method, path, res);
      ctx.dtr.check(method, path, res);
    });
  };
  return { get: make("get"), post: make("post"), put: make("put"), patch: make("patch"), delete: make("delete") };
}

/** A supertest client with the given credentials (password or token). */
export function as(ctx: TestContext, username: string, secret: string) {
  return client(ctx, basic(username, secret));
}

/** A supertest client without credentials. */
export function anon(ctx: TestContext) {
  return client(ctx, null);
}
