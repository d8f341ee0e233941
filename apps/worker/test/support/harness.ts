// One test file's world: a fresh migrated database, a unique BullMQ prefix, queues to publish
// into, and in-process workers built through the real composition root (or child processes
// running the built worker).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Job, Queue } from "bullmq";
import winston from "winston";
import { createPrisma, type PrismaClient } from "@msr-webhooks/db/client";
import { createQueues, createRedis, type Queues } from "@msr-webhooks/queue/connection";
import { createTestDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import type { Redis } from "ioredis";
import { loadConfig } from "../../src/config.js";
import { buildDeps, type DepsOverrides, type WorkerDeps } from "../../src/deps.js";
import { createSqlPool, type Sql } from "../../src/shared/sql.js";
import { startWorkers, type RunningWorkers } from "../../src/workers.js";

export const workerDir = path.resolve(import.meta.dirname, "../..");

export interface InProcessWorker {
  deps: WorkerDeps;
  running: RunningWorkers;
  stop(): Promise<void>;
}

export interface Harness {
  db: PrismaClient;
  /** The worker's SQL executor over the same database, for driving repositories directly. */
  sql: Sql;
  prefix: string;
  env: Record<string, string>;
  queues: Queues;
  /** Adds a producer job to the `events` queue, exactly as a BullMQ producer would. */
  publish(event: Record<string, unknown>, opts?: { jobId?: string }): Promise<Job>;
  startWorker(env?: Record<string, string>, overrides?: DepsOverrides): Promise<InProcessWorker>;
  /** Runs `node dist/index.js` (built by the test task's dependencies) with the harness environment. */
  spawnWorker(env?: Record<string, string>, opts?: { captureStdout?: boolean; captureStderr?: boolean }): ChildProcess;
  close(): Promise<void>;
}

export function silentLogger(): winston.Logger {
  return winston.createLogger({
    level: process.env.TEST_LOG ?? "error",
    silent: process.env.TEST_LOG === undefined,
    transports: [new winston.transports.Console()],
  });
}

/** Defaults for tests: short retries, loopback allowed, quick maintenance. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: "error",
  RETRY_SCHEDULE: "100ms,200ms",
  OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
  DELIVERY_TIMEOUT_MS: "3000",
  DELIVERY_CONNECT_TIMEOUT_MS: "1000",
  RECONCILE_INTERVAL: "1h",
  PURGE_INTERVAL: "1h",
  DB_POOL_SIZE: "10",
  // Spawned workers serve their probes on any free port: several run at once, and 8081 may be taken.
  WORKER_HTTP_PORT: "0",
  // Most suites send every scenario to one receiver, i.e. one endpoint (one origin): its breaker
  // must not carry one test's failures into the next. The isolation suites set their own values.
  BREAKER_CONSECUTIVE_FAILURES: "100000",
  BREAKER_MIN_ATTEMPTS: "100000",
  // Most suites publish everything as one author: its share of the worker's slots is all of them.
  // The fair-delivery suite (security-fair-delivery.test.ts) sets its own.
  OWNER_MAX_SHARE: "1",
};

export async function createHarness(env: Record<string, string> = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  const prefix = testQueuePrefix();
  const baseEnv: Record<string, string> = {
    ...TEST_ENV,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    ...env,
  };
  const db = createPrisma({ url: database.url, poolSize: 5 });
  const sql = createSqlPool(database.url, 5);
  const redis: Redis = createRedis(redisUrl());
  const queues = createQueues(redis, { prefix });
  const workers: InProcessWorker[] = [];
  const children: ChildProcess[] = [];

  return {
    db,
    sql,
    prefix,
    env: baseEnv,
    queues,
    publish(event, opts = {}) {
      const name = typeof event.type === "string" ? event.type : "UNKNOWN";
      return (queues.ingest as Queue).add(name, event, { removeOnComplete: true, ...(opts.jobId ? { jobId: opts.jobId } : {}) });
    },
    async startWorker(extraEnv = {}, overrides = {}) {
      const config = loadConfig({ ...baseEnv, ...extraEnv });
      const deps = buildDeps(config, { log: silentLogger(), ...overrides });
      const running = await startWorkers(deps);
      let stopped = false;
      const worker: InProcessWorker = {
        deps,
        running,
        async stop() {
          if (stopped) return;
          stopped = true;
          await running.close(5000);
          await deps.close();
        },
      };
      workers.push(worker);
      return worker;
    },
    spawnWorker(extraEnv = {}, opts = {}) {
      if (!existsSync(path.join(workerDir, "dist/index.js"))) {
        throw new Error("apps/worker/dist/index.js is missing: build the worker first (pnpm exec turbo run build --filter=@msr-webhooks/worker)");
      }
      const child = spawn(process.execPath, ["dist/index.js"], {
        cwd: workerDir,
        env: { PATH: process.env.PATH ?? "", ...baseEnv, ...extraEnv },
        stdio: [
          "ignore",
          opts.captureStdout ? "pipe" : process.env.TEST_LOG ? "inherit" : "ignore",
          opts.captureStderr ? "pipe" : process.env.TEST_LOG ? "inherit" : "ignore",
        ],
      });
      children.push(child);
      return child;
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await Promise.all(workers.map((w) => w.stop()));
      await queues.close();
      redis.disconnect();
      await db.$disconnect();
      await sql.end();
      await deletePrefix(prefix);
      await database.drop();
    },
  };
}

/** Resolves with the exit code (or signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
