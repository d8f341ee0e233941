// PostgreSQL and Redis restarted in the middle of a run, each a private instance of this test (the
// machine's shared services are left alone). The worker rides out the outage and resumes; every
// event published, before or during the outage, is delivered to every subscriber, and no delivery is
// left unfinished. Redis here keeps nothing across a restart: the reconciler re-queues from PostgreSQL.
// Each outage lasts until the worker has felt it (an ingest job put off for lack of a database, its
// Redis connection lost), not for a number of seconds.
import { createPrisma, type PrismaClient } from "@msr-webhooks/db/client";
import { runMigrations } from "@msr-webhooks/db/migrate";
import { createQueues, createRedis, type Queues } from "@msr-webhooks/queue/connection";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { loadConfig } from "../src/config.js";
import { buildDeps, type WorkerDeps } from "../src/deps.js";
import { startWorkers, type RunningWorkers } from "../src/workers.js";
import { silentLogger, TEST_ENV } from "./support/harness.js";
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from "./support/private-services.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const WEBHOOKS = 10;
const PREFIX = "msrwh-faults";

let postgres: PrivatePostgres;
let redisServer: PrivateRedis;
let db: PrismaClient;
let redis: Redis;
let queues: Queues;
let receiver: Receiver;
let deps: WorkerDeps;
let running: RunningWorkers;
let published = 0;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  redisServer = await startPrivateRedis();
  await postgres.createDatabase("faults");
  await runMigrations(postgres.url("faults"));
  db = createPrisma({ url: postgres.url("faults"), poolSize: 2 });
  redis = createRedis(redisServer.url);
  redis.on("error", () => undefined);
  queues = createQueues(redis, { prefix: PREFIX });
  for (const q of [queues.ingest, queues.fanout, queues.delivery, queues.maintenance]) q.on("error", () => undefined);
  // Each request takes a little while, so outages land in the middle of the run.
  receiver = await startReceiver({ handler: () => ({ status: 200, delayMs: 10 }) });

  const alice = await ownerOfFooBar(db, "alice");
  for (let i = 0; i < WEBHOOKS; i += 1) {
    await createWebhook(db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/w${i}`, author: alice });
  }
  const config = loadConfig({
    ...TEST_ENV,
    DATABASE_URL: postgres.url("faults"),
    REDIS_URL: redisServer.url,
    QUEUE_PREFIX: PREFIX,
    RETRY_SCHEDULE: "200ms,500ms,1s,2s,2s,2s,2s,2s",
    RECONCILE_INTERVAL: "1s",
    RECONCILE_MIN_AGE: "2s",
    DELIVERY_CONCURRENCY: "20",
  });
  deps = buildDeps(config, { log: silentLogger() });
  running = await startWorkers(deps);
});

afterAll(async () => {
  await running?.close(5000);
  await deps?.close();
  await queues?.close();
  redis?.disconnect();
  await db?.$disconnect();
  await receiver?.close();
  await redisServer?.stop();
  postgres?.destroy();
});

async function publish(count: number): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let i = 0; i < count; i += 1) {
    published += 1;
    jobs.push(
      await (queues.ingest as Queue).add("TAG_PUSH", { type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `t${published}`) }, { removeOnComplete: true }),
    );
  }
  return jobs;
}

/** Every published event reached every webhook, and every delivery row is finished. */
async function everythingDelivered(): Promise<void> {
  const expected = published * WEBHOOKS;
  let received = 0;
  await waitUntil(
    async () => {
      received = new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size;
      if (received < expected) return false;
      return (await db.delivery.count({ where: { status: "succeeded" } })) === expected;
    },
    { intervalMs: 250, what: () => `${expected} deliveries after the restart (${received} received)` },
  );
  expect(await db.event.count()).toBe(published);
  expect(await db.delivery.count({ where: { status: { not: "succeeded" } } })).toBe(0);
}

it("rides out a PostgreSQL restart: waits, resumes, loses nothing", async () => {
  await publish(40);
  await waitUntil(() => receiver.requests.length >= 50, { what: "the run to be under way" });
  postgres.stop();
  // The outage begins with deliveries still to make.
  expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBeLessThan(published * WEBHOOKS);
  // Published while the database is down: ingest tries, fails and keeps the job for later.
  const during = await publish(20);
  await waitUntil(
    async () => {
      for (const job of during) {
        const fresh = await queues.ingest.getJob(job.id!);
        if (fresh && fresh.attemptsStarted >= 1 && (await fresh.getState()) === "delayed") return true;
      }
      return false;
    },
    { what: "an event published during the outage to be put off by ingest" },
  );
  postgres.start();
  await publish(20);
  await everythingDelivered();
});

it("rides out a Redis restart that loses every key: the reconciler re-queues from PostgreSQL", async () => {
  const before = published;
  await publish(40);
  // Stored (and fanned out) first: what Redis alone held before the restart is the producer's.
  await waitUntil(async () => (await db.event.count({ where: { status: "fanned_out" } })) === published, {
    what: "the events to be fanned out",
  });
  await waitUntil(() => new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size >= before * WEBHOOKS + 30, {
    what: "the run to be under way",
  });
  await redisServer.stop();
  expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBeLessThan(published * WEBHOOKS);
  // The worker has lost Redis (its connection is down) before Redis comes back, empty.
  await waitUntil(() => deps.redis.status !== "ready", { what: () => `the worker's Redis connection to drop (${deps.redis.status})` });
  await redisServer.start();
  await publish(20);
  await everythingDelivered();
});
