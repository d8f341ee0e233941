// The worker's composition root: every infrastructure object is built here, from one validated
// config object. Tests pass overrides for the few things they need to observe or steer.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createPrisma, type PrismaClient } from "@msr-webhooks/db/client";
import { createAddressPolicy } from "@msr-webhooks/delivery/address-policy";
import { createDeliveryClient, type DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { createQueues, createRedis } from "@msr-webhooks/queue/connection";
import type { DeliveryJobData, FanoutJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import type { WorkerConfig } from "./config.js";
import { OpenEndpointGate, type EndpointGate } from "./delivery/endpoint-gate.js";
import { EnvelopeCache } from "./delivery/envelope-cache.js";
import { createLogger } from "./shared/logger.js";
import { createSqlPool, type Sql } from "./shared/sql.js";
import { PRODUCT, VERSION } from "./shared/version.js";

export interface WorkerDeps {
  config: WorkerConfig;
  log: Logger;
  /** The worker's own statements. */
  sql: Sql;
  /** The db package's repositories (access rules): off the hot path, a small pool. */
  db: PrismaClient;
  redis: Redis;
  queues: {
    ingest: Queue;
    fanout: Queue<FanoutJobData>;
    delivery: Queue<DeliveryJobData>;
    maintenance: Queue;
  };
  client: DeliveryClient;
  envelopes: EnvelopeCache;
  gate: EndpointGate;
  userAgent: string;
  close(): Promise<void>;
}

export interface DepsOverrides {
  log?: Logger;
  /** The per-endpoint isolation seam (in-flight cap, circuit breaker). */
  gate?: EndpointGate;
}

export function buildDeps(config: WorkerConfig, overrides: DepsOverrides = {}): WorkerDeps {
  const log = overrides.log ?? createLogger(config.logLevel, "worker");
  const sql = createSqlPool(config.databaseUrl, config.dbPoolSize);
  const db = createPrisma({ url: config.databaseUrl, poolSize: Math.max(2, Math.ceil(config.dbPoolSize / 4)) });
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, { prefix: config.queuePrefix });
  const userAgent = `${PRODUCT}/${VERSION}`;
  const client = createDeliveryClient({
    userAgent,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    totalTimeoutMs: config.delivery.totalTimeoutMs,
    addressPolicy: createAddressPolicy({ allow: config.delivery.allowCidrs, deny: config.delivery.denyCidrs }),
  });
  return {
    config,
    log,
    sql,
    db,
    redis,
    queues: {
      ingest: queues.ingest,
      fanout: queues.fanout as Queue<FanoutJobData>,
      delivery: queues.delivery as Queue<DeliveryJobData>,
      maintenance: queues.maintenance,
    },
    client,
    envelopes: new EnvelopeCache(config.envelopeCacheSize),
    gate: overrides.gate ?? new OpenEndpointGate(),
    userAgent,
    async close() {
      client.close();
      await queues.close();
      redis.disconnect();
      await Promise.all([sql.end(), db.$disconnect()]);
    },
  };
}
