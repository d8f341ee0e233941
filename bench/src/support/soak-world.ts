// The soak's world: a fresh database with the bench owner's repositories, `fanout` healthy
// subscriptions each (to the receiver process's origins), and on every `badEvery`-th repository one
// more subscription to each failing endpoint; the worker with retention and the reconciler on
// short intervals; the API beside it (its memory is sampled, and it serves the delivery log).
import { Redis } from "ioredis";
import { createQueues, type Queues } from "@msr-webhooks/queue/connection";
import { ADMIN_PASSWORD, ADMIN_USER, startApiProcess, type ApiProcess } from "./api-process.js";
import { onCleanup } from "./cleanup.js";
import { basicAuth } from "./http.js";
import { opsPortOf } from "./ops-port.js";
import type { ReceiverProcess } from "./receiver.js";
import { OWNER, seedRepositories, seedSubscriptions, seedUser } from "./seed.js";
import type { BadEndpoints } from "./soak-endpoints.js";
import type { SampledProcess, SoakSources } from "./soak-sample.js";
import { startWorkerProcess, type StartWorkerOptions, type WorkerProcess } from "./worker-process.js";
import { createWorld, type World } from "./world.js";

export interface SoakWorldOptions {
  fanout: number;
  repositories: number;
  badEvery: number;
  worker: StartWorkerOptions;
  withApi: boolean;
}

export interface SoakWorld {
  world: World;
  worker: WorkerProcess;
  repositories: string[];
  /** Deliveries an event to repositories[i] makes, and how many of them go to the receiver. */
  deliveriesOf(i: number): { all: number; healthy: number };
  sources: SoakSources;
  close(): Promise<void>;
}

export async function createSoakWorld(receiver: ReceiverProcess, bad: BadEndpoints, opts: SoakWorldOptions): Promise<SoakWorld> {
  const world = await createWorld();
  const ownerId = await seedUser(world.pool, OWNER);
  const repositories = await seedRepositories(world.pool, ownerId, opts.repositories);
  await seedSubscriptions(world.pool, { ownerId, repositories, perRepository: opts.fanout, receiverUrls: receiver.urls });
  const badRepositories = repositories.filter((_, i) => i % opts.badEvery === 0);
  for (const endpoint of bad.all) {
    await seedSubscriptions(world.pool, { ownerId, repositories: badRepositories, perRepository: 1, receiverUrls: [endpoint.url] });
  }
  const worker = startWorkerProcess(world, opts.worker);
  const workerPort = await opsPortOf(worker.logFile, worker.died);
  const sampled: SampledProcess = { pid: worker.pid, metricsUrl: `http://127.0.0.1:${workerPort}/metrics` };

  let apiSources: SoakSources["api"];
  let api: ApiProcess | undefined;
  if (opts.withApi) {
    api = await startApiProcess(world);
    const failing = bad.all.find((e) => e.name === "failing")?.url ?? "";
    const { rows } = await world.pool.query<{ id: string }>(`SELECT id FROM "Webhook" WHERE endpoint LIKE $1 || '/%' LIMIT 1`, [failing]);
    apiSources = {
      pid: api.pid,
      metricsUrl: `${api.url}/metrics`,
      auth: basicAuth(ADMIN_USER, ADMIN_PASSWORD),
      deliveryLogUrl: `${api.url}/api/v0/webhooks/${rows[0]?.id ?? "none"}/deliveries?limit=50`,
    };
  }

  const redis = new Redis(world.redisUrl, { maxRetriesPerRequest: null });
  const queues: Queues = createQueues(redis, { prefix: world.prefix });
  const closeQueues = onCleanup(async () => {
    await queues.close();
    redis.disconnect();
  });
  return {
    world,
    worker,
    repositories,
    deliveriesOf(i) {
      const extra = i % opts.repositories % opts.badEvery === 0 ? bad.all.length : 0;
      return { all: opts.fanout + extra, healthy: opts.fanout };
    },
    sources: { pool: world.pool, database: world.databaseName, redis, prefix: world.prefix, queues, receiver, bad, worker: sampled, api: apiSources },
    async close() {
      await closeQueues();
      await api?.stop();
      await worker.stop();
      await world.close();
    },
  };
}
